"""Web Bluetooth as a ``Source``: the browser pairs the trainer and forwards its raw payloads over the
session's WebSocket; here the same profiles decode them as for host Bluetooth.

The browser cannot tell the trainer's sampling rate, so the first second of payloads measures it (snapped to
a usual rate) before frames flow. The page stamps each payload with its own clock (``t_ms``) as the trainer's
notification or read arrived, so a busy server or network, which delivers payloads in bunches, does not skew the
rate; without stamps (an older page) the server's arrival times are used. A disconnection reported by the page
marks a gap as the host transport does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
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
#: Payloads must span at least this long for their times to give the rate (else the count over the probe does).
MIN_PROBE_SPAN_S = 0.5
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
        #: While the rate is measured: (page time s or None, server time s, samples) of each payload.
        self._probe: list[tuple[float | None, float, int]] = []
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
            characteristic, payload = str(message.get("characteristic", "")), message.get("hex")
            self.push(characteristic, payload, t_ms=message.get("t_ms"))  # type: ignore[arg-type]
        elif message.get("type") == "sensor":
            battery = message.get("battery")
            self.sensor_state(
                str(message.get("state")),
                str(message.get("name") or "")[:80],
                float(battery) if isinstance(battery, int | float) and not isinstance(battery, bool) else None,
            )
        else:
            raise DecodeError(f"unknown message type {message.get('type')!r}")

    def push(self, characteristic: str, payload_hex: str, *, t_ms: object = None) -> None:
        """One payload as the page saw it (``t_ms``: when, by the page's clock, in ms); ``DecodeError`` names what
        is wrong with a malformed message."""
        if not isinstance(payload_hex, str) or len(payload_hex) > 2 * MAX_PAYLOAD_BYTES:
            raise DecodeError(f"payload must be a hex string of at most {MAX_PAYLOAD_BYTES} bytes")
        try:
            payload = bytes.fromhex(payload_hex)
        except ValueError:
            raise DecodeError(f"payload {payload_hex[:40]!r} is not hex") from None
        page_s = None
        if t_ms is not None:
            if isinstance(t_ms, bool) or not isinstance(t_ms, int | float) or not math.isfinite(t_ms) or t_ms < 0:
                raise DecodeError(f"t_ms must be the page's time of the payload in ms (a number >= 0), got {t_ms!r}")
            page_s = t_ms / 1000.0
        now = time.monotonic()
        self._last_heard = now
        if self._first_payload is None:
            self._first_payload = now
        before = self.stream.received
        self.stream.push(str(characteristic), payload, now)
        if not self._rate_known and self.stream.received > before:
            self._probe.append((page_s, now, self.stream.received - before))

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
        rate = self._probed_rate() or snap_rate(self.stream.received, time.monotonic() - self._first_payload)
        self._probe.clear()
        if rate is not None:
            self.fs_hz = rate
            self.stream.set_rate(self.fs_hz)
            self._info = SourceInfo(self._info.name, self.fs_hz, self.stream.units)
        self._rate_known = True

    def _probed_rate(self) -> float | None:
        """The rate from the samples after the first payload over the time from it to the last: by the page's
        clock when every payload was stamped and its times run forward, else by the server's; ``None`` when the
        payloads span too little time to tell."""
        if len(self._probe) < 3:
            return None
        samples = sum(n for _, _, n in self._probe[1:])
        page = [t for t, _, _ in self._probe if t is not None]
        if len(page) == len(self._probe) and all(b >= a for a, b in itertools.pairwise(page)):
            span = page[-1] - page[0]
        else:
            span = self._probe[-1][1] - self._probe[0][1]
        return snap_rate(samples, span) if span >= MIN_PROBE_SPAN_S else None

    def _relay(self, status: SensorStatus) -> None:
        if self.on_status is not None:
            self.on_status(status)

    def _tell(self, kind: StatusKind, text: str, index: int = 0, value: float | None = None) -> None:
        self._relay(SensorStatus(kind, text, index, value))
