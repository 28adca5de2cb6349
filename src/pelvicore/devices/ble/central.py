"""The transport interface every Bluetooth LE backend implements (Bumble, bleak).

A ``Central`` scans and connects; a ``Link`` is one connection to a trainer. Characteristics are named by their
128-bit UUID string, or ``handle:0xNN`` for devices read by attribute handle (the original kGoal). Everything
above this interface (the sensor source, reconnection, signal quality) is shared by every backend, so the tests
that drive it through Bumble's virtual controller exercise the same code a real adapter runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from pelvicore.errors import PelvicoreError


class BleError(PelvicoreError):
    """A Bluetooth operation failed: no adapter, no such device, a refused connection, a missing characteristic."""


@dataclass(frozen=True, slots=True)
class Advert:
    """One trainer heard while scanning."""

    address: str
    name: str
    rssi: int | None
    services: tuple[str, ...] = ()


class Link(Protocol):
    """One connection to a peripheral."""

    @property
    def connected(self) -> bool: ...

    async def subscribe(self, characteristic: str, on_value: Callable[[bytes], None]) -> None:
        """Call ``on_value`` with every notification of ``characteristic``."""

    async def read(self, characteristic: str) -> bytes: ...

    async def write(self, characteristic: str, data: bytes) -> None: ...

    async def wait_disconnected(self) -> None:
        """Return when the connection is lost (either side)."""

    async def close(self) -> None: ...


class Central(Protocol):
    """A Bluetooth LE adapter acting as central."""

    async def scan(self, duration_s: float) -> list[Advert]: ...

    async def connect(self, address: str, timeout_s: float = 10.0) -> Link: ...

    async def close(self) -> None: ...


def split_characteristic(characteristic: str) -> int | str:
    """``handle:0x2a`` -> 42; a UUID string is returned unchanged (lower case)."""
    if characteristic.startswith("handle:"):
        try:
            return int(characteristic.removeprefix("handle:"), 0)
        except ValueError:
            raise BleError(f"bad characteristic handle {characteristic!r} (expected e.g. handle:0x2a)") from None
    return characteristic.lower()
