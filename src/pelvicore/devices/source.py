"""The ``Source`` protocol every frame producer implements (simulator, file replay, BLE devices)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from pelvicore.signal.frames import Frame


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
        delay = self._t0 + media_time_s / self.speed - now
        if delay > 0:
            await asyncio.sleep(delay)
