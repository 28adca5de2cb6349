"""End to end over a real BLE stack: Bumble virtual controllers, a virtual trainer per profile, pelvicore's
central, GATT discovery, notifications or polling, a forced disconnection and the reconnection."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import numpy as np
import pytest
from bumble.link import LocalLink

from pelvicore.devices.ble.bumble_central import BumbleCentral, local_device
from pelvicore.devices.ble.central import BleError
from pelvicore.devices.ble.payloads import ENCODERS, PA_PER_CMH2O
from pelvicore.devices.ble.sensor import SensorSource
from pelvicore.devices.ble.stream import SensorStatus
from pelvicore.devices.ble.virtual import VirtualTrainer, start_virtual_trainers
from pelvicore.devices.profiles import PROFILES, identify
from pelvicore.signal.frames import Frame
from pelvicore.signal.pipeline import Pipeline
from pelvicore.training.protocols import PROTOCOLS

T = TypeVar("T")
RATE = {"elvie": 20.0, "kgoal": 20.0}


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 30))


def expected_floor(profile: str, floor_cmh2o: float) -> float:
    """What pelvicore should report for a floor pressure the trainer measured, in the stream's unit."""
    if profile in ENCODERS:
        return PROFILES[profile].decode(ENCODERS[profile](floor_cmh2o, 0.0))["floor"][0]
    if profile == "open":
        return round(floor_cmh2o * PA_PER_CMH2O) * 10.1972 / 1000
    return floor_cmh2o  # femfit: absolute, but the same cmH2O steps


async def stream_with_drop(profile: str, away_s: float) -> tuple[VirtualTrainer, list[Frame], list[SensorStatus]]:
    link = LocalLink()
    pressure = np.column_stack([20 + 10 * np.sin(np.arange(3000) / 7.0), np.full(3000, 18.0)])
    trainer = VirtualTrainer(profile, link, "C0:FF:EE:00:00:01", pressure=pressure, fs_hz=RATE.get(profile, 50.0))
    await trainer.start()
    central = BumbleCentral(local_device(link, "F0:F0:F0:F0:F0:F0"))
    statuses: list[SensorStatus] = []
    source = SensorSource(
        central,
        trainer.address,
        PROFILES[profile],
        fs_hz=trainer.fs_hz,
        backoff_s=(0.1, 0.4),
        on_status=statuses.append,
    )
    frames: list[Frame] = []
    async with source:

        async def drop_later() -> None:
            await asyncio.sleep(0.8)
            await trainer.drop(away_s)
            while not any(s.kind == "reconnected" for s in statuses):
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.8)
            source.stop()

        dropper = asyncio.create_task(drop_later())
        async for frame in source:
            frames.append(frame)
        await dropper
    await trainer.stop()
    return trainer, frames, statuses


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_profile_streams_survives_a_disconnection_and_loses_nothing(profile: str) -> None:
    trainer, frames, statuses = run(stream_with_drop(profile, away_s=0.7))
    kinds = [s.kind for s in statuses]
    assert kinds.count("disconnected") == 1 and kinds.count("reconnected") == 1, kinds
    assert kinds.index("connected") < kinds.index("disconnected") < kinds.index("reconnected")
    # Everything the trainer sent while connected arrives in order, nothing is invented; at most the few
    # samples in the air at the moment of the drop are missing.
    before = sum(f.n_samples for f in frames if f.index < next(s.index for s in statuses if s.kind == "disconnected"))
    received = np.concatenate([f.channels["floor"] for f in frames])
    want = np.array([expected_floor(profile, floor) for floor, _ in trainer.sent])
    assert before > 0.5 * trainer.fs_hz and received.size - before > 0.5 * trainer.fs_hz
    tol = 0.02 if profile == "femfit" else 0.01
    offset = received[0] - want[0] if profile == "femfit" else 0.0  # femfit reads absolute pressure
    np.testing.assert_allclose(received[:before] - offset, want[:before], rtol=0, atol=tol)
    in_air = next(
        m
        for m in range(4)
        if np.allclose(received[before:] - offset, want[before + m : before + m + received.size - before], atol=tol)
    )
    assert want.size - (received.size + in_air) <= 3  # the last notifications may still be on their way
    # The time away shows as a gap in the sample index where the disconnection happened.
    gaps = [
        (a.index + a.n_samples, b.index - (a.index + a.n_samples))
        for a, b in itertools.pairwise(frames)
        if b.index != a.index + a.n_samples
    ]
    assert len(gaps) == 1, gaps
    at, missing = gaps[0]
    lost_at = next(s.index for s in statuses if s.kind == "disconnected")
    assert at == lost_at
    assert missing >= 0.5 * trainer.fs_hz, missing  # away 0.7 s plus the reconnection
    assert all(np.all(np.diff(f.times_s()) > 0) for f in frames)


def test_a_virtual_elvie_quick_check_counts_her_squeezes_not_its_one_count_steps() -> None:
    """The Elvie sends one byte, about 4 cmH2O a count: its one-count flicker at rest is no contraction."""
    quick_check = PROTOCOLS["quick-check"]
    squeezes = sum(step.action == "squeeze" for step in quick_check.steps)
    seconds = sum(step.duration_s for step in quick_check.steps)
    speed = 10.0

    async def quick_check_over_ble() -> tuple[int, int]:
        link = LocalLink()
        trainer = VirtualTrainer("elvie", link, "C0:FF:EE:00:00:04", speed=speed)  # a healthy person's quick check
        await trainer.start()
        source = SensorSource(
            BumbleCentral(local_device(link, "F0:F0:F0:F0:F0:F0")), trainer.address, PROFILES["elvie"], time_scale=speed
        )
        pipeline = Pipeline(source.fs_hz, PROFILES["elvie"].units)
        distinct: set[float] = set()
        async with source:
            async for frame in source:
                pipeline.feed(frame)
                distinct.update(frame.channels["floor"])
                if frame.index + frame.n_samples >= seconds * source.fs_hz:
                    source.stop()
        pipeline.finish()
        await trainer.stop()
        return len(pipeline.contractions), len(distinct)

    found, levels = run(quick_check_over_ble())
    assert levels < 40  # whole counts: the stream really is this coarse
    assert abs(found - squeezes) <= 1, (found, squeezes)


def test_scan_finds_every_virtual_trainer_and_names_its_profile() -> None:
    async def scan() -> list[tuple[str, str | None, int | None]]:
        link = LocalLink()
        trainers = await start_virtual_trainers(link)
        central = BumbleCentral(local_device(link, "F0:F0:F0:F0:F0:F0"))
        adverts = await central.scan(0.3)
        for t in trainers:
            await t.stop()
        found = []
        for a in adverts:
            p = identify(a.name, a.services)
            found.append((a.address, p.name if p else None, a.rssi))
        return found

    found = run(scan())
    assert sorted(p for _, p, _ in found if p) == sorted(PROFILES)
    assert all(rssi is not None and -127 <= rssi <= 20 for _, _, rssi in found)


@pytest.mark.parametrize("profile", ["magic-motion", "kgoal"])
def test_squeeze_cue_vibrates_devices_with_motors(profile: str) -> None:
    async def cue() -> list[tuple[str, bytes]]:
        link = LocalLink()
        trainer = VirtualTrainer(profile, link, "C0:FF:EE:00:00:09")
        await trainer.start()
        source = SensorSource(
            BumbleCentral(local_device(link, "F0:F0:F0:F0:F0:F0")), trainer.address, PROFILES[profile]
        )
        async with source:
            assert source.can_vibrate
            assert await source.vibrate(True)
            assert await source.vibrate(False)
        await trainer.stop()
        return trainer.writes

    writes = run(cue())
    assert len(writes) == 2
    if profile == "magic-motion":
        assert writes[0][1] == bytes([0x04, 0x08, 60, 0x64, 0x00]) and writes[1][1][2] == 0
    else:
        assert writes[0][1][:5] == bytes([0x00, 0x01, 0x07, 0x00, 0x1B]) and writes[1][1][4] == 0


def test_open_probe_zeroes_on_the_calibrate_command() -> None:
    async def calibrate() -> list[tuple[str, bytes]]:
        link = LocalLink()
        trainer = VirtualTrainer("open", link, "C0:FF:EE:00:00:0A")
        await trainer.start()
        source = SensorSource(BumbleCentral(local_device(link, "F0:F0:F0:F0:F0:F0")), trainer.address, PROFILES["open"])
        async with source:
            assert await source.calibrate_zero()
            assert not source.can_vibrate and not await source.vibrate()
        await trainer.stop()
        return trainer.writes

    assert run(calibrate()) == [("7a1c0004-5d2e-4f3a-9c1b-70656c766963", b"\x01")]


def test_a_sensor_that_never_comes_back_ends_the_stream_with_a_clear_error() -> None:
    async def abandoned() -> tuple[int, list[str]]:
        link = LocalLink()
        trainer = VirtualTrainer("perifit", link, "C0:FF:EE:00:00:0B")
        await trainer.start()
        statuses: list[SensorStatus] = []
        central = BumbleCentral(local_device(link, "F0:F0:F0:F0:F0:F0"))
        source = SensorSource(
            central,
            trainer.address,
            PROFILES["perifit"],
            backoff_s=(0.1, 0.2),
            give_up_s=0.6,
            connect_timeout_s=0.3,
            on_status=statuses.append,
        )
        received = 0
        with pytest.raises(BleError, match=r"no answer|could not connect"):
            async with source:
                t0 = time.monotonic()
                async for frame in source:
                    received += frame.n_samples
                    if time.monotonic() - t0 > 0.5 and trainer.connected:
                        await trainer.stop()
        return received, [s.kind for s in statuses]

    received, kinds = run(abandoned())
    assert received > 10
    assert kinds[-1] == "unreachable" and "disconnected" in kinds


def test_connecting_to_nobody_fails_in_one_clear_line() -> None:
    async def nobody() -> None:
        central = BumbleCentral(local_device(LocalLink(), "F0:F0:F0:F0:F0:F0"))
        source = SensorSource(
            central, "C0:FF:EE:00:00:77", PROFILES["perifit"], connect_timeout_s=0.2, backoff_s=(0.05, 0.1)
        )
        await source.connect(attempts=2)

    with pytest.raises(BleError, match="C0:FF:EE:00:00:77"):
        run(nobody())
