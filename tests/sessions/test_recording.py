"""A source recorded to a file through the session engine: gaps held and marked, cues and sensor news kept,
and what arrived is saved when the recording is cut short."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import numpy as np
import pytest

from pelvicore.devices.ble.stream import SensorStatus
from pelvicore.devices.frames_source import RecordingSource
from pelvicore.recordings.model import Recording
from pelvicore.sessions.recording import record_source
from pelvicore.signal.frames import Frame
from pelvicore.training.protocols import FREE
from pelvicore.training.routines import get_protocol

FS = 50.0


class Trainer(RecordingSource):
    """A ramp streamed as a trainer would: it drops out for 1 s at 2 s and says so."""

    def __init__(self, seconds: float = 4.0, speed: float = 0.0) -> None:
        x = np.arange(round(seconds * FS), dtype=float)
        super().__init__(Recording(FS, {"floor": x}, {"floor": "cmH2O"}), name="trainer", speed=speed)
        self.on_status: Callable[[SensorStatus], None] | None = None
        self.device_name: str | None = None

    async def _frames(self) -> AsyncIterator[Frame]:
        told = False
        async for frame in super()._frames():
            if 2.0 * FS <= frame.index < 3.0 * FS:
                if not told and self.on_status is not None:
                    self.on_status(SensorStatus.disconnected(frame.index))
                    told = True
                continue
            yield frame


def record(source: RecordingSource, routine_name: str | None = None, **options: object) -> Recording | None:
    saved: list[Recording | None] = []
    routine = FREE if routine_name is None else get_protocol(routine_name)
    asyncio.run(record_source(source, routine, saved.append, **options))  # type: ignore[arg-type]
    assert len(saved) == 1
    return saved[0]


def test_a_gap_is_held_and_marked_and_the_sensor_news_kept() -> None:
    rec = record(Trainer())
    assert rec is not None and rec.fs_hz == FS and rec.n_samples == 200
    x = rec.signals["floor"]
    assert x[:100].tolist() == list(range(100)) and x[150:].tolist() == list(range(150, 200))
    assert set(x[100:150]) == {99.0}  # held at the last value across the gap
    notes = {a.text: (a.onset_s, a.duration_s) for a in rec.annotations}
    assert notes["dropout"] == (2.0, 1.0)
    assert notes["sensor disconnected"][0] == pytest.approx(2.0)


def test_the_cues_it_gave_are_in_the_file() -> None:
    from pelvicore.devices.simulator import SimulatorSource

    rec = record(SimulatorSource("healthy", get_protocol("quick-check"), seed=1, speed=0), "quick-check")
    assert rec is not None
    cues = [(a.onset_s, a.duration_s, a.text) for a in rec.annotations if a.text.startswith("cue ")]
    expected = [
        (t, step.duration_s, f"cue {step.action} {step.kind}") for t, step in get_protocol("quick-check").cue_times()
    ]
    assert [c[2] for c in cues] == [e[2] for e in expected]
    assert [c[1] for c in cues] == [e[1] for e in expected]
    assert [c[0] for c in cues] == pytest.approx([e[0] for e in expected], abs=0.05)


def test_stopping_after_some_seconds_keeps_what_arrived() -> None:
    rec = record(Trainer(seconds=60.0, speed=1.0), seconds=0.5)
    assert rec is not None and 0.1 <= rec.duration_s <= 2.0  # stopped about half a second in
    assert rec.signals["floor"].tolist() == list(range(rec.n_samples))


def test_a_cancelled_recording_is_still_saved() -> None:
    saved: list[Recording | None] = []

    async def scenario() -> None:
        task = asyncio.create_task(record_source(Trainer(seconds=60.0, speed=1.0), FREE, saved.append))
        await asyncio.sleep(1.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    # What arrived before Ctrl-C (how much depends on the machine's load), every sample of it, in order.
    assert len(saved) == 1 and saved[0] is not None and saved[0].n_samples >= 1
    assert saved[0].signals["floor"].tolist() == list(range(saved[0].n_samples))


def test_cues_are_timed_from_the_first_sample_and_one_under_way_is_cut_to_it() -> None:
    from pelvicore.sessions.recording import cue_annotations

    cues = [
        {"t_s": 0.0, "duration_s": 5.0, "action": "rest", "step": "rest"},  # over before the first sample
        {"t_s": 5.0, "duration_s": 10.0, "action": "squeeze", "step": "hold"},  # under way at 8 s
        {"t_s": 15.0, "duration_s": 10.0, "action": "rest", "step": "rest"},
    ]
    assert [(a.onset_s, a.duration_s, a.text) for a in cue_annotations(cues, 8.0)] == [
        (0.0, 7.0, "cue squeeze hold"),
        (7.0, 10.0, "cue rest rest"),
    ]
