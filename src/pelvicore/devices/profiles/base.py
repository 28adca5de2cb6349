"""What a device profile is: how to find a trainer over Bluetooth LE and how to read its bytes.

A profile is data plus one pure function, ``decode(payload) -> samples``, kept apart from any transport (host
BLE, Web Bluetooth, tests), so the same decoding serves all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pelvicore.errors import PelvicoreError

#: Channel name -> decoded samples, oldest first.
Samples = dict[str, list[float]]


class DecodeError(PelvicoreError):
    """A payload that does not have the layout its profile expects."""


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """One trainer model.

    ``units`` gives each channel's unit (``raw`` until calibrated); ``sampling_hz`` is ``None`` where unknown.
    """

    name: str
    title: str
    names: tuple[str, ...]
    services: tuple[str, ...]
    characteristics: tuple[str, ...]
    mode: Literal["notify", "poll", "read"]
    units: dict[str, str]
    decode: Callable[[bytes], Samples]
    source: str
    sampling_hz: float | None = None
    battery_characteristic: str | None = None

    @property
    def web_bluetooth(self) -> bool:
        """Whether a browser can read it: Web Bluetooth reaches characteristics by UUID, never by ``handle:``."""
        return not any(c.startswith("handle:") for c in self.characteristics)


def uuid16(short: int) -> str:
    """The full 128-bit UUID of a Bluetooth SIG 16-bit UUID."""
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


def need(payload: bytes, n: int, profile: str, what: str) -> None:
    """Raise ``DecodeError`` unless ``payload`` has at least ``n`` bytes."""
    if len(payload) < n:
        raise DecodeError(f"{profile}: payload of {len(payload)} byte(s) is too short, expected {n} ({what})")
