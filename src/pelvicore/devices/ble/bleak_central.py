"""The bleak backend: the computer's own Bluetooth (BlueZ on Linux, CoreBluetooth on macOS, WinRT on Windows).

Deliberately thin: it only maps bleak's calls onto the ``Central`` / ``Link`` interface, so reconnection,
decoding and signal quality are the shared code the Bumble tests exercise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from pelvicore.devices.ble.central import Advert, BleError, split_characteristic


class BleakLink:
    def __init__(self, client: Any, lost: asyncio.Event) -> None:
        self._client = client
        self._lost = lost

    @property
    def connected(self) -> bool:
        return bool(self._client.is_connected) and not self._lost.is_set()

    async def subscribe(self, characteristic: str, on_value: Callable[[bytes], None]) -> None:
        await self._client.start_notify(split_characteristic(characteristic), lambda _c, data: on_value(bytes(data)))

    async def read(self, characteristic: str) -> bytes:
        return bytes(await self._client.read_gatt_char(split_characteristic(characteristic)))

    async def write(self, characteristic: str, data: bytes) -> None:
        await self._client.write_gatt_char(split_characteristic(characteristic), data, response=True)

    async def wait_disconnected(self) -> None:
        await self._lost.wait()

    async def close(self) -> None:
        try:
            await self._client.disconnect()
        finally:
            self._lost.set()


class BleakCentral:
    """The host adapter through bleak."""

    async def scan(self, duration_s: float) -> list[Advert]:
        from bleak import BleakScanner

        try:
            found = await BleakScanner.discover(timeout=duration_s, return_adv=True)
        except Exception as exc:  # no adapter, no BlueZ, Bluetooth switched off: one line, with the cause
            raise BleError(f"cannot scan with this computer's Bluetooth: {exc}") from exc
        adverts = [
            Advert(device.address, adv.local_name or device.name or "", adv.rssi, tuple(adv.service_uuids))
            for device, adv in found.values()
        ]
        return sorted(adverts, key=lambda a: -(a.rssi if a.rssi is not None else -999))

    async def connect(self, address: str, timeout_s: float = 10.0) -> BleakLink:
        from bleak import BleakClient

        lost = asyncio.Event()
        client = BleakClient(address, disconnected_callback=lambda _c: lost.set(), timeout=timeout_s)
        try:
            await client.connect()
        except Exception as exc:  # bleak raises per-platform errors: name the device and the cause
            raise BleError(f"could not connect to {address}: {exc}") from exc
        return BleakLink(client, lost)

    async def close(self) -> None:
        return None
