"""The session runner on a real store: honest end states, and cues stored at the times they were given."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pelvicore.devices.ble.stream import SensorStatus
from pelvicore.devices.frames_source import RecordingSource
from pelvicore.sessions import LiveSession, LocalFanout
from pelvicore.sessions.assessment_report import assess_session
from pelvicore.sessions.recorder import Recorder
from pelvicore.signal.frames import Frame
from pelvicore.simulation import simulate
from pelvicore.store import SessionStore, make_engine, migrate
from pelvicore.training.routines import get_protocol


class ScriptedSource(RecordingSource):
    """A simulated person's recording as a trainer would stream it, with a dropout of ``gap_s`` seconds at
    ``drop_at_s`` (the person pauses with the cues, so her signal resumes where it left off), or an error."""

    def __init__(
        self, routine: str, *, drop_at_s: float | None = None, gap_s: float = 0.0, fail_at_s: float | None = None
    ) -> None:
        super().__init__(simulate("healthy", routine, seed=2).recording, name="scripted", speed=0)
        self.drop_at_s, self.gap_s, self.fail_at_s = drop_at_s, gap_s, fail_at_s
        self.on_status: Callable[[SensorStatus], None] | None = None  # it reports its status (ReportsStatus)
        self.device_name: str | None = None

    async def _frames(self) -> AsyncIterator[Frame]:
        skipped = 0
        async for frame in super()._frames():
            if self.fail_at_s is not None and frame.t0_s >= self.fail_at_s:
                raise RuntimeError("the sensor sent garbage")
            if self.drop_at_s is not None and not skipped and frame.t0_s >= self.drop_at_s:
                assert self.on_status is not None
                self.on_status(SensorStatus.disconnected(frame.index))
                skipped = round(self.gap_s * frame.fs_hz)
            yield replace(frame, index=frame.index + skipped)


def run(store: SessionStore, source: ScriptedSource, routine: str) -> tuple[str, list[dict[str, object]]]:
    async def scenario() -> tuple[str, list[dict[str, object]]]:
        fanout = LocalFanout()
        session_id = store.create_session(
            store.ensure_user(), source="device", profile="perifit", routine=routine, speed=1.0,
            fs_hz=source.info.fs_hz, units=source.info.units,
        )  # fmt: skip
        fanout.open(session_id)
        live = LiveSession(session_id, store, source, get_protocol(routine), fanout=fanout, recorder=Recorder(store))  # type: ignore[arg-type]
        listener = asyncio.create_task(_collect(fanout, session_id))
        await asyncio.sleep(0)
        live.start()
        assert live.task is not None
        await live.task
        return session_id, await listener

    return asyncio.run(scenario())


async def _collect(fanout: LocalFanout, session_id: str) -> list[dict[str, object]]:
    return [json.loads(text) async for text in fanout.subscribe(session_id)]


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    return SessionStore(engine)


def test_a_runner_error_ends_the_session_failed_with_its_reason(store: SessionStore) -> None:
    session_id, messages = run(store, ScriptedSource("quick-check", fail_at_s=12.0), "quick-check")
    record = store.get(session_id, owner=store.ensure_user())
    assert record is not None and record.status == "failed"
    assert record.end_reason == "RuntimeError: the sensor sent garbage"
    _, _, index = store.load_trace(session_id, owner=record.user_id)
    assert index.size == 12 * 50  # every sample before the error was kept
    assert messages[-1]["type"] == "end" and messages[-1]["status"] == "failed"
    assert messages[-1]["reason"] == "RuntimeError: the sensor sent garbage"


def test_a_dropout_in_a_glazer_session_moves_the_cues_and_the_report_follows_them(store: SessionStore) -> None:
    gap_s, drop_at_s = 5.0, 100.0
    session_id, messages = run(store, ScriptedSource("glazer", drop_at_s=drop_at_s, gap_s=gap_s), "glazer")
    record = store.get(session_id, owner=store.ensure_user())
    assert record is not None and record.status == "completed"
    planned = [t for t, _ in get_protocol("glazer").cue_times()]
    given = [c["t_s"] for c in record.cues]
    assert len(given) == len(planned)
    for t_plan, t_given in zip(planned, given, strict=True):
        assert t_given == pytest.approx(t_plan + (gap_s if t_plan > drop_at_s else 0.0), abs=0.05)
    streamed = [m["t_s"] for m in messages if m["type"] == "cue"]
    assert streamed == given  # what the page showed is what was stored
    report = assess_session(store, record, "glazer")
    starts = [p["start_s"] for p in report.phases]
    assert starts == pytest.approx(given, abs=0.001)  # the report's windows are the cues she was given
    assert report.result is not None, report.error
    # The stored trace keeps the gap: the samples never received are not made up.
    _, _, index = store.load_trace(session_id, owner=record.user_id)
    assert np.diff(index).max() == round(gap_s * 50) + 1
    # What went wrong is stored as what it is: the sensor's news, and the signal's problem naming which.
    events = store.get_events(session_id, owner=record.user_id)
    assert [e["state"] for e in events if e["kind"] == "sensor"] == ["disconnected"]
    dropouts = [e for e in events if e["kind"] == "problem" and e["problem"] == "dropout"]
    # The 5 s gap, and the simulated person's own short ones (her sensor slipping).
    assert {"t_s": drop_at_s, "text": "5.00 s of samples lost"} in [
        {"t_s": e["t_s"], "text": e["text"]} for e in dropouts
    ]
    warnings = [(m["t_s"], m["text"]) for m in messages if m["type"] == "warning" and m["kind"] == "dropout"]
    assert warnings == [(e["t_s"], e["text"]) for e in dropouts]
