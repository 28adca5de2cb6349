"""Choose a Bluetooth backend by name.

- ``bleak``: this computer's Bluetooth adapter (the default for real trainers).
- ``usb:0``, ``serial:/dev/ttyACM0``, ``tcp-client:host:port`` ...: a controller driven by Bumble.
- ``virtual``: one virtual trainer of every profile on an in-process link, each playing a simulated person;
  for trying pelvicore without hardware and for the test suite.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from pelvicore.devices.ble.central import Central


@dataclass
class Backend:
    """An open backend: the central, and the virtual trainers when there are any."""

    name: str
    central: Central
    trainers: list[Any] = field(default_factory=list)

    @property
    def time_scale(self) -> float:
        return self.trainers[0].speed if self.trainers else 1.0


@contextlib.asynccontextmanager
async def open_backend(name: str = "bleak", *, speed: float = 1.0) -> AsyncIterator[Backend]:
    """Open ``name`` for as long as the ``async with`` lasts."""
    if name == "bleak":
        from pelvicore.devices.ble.bleak_central import BleakCentral

        yield Backend(name, BleakCentral())
    elif name == "virtual":
        from bumble.link import LocalLink

        from pelvicore.devices.ble.bumble_central import BumbleCentral, local_device
        from pelvicore.devices.ble.virtual import start_virtual_trainers

        link = LocalLink()
        trainers = await start_virtual_trainers(link, speed=speed)
        central = BumbleCentral(local_device(link, "F0:F0:F0:F0:F0:F0"))
        try:
            yield Backend(name, central, list(trainers))
        finally:
            await central.close()
            for trainer in trainers:
                await trainer.stop()
    else:
        from pelvicore.devices.ble.bumble_central import open_hci_central

        central, hci = await open_hci_central(name)
        try:
            yield Backend(name, central)
        finally:
            await central.close()
            await hci.close()
