"""A trainer over Bluetooth LE as a live ``Source``: connect, stream, survive disconnections.

``SensorSource`` connects through any ``Central`` (Bumble or bleak), subscribes to the profile's notifications
or polls its characteristic, and yields frames. When the link drops it says so, keeps everything already
received, and reconnects with back-off (0.5 s doubling to 10 s) until the sensor returns or the session stops;
the time away shows as a gap in the sample index, so the recording marks it. Battery is read on each
connection; the vibration cue is written where the device has motors.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Self

from pelvicore.devices.ble.central import BleError, Central, Link
from pelvicore.devices.ble.stream import SampleStream, SensorStatus, StatusKind, snap_rate
from pelvicore.devices.frames_source import FRAME_RATE_HZ
from pelvicore.devices.profiles import femfit, kgoal, magic_motion
from pelvicore.devices.profiles import open as open_profile
from pelvicore.devices.profiles.base import DeviceProfile
from pelvicore.devices.source import SourceInfo
from pelvicore.signal.frames import Frame

#: Samples per second asked of polled devices, and assumed for notifying devices whose rate is unknown.
DEFAULT_HZ = 20.0
#: Frames leave as often as the simulator's.
FRAME_S = 1 / FRAME_RATE_HZ
#: A connected sensor that sends nothing for this long is treated as lost, and reconnected.
STALL_S = 5.0
#: How long a trainer of unknown rate is counted after connecting.
RATE_PROBE_S = 1.0


def vibration_write(profile: DeviceProfile, on: bool) -> tuple[str, bytes] | None:
    """The (characteristic, bytes) that starts or stops a "squeeze now" vibration, or ``None``."""
    if profile.name == "magic-motion":
        return magic_motion.VIBRATION_CHARACTERISTIC, magic_motion.vibration_command(60 if on else 0)
    if profile.name == "kgoal":
        return f"handle:{kgoal.MOTOR_HANDLE:#04x}", kgoal.motor_command(1, on)
    return None


class SensorSource:
    """Frames from the trainer at ``address`` (``profile``) through ``central``.

    Parameters
    ----------
    fs_hz : float, optional
        Sampling rate of the frames; default the profile's, else 20 Hz (the poll rate of polled devices).
    time_scale : float
        Playback speed of a virtual trainer (1 for real hardware), for timing-based loss detection.
    backoff_s : (first, longest)
        Reconnection delays: ``first`` doubling up to ``longest``.
    give_up_s : float, optional
        Stop reconnecting after this long without the sensor (default: keep trying until stopped).
    """

    def __init__(
        self,
        central: Central,
        address: str,
        profile: DeviceProfile,
        *,
        fs_hz: float | None = None,
        time_scale: float = 1.0,
        backoff_s: tuple[float, float] = (0.5, 10.0),
        give_up_s: float | None = None,
        connect_timeout_s: float = 10.0,
        on_status: Callable[[SensorStatus], None] | None = None,
    ) -> None:
        self.central = central
        self.address = address
        self.profile = profile
        self.fs_hz = float(fs_hz or profile.sampling_hz or DEFAULT_HZ)
        # Polled devices run at the rate asked of them; notifying ones of unknown rate are measured.
        self._rate_known = bool(fs_hz or profile.sampling_hz) or profile.mode != "notify"
        self._time_scale = time_scale
        self.backoff_s = backoff_s
        self.give_up_s = give_up_s
        self.connect_timeout_s = connect_timeout_s
        self.on_status = on_status
        #: A trainer on the server's Bluetooth is known by its address (the key of its calibration).
        self.device_name: str | None = None
        self.stream = SampleStream(profile, self.fs_hz, time_scale, on_status=self._relay)
        self._info = SourceInfo(f"{profile.name}:{address}", self.fs_hz, self.stream.units)
        self.start_index = 0
        self.battery: int | None = None
        self.disconnections = 0
        self._link: Link | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()
        self._poll_s = 1.0 / (self.fs_hz * time_scale)
        self._last_payload = 0.0

    @property
    def info(self) -> SourceInfo:
        return self._info

    @property
    def connected(self) -> bool:
        return self._link is not None and self._link.connected

    # -- life cycle ---------------------------------------------------------------------------------
    async def connect(self, attempts: int = 3) -> None:
        """The first connection, retried ``attempts`` times (an Elvie often needs several); ``BleError`` if all fail.

        Where the sampling rate is not known in advance, it is measured here (see ``measure_rate``).
        """
        delay = self.backoff_s[0]
        for attempt in range(attempts):
            try:
                await self._open()
                break
            except BleError:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(delay)
                delay = min(2 * delay, self.backoff_s[1])
        if not self._rate_known:
            await self.measure_rate()

    async def measure_rate(self, seconds: float = RATE_PROBE_S) -> float:
        """Count samples for ``seconds`` and take the nearest usual rate; frames then carry that rate."""
        before, t0 = self.stream.received, time.monotonic()
        await asyncio.sleep(seconds)
        rate = snap_rate(self.stream.received - before, (time.monotonic() - t0) * self._time_scale)
        if rate is not None:
            self.fs_hz = rate
            self.stream.set_rate(self.fs_hz)
            self._info = SourceInfo(self._info.name, self.fs_hz, self.stream.units)
        self._rate_known = True
        return self.fs_hz

    async def __aenter__(self) -> Self:
        if self._link is None:
            await self.connect()
        self._task = asyncio.create_task(self._keep_connected(), name=f"sensor-{self.address}")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopped.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._link is not None:
            with contextlib.suppress(Exception):
                await self._link.close()

    def stop(self) -> None:
        """End the stream after the frames already received."""
        self._stopped.set()

    def __aiter__(self) -> AsyncIterator[Frame]:
        return self._frames()

    async def _frames(self) -> AsyncIterator[Frame]:
        while not self._stopped.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), FRAME_S)
            for frame in self.stream.take_frames():
                yield frame
            if self._task is not None and self._task.done() and not self._stopped.is_set():
                self._task.result()  # gave up reconnecting: raise why
        for frame in self.stream.take_frames():
            yield frame

    # -- feedback -----------------------------------------------------------------------------------
    @property
    def can_vibrate(self) -> bool:
        return vibration_write(self.profile, True) is not None

    async def vibrate(self, on: bool = True) -> bool:
        """Start (or stop) the device's vibration cue; ``False`` if it has none or is not connected."""
        write = vibration_write(self.profile, on)
        if write is None or not self.connected:
            return False
        assert self._link is not None
        try:
            await self._link.write(*write)
        except Exception:  # a cue that does not arrive must not end the session
            return False
        return True

    async def calibrate_zero(self) -> bool:
        """Zero the probe at rest where it has the command (the open profile); ``False`` otherwise."""
        if self.profile.name != "open" or not self.connected:
            return False
        assert self._link is not None
        await self._link.write(open_profile.CONTROL, open_profile.CALIBRATE)
        return True

    # -- internals ----------------------------------------------------------------------------------
    async def _open(self) -> None:
        self._tell("connecting", f"Connecting to the {self.profile.title}…")
        link = await self.central.connect(self.address, self.connect_timeout_s)
        try:
            self.stream.restart()
            if self.profile.mode == "notify":
                for characteristic in self.profile.characteristics:
                    await link.subscribe(characteristic, self._receiver(characteristic))
            if self.profile.name == "open" and not self._rate_known:
                with contextlib.suppress(Exception):
                    rate = int.from_bytes((await link.read(open_profile.INFO))[:2], "little")
                    if 1 <= rate <= 1000:
                        self.fs_hz = rate / self._time_scale
                        self.stream.set_rate(self.fs_hz)
                        self._info = SourceInfo(self._info.name, self.fs_hz, self.stream.units)
                        self._rate_known = True
            if self.profile.battery_characteristic:
                with contextlib.suppress(Exception):
                    self.battery = (await link.read(self.profile.battery_characteristic))[0]
            elif self.profile.name == "femfit":
                with contextlib.suppress(Exception):
                    self.battery = femfit.battery_percent(await link.read(femfit.HOUSEKEEPING_CHARACTERISTIC))
        except Exception as exc:
            with contextlib.suppress(Exception):
                await link.close()
            raise BleError(f"{self.address}: connected but could not start the stream: {exc}") from exc
        self._link = link
        self._last_payload = time.monotonic()
        if self.battery is not None:
            self._relay(SensorStatus.battery(self.battery))

    def _receiver(self, characteristic: str) -> Callable[[bytes], None]:
        def on_value(payload: bytes) -> None:
            self._last_payload = time.monotonic()
            self.stream.push(characteristic, payload, time.monotonic())

        return on_value

    async def _keep_connected(self) -> None:
        first = True
        while not self._stopped.is_set():
            link = self._link
            if link is not None and link.connected:
                if first:
                    self._tell("connected", f"Connected to the {self.profile.title}.")
                    first = False
                if self.profile.mode == "notify":
                    await self._watch_notifications(link)
                else:
                    await self._poll(link)
            if self._stopped.is_set():
                return
            await self._reconnect()

    async def _watch_notifications(self, link: Link) -> None:
        """Return when the link drops, or when a connected sensor has been silent for ``STALL_S``."""
        while link.connected and not self._stopped.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(link.wait_disconnected(), 0.5)
            if time.monotonic() - self._last_payload > STALL_S:
                with contextlib.suppress(Exception):
                    await link.close()
                return

    async def _poll(self, link: Link) -> None:
        characteristic = self.profile.characteristics[0]
        loop = asyncio.get_running_loop()
        t_next = loop.time()
        while link.connected and not self._stopped.is_set():
            try:
                payload = await link.read(characteristic)
            except (Exception, asyncio.CancelledError):
                # A read on a dropping link fails (Bumble cancels it): the reconnect path takes over. A
                # cancellation of this task itself goes on up.
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
                if link.connected:
                    await asyncio.sleep(self._poll_s)
                    continue
                return
            self.stream.push(characteristic, payload, time.monotonic())
            t_next += self._poll_s
            await asyncio.sleep(max(0.0, t_next - loop.time()))

    async def _reconnect(self) -> None:
        self.disconnections += 1
        lost_at = self.stream.clock.next_index
        self._link = None
        self._relay(SensorStatus.disconnected(lost_at))
        began = time.monotonic()
        delay = self.backoff_s[0]
        while not self._stopped.is_set():
            await asyncio.sleep(delay)
            try:
                await self._open()
            except BleError:
                if self.give_up_s is not None and time.monotonic() - began > self.give_up_s:
                    self._tell("unreachable", f"The sensor did not come back within {self.give_up_s:g} s.")
                    raise
                delay = min(2 * delay, self.backoff_s[1])
                continue
            away = time.monotonic() - began
            self._relay(SensorStatus.reconnected(lost_at, away))
            return

    def _relay(self, status: SensorStatus) -> None:
        if self.on_status is not None:
            self.on_status(status)

    def _tell(self, kind: StatusKind, text: str, index: int = 0, value: float | None = None) -> None:
        if self.on_status is not None:
            self.on_status(SensorStatus(kind, text, index, value))
