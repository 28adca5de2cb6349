"""The recorder: every session's frames and events in one write per tick, nothing lost when a write fails."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np
import pytest

from pelvicore.sessions.recorder import Recorder
from pelvicore.signal.frames import Frame
from pelvicore.store import SessionStore, StoreError
from pelvicore.store.writes import SessionRows

UNITS = {"floor": "cmH2O", "abdomen": "cmH2O"}


def _frame(index: int, n: int) -> Frame:
    values = np.arange(index, index + n, dtype=float)
    return Frame(index, 50.0, {"floor": values, "abdomen": values / 10}, UNITS)


def _session(store: SessionStore) -> str:
    return store.create_session(
        store.ensure_user(), source="simulator", profile="healthy", routine="daily", speed=1.0, fs_hz=50.0, units=UNITS
    )


class FailingOnce(SessionStore):
    """A store whose next batch write fails (the database went away for a moment)."""

    fail = True
    batches = 0

    def append_batch(self, batch: Sequence[SessionRows], *, worker: str | None = None) -> dict[str, StoreError]:
        self.batches += 1
        if self.fail:
            self.fail = False
            raise StoreError("database is locked")
        return super().append_batch(batch, worker=worker)


def test_every_session_is_written_in_one_batch_with_unbroken_runs_as_chunks(store: SessionStore) -> None:
    a, b = _session(store), _session(store)

    async def scenario() -> None:
        recorder = Recorder(store, flush_s=60.0)
        for index in (0, 2, 5, 7):  # a: two frames, a gap (5 lost samples), two frames
            recorder.add_frame(a, _frame(index if index < 5 else index + 5, 2 if index % 5 == 0 else 3))
        recorder.add_frame(b, _frame(0, 2))
        recorder.add_event(a, {"type": "cue", "kind": "cue", "t_s": 0.0, "action": "rest", "text": "Relax"})
        await recorder.flush()
        await recorder.close()

    asyncio.run(scenario())
    _, channels, index = store.load_trace(a, owner=store.ensure_user())
    assert index.tolist() == [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]
    assert channels["floor"].tolist() == index.astype(float).tolist()
    assert channels["abdomen"].tolist() == pytest.approx((index / 10).tolist())
    assert [e["kind"] for e in store.get_events(a, owner=store.ensure_user())] == ["cue"]
    assert store.load_trace(b, owner=store.ensure_user())[2].tolist() == [0, 1]


def test_a_failed_write_keeps_its_rows_for_the_next_one(engine: object) -> None:
    store = FailingOnce(engine)  # type: ignore[arg-type]
    session = _session(store)

    async def scenario() -> None:
        recorder = Recorder(store, flush_s=60.0)
        recorder.add_frame(session, _frame(0, 2))
        with pytest.raises(StoreError, match="locked"):
            await recorder.flush()
        recorder.add_frame(session, _frame(2, 3))  # more arrives meanwhile
        await recorder.flush()
        await recorder.close()

    asyncio.run(scenario())
    assert store.batches == 2
    # Nothing lost, nothing twice, in order.
    assert store.load_trace(session, owner=store.ensure_user())[2].tolist() == [0, 1, 2, 3, 4]


def test_a_session_that_cannot_take_its_rows_is_told_and_the_others_are_written(store: SessionStore) -> None:
    ended, going = _session(store), _session(store)
    store.finish(ended, "completed", None)

    async def scenario() -> None:
        recorder = Recorder(store, flush_s=60.0)
        recorder.add_frame(ended, _frame(0, 2))
        recorder.add_frame(going, _frame(0, 2))
        await recorder.flush()
        with pytest.raises(StoreError, match="not running"):
            await recorder.flush(ended)
        await recorder.close()

    asyncio.run(scenario())
    assert store.load_trace(going, owner=store.ensure_user())[2].tolist() == [0, 1]
    assert store.load_trace(ended, owner=store.ensure_user())[2].size == 0
