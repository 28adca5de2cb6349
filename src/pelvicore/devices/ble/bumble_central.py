"""The Bumble backend: a Bluetooth LE central written in Python.

Bumble drives a real controller (a USB dongle: ``usb:0``; a serial HCI: ``serial:/dev/ttyACM0``; a TCP HCI
bridge: ``tcp-client:host:port``) or a virtual one on an in-process link (``LocalLink``), which is how the test
suite runs real GATT traffic without radio hardware.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from bumble.controller import Controller
from bumble.core import UUID, AdvertisingData
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.gatt_client import CharacteristicProxy
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from pelvicore.devices.ble.central import Advert, BleError, split_characteristic

_SERVICE_LISTS = (
    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
)


def full_uuid(uuid: UUID) -> str:
    """A Bumble UUID as the lower-case 128-bit string the profiles use."""
    return str(uuid.to_hex_str("-")).lower() if len(uuid.uuid_bytes) == 16 else _expand_short(uuid)


def _expand_short(uuid: UUID) -> str:
    return f"{int.from_bytes(uuid.uuid_bytes, 'little'):08x}-0000-1000-8000-00805f9b34fb"


def advert_from(adv: Advertisement) -> Advert:
    name = adv.data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or adv.data.get(AdvertisingData.SHORTENED_LOCAL_NAME)
    services: list[str] = []
    for kind in _SERVICE_LISTS:
        listed = adv.data.get(kind)
        if isinstance(listed, list):
            services.extend(full_uuid(uuid) for uuid in listed if isinstance(uuid, UUID))
    text = name.decode(errors="replace") if isinstance(name, bytes) else str(name or "")
    return Advert(str(adv.address).removesuffix("/P"), text, adv.rssi, tuple(services))


class BumbleLink:
    """A GATT client connection made by Bumble."""

    def __init__(self, connection: Connection, peer: Peer) -> None:
        self._connection = connection
        self._peer = peer
        self._lost = asyncio.Event()
        connection.on(connection.EVENT_DISCONNECTION, lambda *_: self._lost.set())

    @property
    def connected(self) -> bool:
        return not self._lost.is_set()

    def _characteristic(self, characteristic: str) -> CharacteristicProxy[bytes] | int:
        key = split_characteristic(characteristic)
        if isinstance(key, int):
            return key
        found = self._peer.get_characteristics_by_uuid(UUID(key))
        if not found:
            raise BleError(f"the device has no characteristic {characteristic}")
        return found[0]

    async def subscribe(self, characteristic: str, on_value: Callable[[bytes], None]) -> None:
        proxy = self._characteristic(characteristic)
        if isinstance(proxy, int):
            raise BleError(f"cannot subscribe to a bare handle ({characteristic})")
        await self._peer.subscribe(proxy, lambda value: on_value(bytes(value)))

    async def read(self, characteristic: str) -> bytes:
        return bytes(await self._peer.read_value(self._characteristic(characteristic)))

    async def write(self, characteristic: str, data: bytes) -> None:
        await self._peer.write_value(self._characteristic(characteristic), data, with_response=True)

    async def wait_disconnected(self) -> None:
        await self._lost.wait()

    async def close(self) -> None:
        if self.connected:
            try:
                await self._connection.disconnect()
            except Exception:  # the link may already be gone; closing must not fail
                self._lost.set()


class BumbleCentral:
    """A central on a Bumble ``Device`` (already created, not yet powered on)."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self._powered = False
        self._lock = asyncio.Lock()

    async def _power_on(self) -> None:
        if not self._powered:
            await self.device.power_on()
            self._powered = True

    async def scan(self, duration_s: float) -> list[Advert]:
        async with self._lock:
            await self._power_on()
            heard: dict[str, Advert] = {}

            def on_advertisement(adv: Advertisement) -> None:
                advert = advert_from(adv)
                old = heard.get(advert.address)
                # A scan response may carry the name the advertisement lacked: keep what each one adds.
                heard[advert.address] = Advert(
                    advert.address,
                    advert.name or (old.name if old else ""),
                    advert.rssi,
                    advert.services or (old.services if old else ()),
                )

            self.device.on(self.device.EVENT_ADVERTISEMENT, on_advertisement)
            try:
                await self.device.start_scanning(filter_duplicates=False)
                await asyncio.sleep(duration_s)
                await self.device.stop_scanning()
            finally:
                self.device.remove_listener(self.device.EVENT_ADVERTISEMENT, on_advertisement)
            return sorted(heard.values(), key=lambda a: (-(a.rssi if a.rssi is not None else -999), a.address))

    async def connect(self, address: str, timeout_s: float = 10.0) -> BumbleLink:
        await self._power_on()
        try:
            connection = await self._connect_within(address, timeout_s)
            peer = Peer(connection)
            await asyncio.wait_for(self._discover(peer), timeout_s)
        except TimeoutError:
            raise BleError(f"no answer from {address} within {timeout_s:g} s") from None
        except BleError:
            raise
        except Exception as exc:  # Bumble raises many kinds; name the device and the cause
            raise BleError(f"could not connect to {address}: {exc}") from exc
        return BumbleLink(connection, peer)

    @staticmethod
    async def _discover(peer: Peer) -> None:
        await peer.discover_services()
        await peer.discover_characteristics()

    async def _connect_within(self, address: str, timeout_s: float) -> Connection:
        # Waiting on the cancellation of a connection attempt can hang when no controller answers it, so the
        # attempt is cancelled without waiting for it to unwind.
        attempt = asyncio.ensure_future(self.device.connect(Address(address)))
        done, _ = await asyncio.wait([attempt], timeout=timeout_s)
        if attempt in done:
            return attempt.result()
        attempt.cancel()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(self.device.cancel_connection(Address(address)), 1.0)
        raise TimeoutError

    async def close(self) -> None:
        if self._powered:
            await self.device.power_off()
            self._powered = False


def local_device(link: LocalLink, address: str, name: str = "pelvicore") -> Device:
    """A Bumble device on a virtual controller attached to ``link`` (``device.controller`` is that controller)."""
    controller = Controller(name, link=link, public_address=address)
    device = Device(name=name, address=Address(address), host=Host(controller, AsyncPipeSink(controller)))
    device.controller = controller  # type: ignore[attr-defined]
    return device


async def open_hci_central(transport: str) -> tuple[BumbleCentral, Any]:
    """A central on a real controller reached through a Bumble transport name (``usb:0``, ``serial:...``).

    Returns the central and the transport, which the caller closes after the central.
    """
    from bumble.transport import open_transport

    try:
        hci = await open_transport(transport)
    except Exception as exc:  # name the transport and the cause in one line
        raise BleError(f"cannot open Bluetooth transport {transport!r}: {exc}") from exc
    device = Device.with_hci("pelvicore", Address("F0:F1:F2:F3:F4:F5"), hci.source, hci.sink)
    return BumbleCentral(device), hci
