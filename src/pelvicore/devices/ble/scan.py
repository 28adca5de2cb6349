"""``pelvicore devices scan``: trainers nearby, with their kind, signal strength and battery."""

from __future__ import annotations

import contextlib
from typing import Any

from pelvicore.devices.ble.hub import open_backend
from pelvicore.devices.profiles import identify


async def scan_trainers(
    transport: str, seconds: float, *, include_unknown: bool = False, read_battery: bool = True
) -> list[dict[str, Any]]:
    """One row per device heard: address, name, profile (or ``None``), rssi (dBm), battery (% or ``None``)."""
    rows = []
    async with open_backend(transport) as backend:
        for advert in await backend.central.scan(seconds):
            profile = identify(advert.name, advert.services)
            if profile is None and not include_unknown:
                continue
            battery = None
            if read_battery and profile is not None and profile.battery_characteristic:
                with contextlib.suppress(Exception):
                    link = await backend.central.connect(advert.address, 5.0)
                    try:
                        battery = (await link.read(profile.battery_characteristic))[0]
                    finally:
                        await link.close()
            rows.append(
                {
                    "address": advert.address,
                    "name": advert.name,
                    "profile": profile.name if profile else None,
                    "rssi": advert.rssi,
                    "battery": battery,
                }
            )
    return rows
