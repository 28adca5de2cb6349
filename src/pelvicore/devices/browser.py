"""Web Bluetooth as a ``Source``: the browser pairs the trainer and forwards its raw payloads over the
session's WebSocket; here the same profiles decode them as for host Bluetooth.

The browser cannot tell the trainer's sampling rate, so the first second of payloads measures it (snapped to
a usual rate) before frames flow. A disconnection reported by the page marks a gap as the host transport does.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Self

from pelvicore.devices.ble.sensor import DEFAULT_HZ, FRAME_S, RATE_PROBE_S
from pelvicore.devices.ble.stream import SampleStream, SensorStatus, StatusKind, snap_rate
from pelvicore.devices.profiles.base import DecodeError, DeviceProfile
from pelvicore.devices.source import SourceGone, SourceInfo
from pelvicore.signal.frames import Frame

#: Longest payload accepted from a page (the open profile's largest notification is 243 bytes).
MAX_PAYLOAD_BYTES = 512
IDLE_S = 120.0
"""A browser session whose page has sent nothing for this long has lost its page: it ends."""


class BrowserSource:
    """Frames from payloads a web page pushes with ``push(characteristic, hex)``."""

    def __init__(
        self,
        profile: DeviceProfile,
        *,
        on_status: Callable[[SensorStatus], None] | None = None,
        idle_s: float = IDLE_S,
    ) -> None:
        self.profile = profile
        self.idle_s = idle_s
        self._last_heard = time.monotonic()
        self.on_status = on_status
        self.fs_hz = float(profile.sampling_hz or DEFAULT_HZ)
        self.stream = SampleStream(profile, self.fs_hz, on_status=self._relay)
        self._info = SourceInfo(f"browser:{profile.name}", self.fs_hz, self.stream.units)
        self.start_index = 0
        self._rate_known = profile.sampling_hz is not None
        self._first_payload: float | None = None
        self._stopped = asyncio.Event()
        self._disconnected_at: int | None = None
        self._away_since = 0.0
        #: The trainer's name as the page reported it (the key of its stored calibration).
        self.device_name: str | None = None

    @property
    def info(self) -> SourceInfo:
        return self._info

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopped.set()

    def stop(self) -> None:
        self._stopped.set()

    # -- from the page ------------------------------------------------------------------------------
    def take(self, message: object) -> None:
        """One message from the page (see ``static/webble.js``): a ``payload`` from the trainer, or the
        ``sensor`` link's state; ``DecodeError`` naming what is wrong with anything else."""
        if not isinstance(message, dict):
            raise DecodeError("expected a JSON object")
        if message.get("type") == "payload":
            self.push(str(message.get("characteristic", "")), message.get("hex"))  # type: ignore[arg-type]
        elif message.get("type") == "sensor":
            battery = message.get("battery")
            self.sensor_state(
                str(message.get("state")),
                str(message.get("name") or "")[:80],
                float(battery) if isinstance(battery, int | float) and not isinstance(battery, bool) else None,
            )
        else:
            raise DecodeError(f"unknown message type {message.get('type')!r}")

    def push(self, characteristic: str, payload_hex: str) -> None:
        """One payload as the page saw it; ``DecodeError`` names what is wrong with a malformed message."""
        if not isinstance(payload_hex, str) or len(payload_hex) > 2 * MAX_PAYLOAD_BYTES:
            raise DecodeError(f"payload must be a hex string of at most {MAX_PAYLOAD_BYTES} bytes")
        try:
            payload = bytes.fromhex(payload_hex)
        except ValueError:
            raise DecodeError(f"payload {payload_hex[:40]!r} is not hex") from None
        now = time.monotonic()
        self._last_heard = now
        if self._first_payload is None:
            self._first_payload = now
        self.stream.push(str(characteristic), payload, now)

    def sensor_state(self, state: str, name: str = "", battery: float | None = None) -> None:
        """The page's news: ``connected`` (with the device name and battery) or ``disconnected``."""
        self._last_heard = time.monotonic()
        if state == "disconnected":
            self._disconnected_at = self.stream.clock.next_index
            self._away_since = time.monotonic()
            self._relay(SensorStatus.disconnected(self._disconnected_at))
        elif state == "connected":
            self.device_name = name or self.device_name
            self.stream.restart()
            if self._disconnected_at is not None:
                away = time.monotonic() - self._away_since
                self._relay(SensorStatus.reconnected(self._disconnected_at, away))
                self._disconnected_at = None
            else:
                self._tell("connected", f"Connected to {name or self.profile.title}.")
            if battery is not None and math.isfinite(battery) and 0 <= battery <= 100:
                self._relay(SensorStatus.battery(battery))

    # -- to the session -----------------------------------------------------------------------------
    def __aiter__(self) -> AsyncIterator[Frame]:
        return self._frames()

    async def _frames(self) -> AsyncIterator[Frame]:
        while not self._stopped.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), FRAME_S)
            if time.monotonic() - self._last_heard > self.idle_s:
                raise SourceGone(f"nothing came from the page for {self.idle_s:g} s: it was closed or lost its link")
            if not self._rate_known:
                if self._first_payload is None or time.monotonic() - self._first_payload < RATE_PROBE_S:
                    continue
                self._measure()
            for frame in self.stream.take_frames():
                yield frame

    def _measure(self) -> None:
        assert self._first_payload is not None
        rate = snap_rate(self.stream.received, time.monotonic() - self._first_payload)
        if rate is not None:
            self.fs_hz = rate
            self.stream.set_rate(self.fs_hz)
            self._info = SourceInfo(self._info.name, self.fs_hz, self.stream.units)
        self._rate_known = True

    def _relay(self, status: SensorStatus) -> None:
        if self.on_status is not None:
            self.on_status(status)

    def _tell(self, kind: StatusKind, text: str, index: int = 0, value: float | None = None) -> None:
        self._relay(SensorStatus(kind, text, index, value))
