"""Virtual trainers: Bumble peripherals that expose a profile's GATT services and serve its payloads.

Each one advertises like the real device (name, service UUIDs), streams notifications or answers reads with
bytes made from a pressure signal (a simulated person, by default), counts what it sent, records what was
written to it (vibration, calibration), and can drop its connection on command. The test suite connects
pelvicore to them through a virtual controller; ``pelvicore serve --ble virtual`` offers them as demo sensors.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from bumble import gatt
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device
from bumble.link import LocalLink

from pelvicore.devices.ble.bumble_central import local_device
from pelvicore.devices.ble.payloads import ENCODERS, femfit_payloads, open_payload
from pelvicore.devices.profiles import PROFILES, femfit
from pelvicore.devices.profiles import open as open_profile
from pelvicore.devices.profiles.base import uuid16
from pelvicore.devices.profiles.kgoal import MOTOR_HANDLE, VALUE_HANDLE
from pelvicore.devices.profiles.magic_motion import VIBRATION_CHARACTERISTIC

READ, NOTIFY, WRITE = (
    gatt.Characteristic.Properties.READ,
    gatt.Characteristic.Properties.NOTIFY,
    gatt.Characteristic.Properties.WRITE,
)
READABLE, WRITEABLE = gatt.Characteristic.READABLE, gatt.Characteristic.WRITEABLE
#: A trainer left unconnected this long starts its simulated session afresh on the next connection, from the
#: moment the app starts listening (notifications switched on, or its first read), as she starts when the app
#: tells her to: a slow connection or discovery (a busy machine, a fast playback) must not cut off her start.
IDLE_RESTART_S = 5.0
SIG_BASE = "-0000-1000-8000-00805f9b34fb"
FEMFIT_HOUSEKEEPING = (femfit.HOUSEKEEPING_SERVICE, femfit.HOUSEKEEPING_CHARACTERISTIC)
#: Advertised names of virtual trainers (the Elvie's real name is unknown; a descriptive one stands in).
NAMES = {
    "perifit": "Perifit_o)",
    "kgoal": "kGoal",
    "kgoal-boost": "Boost",
    "elvie": "Elvie Trainer",
    "magic-motion": "Magic Kegel Master",
    "femfit": "femfit",
    "open": "pelvicore-probe",
}


def simulated_pressure(person: str = "healthy", routine: str = "quick-check", seed: int = 0) -> np.ndarray:
    """(floor, abdomen) cmH2O pairs of a simulated session at 50 Hz, dropouts included (a sensor does not
    know about them; the data just is not there)."""
    from pelvicore.devices.simulator import simulate
    from pelvicore.training.protocols import PROTOCOLS

    rec = simulate(person, PROTOCOLS[routine], seed=seed, fs_hz=50.0).recording
    return np.column_stack([rec.signals["floor"], rec.signals["abdomen"]])


@dataclass(eq=False)
class VirtualTrainer:
    """One virtual trainer of ``profile`` on ``link`` at ``address``.

    ``pressure`` holds (floor, abdomen) cmH2O rows played at ``fs_hz`` x ``speed`` and looped; by default
    a simulated healthy person doing the quick check.
    """

    profile: str
    link: LocalLink
    address: str
    pressure: np.ndarray | None = None
    fs_hz: float = 50.0
    speed: float = 1.0
    battery: int = 76
    #: (characteristic, bytes) of every write received, oldest first.
    writes: list[tuple[str, bytes]] = field(default_factory=list)
    #: Samples sent while someone was connected (notified, or read by a poll).
    sent: list[tuple[float, float]] = field(default_factory=list)
    #: Rows of ``pressure`` played so far, connected or not.
    played: int = 0

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}")
        if self.pressure is None:
            self.pressure = simulated_pressure()
        self.name = NAMES[self.profile]
        self.device: Device = local_device(self.link, self.address, self.name)
        self._controller = self.device.controller  # type: ignore[attr-defined]
        self._current = (0.0, 0.0)
        self._counter = 0
        self._task: asyncio.Task[None] | None = None
        # Armed by a connection after a long idle time: the session plays from its start once the app listens.
        self._restart = False
        self._read_since_connected = False
        self._last_connected = -1e9
        self.device.on(self.device.EVENT_CONNECTION, self._on_connection)
        self._notify: list[gatt.Characteristic] = []
        self._value: gatt.Characteristic | None = None
        self._build()

    # -- GATT database ------------------------------------------------------------------------------
    def _build(self) -> None:
        spec = PROFILES[self.profile]
        if self.profile == "kgoal":
            self._build_kgoal()
        else:
            chars = []
            for uuid in spec.characteristics:
                if spec.mode == "notify":
                    c = gatt.Characteristic(uuid, READ | NOTIFY, READABLE, bytes(4))
                    self._notify.append(c)
                else:
                    c = gatt.Characteristic(uuid, READ, READABLE, gatt.CharacteristicValue(read=self._read_current))
                    self._value = c
                chars.append(c)
            if self.profile == "open":
                info = (round(self.fs_hz * self.speed)).to_bytes(2, "little") + bytes([2, 1])
                chars.append(gatt.Characteristic(open_profile.INFO, READ, READABLE, info))
                chars.append(self._write_sink(open_profile.CONTROL))
            if self.profile == "magic-motion":
                chars.append(self._write_sink(VIBRATION_CHARACTERISTIC))
            self.device.add_service(gatt.Service(spec.services[-1], chars))
        if self.profile == "femfit":
            hk = FEMFIT_HOUSEKEEPING
            # battery = (b4 << 8 | b5) x 1.2 / 1024 / 220000 x 1220000 / 6.1, clamped to 0-1 (facts: femfit)
            counts = round(self.battery / 100 * 6.1 / 1_220_000 * 220_000 * 1024 / 1.2)
            value = bytes(4) + counts.to_bytes(2, "big")
            self.device.add_service(gatt.Service(hk[0], [gatt.Characteristic(hk[1], READ, READABLE, value)]))
        if spec.battery_characteristic:
            level = gatt.Characteristic(spec.battery_characteristic, READ, READABLE, bytes([self.battery]))
            self.device.add_service(gatt.Service(uuid16(0x180F), [level]))

    def _build_kgoal(self) -> None:
        # The original kGoal is read by attribute handle (0x2a) and driven by writes to handle 0x41: lay the
        # database out so those handles hold the value and the motor.
        server = self.device.gatt_server
        filler = itertools.count(0xFF00)

        def pad_to(handle: int) -> None:
            while server.next_handle() < handle:
                self.device.add_service(gatt.Service(UUID.from_16_bits(next(filler)), []))

        self._value = gatt.Characteristic(
            "5bb8a9b0-0000-4000-8000-6b476f616c00", READ, READABLE, gatt.CharacteristicValue(read=self._read_current)
        )
        pad_to(VALUE_HANDLE - 2)
        self.device.add_service(gatt.Service("5bb8a9b0-0001-4000-8000-6b476f616c00", [self._value]))
        motor = self._write_sink("5bb8a9b0-0002-4000-8000-6b476f616c00")
        pad_to(MOTOR_HANDLE - 2)
        self.device.add_service(gatt.Service("5bb8a9b0-0003-4000-8000-6b476f616c00", [motor]))
        assert self._value.handle == VALUE_HANDLE and motor.handle == MOTOR_HANDLE

    def _write_sink(self, uuid: str) -> gatt.Characteristic:
        def on_write(connection: Connection, value: bytes) -> None:
            self.writes.append((uuid, bytes(value)))

        return gatt.Characteristic(uuid, WRITE, WRITEABLE, gatt.CharacteristicValue(write=on_write))

    def _read_current(self, connection: Connection) -> bytes:
        self._read_since_connected = True
        self.sent.append(self._current)
        return ENCODERS[self.profile](*self._current)

    # -- life cycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Power on, advertise (again after every disconnection) and start playing the pressure."""
        await self.device.power_on()
        spec = PROFILES[self.profile]
        fields: list[tuple[int, bytes]] = [(AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode())]
        if spec.services:
            service = spec.services[-1]
            if service.endswith(SIG_BASE) and service.startswith("0000"):
                short = bytes.fromhex(service[4:8])[::-1]
                fields.append((AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS, short))
            else:
                fields.append((AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, bytes(UUID(service))))
        self.device.advertising_data = bytes(AdvertisingData(fields))
        await self.device.start_advertising(auto_restart=True, advertising_interval_min=20)
        self._task = asyncio.create_task(self._play(), name=f"virtual-{self.profile}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.drop()
        with contextlib.suppress(Exception):
            await self.device.power_off()
        # Switched off: gone from the air, not just silent.
        with contextlib.suppress(KeyError):
            self.link.remove_controller(self._controller)

    async def drop(self, away_s: float = 0.0) -> None:
        """Disconnect every central; with ``away_s``, also stop advertising that long (out of range)."""
        for connection in list(self.device.connections.values()):
            with contextlib.suppress(Exception):
                await connection.disconnect()
        if away_s > 0:
            await asyncio.sleep(0.01)  # let the automatic restart of advertising happen, then undo it
            with contextlib.suppress(Exception):
                await self.device.stop_advertising()
            asyncio.get_running_loop().call_later(away_s, lambda: asyncio.ensure_future(self._come_back()))

    async def _come_back(self) -> None:
        with contextlib.suppress(Exception):
            await self.device.start_advertising(auto_restart=True, advertising_interval_min=20)

    @property
    def connected(self) -> bool:
        return bool(self.device.connections)

    def _on_connection(self, connection: Connection) -> None:
        now = asyncio.get_running_loop().time()
        if now - self._last_connected > IDLE_RESTART_S:
            self._restart = True
            self._read_since_connected = False
            self._current = next(self._rows())  # a first read already gives the start of her session
        self._last_connected = now
        connection.on(connection.EVENT_DISCONNECTION, lambda *_: self._note_disconnection())

    def _note_disconnection(self) -> None:
        self._last_connected = asyncio.get_running_loop().time()

    # -- streaming ----------------------------------------------------------------------------------
    def _rows(self) -> Iterator[tuple[float, float]]:
        assert self.pressure is not None
        while True:
            for floor, abdomen in self.pressure:
                yield float(floor), float(abdomen)

    async def _play(self) -> None:
        spec = PROFILES[self.profile]
        per_batch = 3 if self.profile == "femfit" else (2 if self.profile == "open" else 1)
        period = per_batch / (self.fs_hz * self.speed)
        loop = asyncio.get_running_loop()
        t_next = loop.time()
        rows = self._rows()
        while True:
            if self._restart and self._listened(spec.mode):
                rows, self._restart = self._rows(), False
            batch = [next(rows) for _ in range(per_batch)]
            self.played += per_batch
            if spec.mode == "notify":
                if self.connected and self._subscribed():
                    await self._send(batch)
            else:
                self._current = batch[-1]
            t_next += period
            await asyncio.sleep(max(0.0, t_next - loop.time()))

    def _listened(self, mode: str) -> bool:
        """The connected app listens: it switched notifications on, or (a polled trainer) read a value."""
        return self.connected and (self._subscribed() if mode == "notify" else self._read_since_connected)

    def _subscribed(self) -> bool:
        """Someone has switched on notifications of every data characteristic."""
        on = {h for cccds in self.device.gatt_server.subscribers.values() for h, c in cccds.items() if any(c)}
        return bool(on) and all(c.handle in on for c in self._notify)

    async def _send(self, batch: list[tuple[float, float]]) -> None:
        if self.profile == "femfit":
            payloads = femfit_payloads(batch)
        elif self.profile == "open":
            payloads = [open_payload(self._counter, batch)]
        else:
            payloads = [ENCODERS[self.profile](*batch[0])]
        self._counter += len(batch)
        try:
            for characteristic, payload in zip(self._notify, payloads, strict=False):
                await self.device.notify_subscribers(characteristic, payload)
        except Exception:  # a central that left mid-notification: the samples are simply lost
            return
        self.sent.extend(batch)


async def start_virtual_trainers(
    link: LocalLink, profiles: list[str] | None = None, *, speed: float = 1.0
) -> list[VirtualTrainer]:
    """One powered, advertising virtual trainer per profile (default: every profile) on ``link``."""
    trainers = []
    for i, name in enumerate(profiles or list(PROFILES)):
        trainer = VirtualTrainer(name, link, f"C0:FF:EE:00:00:{i + 1:02X}", speed=speed)
        await trainer.start()
        trainers.append(trainer)
    return trainers
