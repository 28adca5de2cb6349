"""``SessionReads``: a person's recent sessions with their contractions, samples per session, her latest session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import Engine, update

from pelvicore.store import SessionStore, StoreError
from pelvicore.store.models import LiveSession
from pelvicore.store.session_reads import SessionReads

NOW = datetime(2025, 3, 31, 12, tzinfo=UTC)


def new_session(store: SessionStore, engine: Engine, user: int, days_ago: int, routine: str = "daily") -> str:
    session_id = store.create_session(
        user, source="simulator", profile=None, routine=routine, speed=1.0, fs_hz=50.0,
        units={"floor": "cmH2O", "abdomen": "cmH2O"},
    )  # fmt: skip
    with engine.begin() as db:
        at = NOW - timedelta(days=days_ago)
        db.execute(update(LiveSession).where(LiveSession.id == session_id).values(created_at=at))
    return session_id


def test_since_reads_her_sessions_with_contractions_newest_first(store: SessionStore, engine: Engine) -> None:
    ann, bea = store.ensure_user("ann"), store.ensure_user("bea")
    old = new_session(store, engine, ann, 70)
    ids = [new_session(store, engine, ann, d) for d in (20, 10, 0)]
    theirs = new_session(store, engine, bea, 1)
    for n, session_id in enumerate([old, *ids, theirs]):
        store.append_events(
            session_id,
            [{"kind": "cue", "t_s": 0.0, "action": "squeeze"}]
            + [{"kind": "contraction", "t_s": float(i), "peak": 10.0 + i, "technique": "lift"} for i in range(n)],
        )
    reads = SessionReads(engine)
    got = reads.since(ann, NOW - timedelta(days=60))
    assert [r.id for r in got] == ids[::-1]
    assert [[c["peak"] for c in r.contractions] for r in got] == [[10.0, 11.0, 12.0], [10.0, 11.0], [10.0]]
    assert all(r.cues == [] for r in got)
    assert [r.id for r in reads.since(ann, NOW - timedelta(days=60), limit=1)] == ids[-1:]
    assert reads.since(store.ensure_user("cid"), NOW - timedelta(days=60)) == []
    with pytest.raises(StoreError, match="timezone-aware"):
        reads.since(ann, datetime(2025, 1, 1))


def test_samples_stored_per_session_of_hers_only(store: SessionStore, engine: Engine) -> None:
    ann, bea = store.ensure_user("ann"), store.ensure_user("bea")
    a, b, empty = (new_session(store, engine, ann, d) for d in (3, 2, 1))
    hers = new_session(store, engine, bea, 1)
    for session_id, n in ((a, 30), (b, 20), (hers, 10)):
        store.append_chunk(session_id, 0, {"floor": np.zeros(n), "abdomen": np.zeros(n)})
    store.append_chunk(a, 30, {"floor": np.zeros(5), "abdomen": np.zeros(5)})
    reads = SessionReads(engine)
    assert reads.samples_stored(ann, [a, b, empty, hers]) == {a: 35, b: 20}
    assert reads.samples_stored(ann, []) == {}


def test_latest_by_routine_status_and_time(store: SessionStore, engine: Engine) -> None:
    ann = store.ensure_user("ann")
    perfect = new_session(store, engine, ann, 40, "perfect")
    store.finish(perfect, "completed", {})
    stopped = new_session(store, engine, ann, 5, "perfect")
    store.finish(stopped, "stopped", {})
    daily = new_session(store, engine, ann, 1)
    reads = SessionReads(engine)
    assert reads.latest(ann).id == daily  # type: ignore[union-attr]
    assert reads.latest(ann, routines=("perfect", "glazer")).id == stopped  # type: ignore[union-attr]
    assert reads.latest(ann, routines=("perfect",), status="completed").id == perfect  # type: ignore[union-attr]
    assert reads.latest(ann, before=NOW - timedelta(days=30)).id == perfect  # type: ignore[union-attr]
    assert reads.latest(ann, before=NOW - timedelta(days=50)) is None
