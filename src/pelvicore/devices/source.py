"""The ``Source`` protocol every frame producer implements (simulator, file replay, BLE devices)."""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, runtime_checkable

from pelvicore.errors import PelvicoreError
from pelvicore.signal.frames import Frame

if TYPE_CHECKING:
    from pelvicore.devices.ble.stream import SensorStatus


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What a source produces: its sampling rate and channels with units."""

    name: str
    fs_hz: float
    units: dict[str, str]


@runtime_checkable
class Source(Protocol):
    """An async iterable of frames that may hold a resource (a BLE connection, a file).

    Use it as ``async with source: async for frame in source: ...``.
    """

    @property
    def info(self) -> SourceInfo: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def __aiter__(self) -> AsyncIterator[Frame]: ...


class SourceGone(PelvicoreError):
    """The source stopped sending and will not come back (a page that connected a trainer has gone)."""


# What a source may also do, each a small protocol its users check with isinstance.
@runtime_checkable
class Stoppable(Protocol):
    """A source that streams until told to stop (a trainer): ``stop()`` ends it after what it already sent."""

    def stop(self) -> None: ...


@runtime_checkable
class Resumable(Protocol):
    """A source that starts at sample number ``start_index`` (a resumed session), not 0."""

    start_index: int


@runtime_checkable
class ReportsStatus(Protocol):
    """A source with news about its sensor (battery, a dropped link...), told to ``on_status`` once set;
    ``device_name`` is the trainer's name once known (the key of its stored calibration)."""

    on_status: Callable[[SensorStatus], None] | None
    device_name: str | None


@runtime_checkable
class Vibrating(Protocol):
    """A trainer with a motor: ``vibrate(True)`` buzzes until ``vibrate(False)``; ``can_vibrate`` once connected."""

    @property
    def can_vibrate(self) -> bool: ...

    async def vibrate(self, on: bool = True) -> bool: ...


#: Paced sources wake on a shared 10 ms grid of the clock, so that a server playing hundreds of sessions wakes
#: ~100 times a second for all of them rather than once per frame of each. A frame leaves at most 10 ms after
#: its last sample is due (a Bluetooth trainer's notifications come in bursts of 7.5-50 ms connection intervals).
WAKE_GRID_S = 0.01


class Pacer:
    """Sleeps so that frames leave no earlier than their sample times allow.

    ``speed`` 1 plays in real time, 10 ten times faster, 0 as fast as possible.
    """

    def __init__(self, speed: float) -> None:
        if speed < 0:
            raise ValueError(f"speed must be >= 0, got {speed!r}")
        self.speed = speed
        self._t0: float | None = None

    async def wait_until(self, media_time_s: float) -> None:
        if self.speed == 0:
            await asyncio.sleep(0)
            return
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now - media_time_s / self.speed
        due = self._t0 + media_time_s / self.speed
        if due > now:
            await _clock().sleep_until_tick(math.ceil(due / WAKE_GRID_S))


class _GridClock:
    """Wakes every pacer due at the same tick of the grid with one timer of the event loop.

    Each waiter has its own future (cancelling one session never wakes or cancels another); a tick's timer is
    set by its first waiter and wakes all of them.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}

    async def sleep_until_tick(self, tick: int) -> None:
        future = self._loop.create_future()
        waiters = self._waiters.get(tick)
        if waiters is None:
            waiters = self._waiters[tick] = []
            delay_s = max(0.0, tick * WAKE_GRID_S - time.monotonic())
            self._loop.call_at(self._loop.time() + delay_s, self._wake, tick)
        waiters.append(future)
        await future

    def _wake(self, tick: int) -> None:
        for future in self._waiters.pop(tick, ()):
            if not future.done():
                future.set_result(None)


_clocks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _GridClock] = weakref.WeakKeyDictionary()


def _clock() -> _GridClock:
    loop = asyncio.get_running_loop()
    clock = _clocks.get(loop)
    if clock is None:
        clock = _clocks[loop] = _GridClock(loop)
    return clock
