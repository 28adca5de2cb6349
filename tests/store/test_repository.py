"""SessionStore on SQLite and PostgreSQL: round trips, events, listing, finishing, crash recovery, validation."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sqlalchemy import Engine, func, select

from pelvicore.errors import PelvicoreError
from pelvicore.store import SessionStore, StoreError, UnknownSessionError
from pelvicore.store.models import Chunk, Event
from pelvicore.store.writes import SessionRows

UNITS = {"pressure": "cmH2O", "emg": "uV"}  # deliberately not in alphabetical order


def new_session(store: SessionStore, user_id: int | None = None, **overrides: Any) -> str:
    options: dict[str, Any] = {
        "source": "simulator",
        "profile": "healthy",
        "routine": "quick-flicks",
        "speed": 2.0,
        "fs_hz": 100.0,
        "units": UNITS,
    }
    options.update(overrides)
    return store.create_session(store.ensure_user() if user_id is None else user_id, **options)


def count_rows(engine: Engine, table: type[Chunk] | type[Event], session_id: str) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).where(table.session_id == session_id)) or 0)


def test_ensure_user_is_idempotent(store: SessionStore) -> None:
    local = store.ensure_user()
    assert store.ensure_user("local") == local
    assert store.ensure_user("alice") not in (local, None)
    for bad in ("  ", "x" * 201):
        with pytest.raises(StoreError, match="user name must be a non-blank string"):
            store.ensure_user(bad)


def test_create_get_round_trip(store: SessionStore) -> None:
    user_id = store.ensure_user()
    session_id = new_session(store, user_id, profile=None)
    record = store.get(session_id, owner=store.ensure_user())
    assert record is not None
    assert len(session_id) == 32 and int(session_id, 16) >= 0
    assert (record.id, record.user_id, record.source, record.profile, record.routine) == (
        session_id,
        user_id,
        "simulator",
        None,
        "quick-flicks",
    )
    assert (record.speed, record.fs_hz, record.status, record.ended_at, record.summary) == (
        2.0,
        100.0,
        "running",
        None,
        None,
    )
    assert list(record.units.items()) == list(UNITS.items())
    assert record.contraction_count == 0 and record.contractions == []
    assert record.created_at.tzinfo is not None and record.created_at.utcoffset() == UTC.utcoffset(None)
    assert abs((datetime.now(UTC) - record.created_at).total_seconds()) < 60
    assert store.get("0" * 32, owner=store.ensure_user()) is None


def test_chunks_round_trip_with_gaps(store: SessionStore) -> None:
    session_id = new_session(store)
    rng = np.random.default_rng(0)
    starts_and_lengths = [(0, 50), (50, 7), (80, 33), (113, 1)]  # a gap of 23 samples after the second chunk
    sent = {name: [] for name in UNITS}  # type: dict[str, list[np.ndarray]]
    for first, n in starts_and_lengths:
        chunk = {"emg": rng.normal(size=n), "pressure": rng.normal(size=n) * 1e6}  # keys in another order
        chunk["pressure"][0] = np.nan
        store.append_chunk(session_id, first, chunk)
        for name in UNITS:
            sent[name].append(chunk[name])
    fs_hz, channels, index = store.load_trace(session_id, owner=store.ensure_user())
    assert fs_hz == 100.0
    assert list(channels) == list(UNITS)
    for name in UNITS:
        assert channels[name].dtype == np.float64
        assert_array_equal(channels[name], np.concatenate(sent[name]))  # bit-exact, NaN included
    expected_index = np.concatenate([np.arange(first, first + n) for first, n in starts_and_lengths])
    assert index.dtype == np.int64
    assert_array_equal(index, expected_index)
    assert np.count_nonzero(np.diff(index) != 1) == 1


def test_chunks_accept_lists_and_integers_and_store_empty_chunks_as_nothing(
    store: SessionStore, engine: Engine
) -> None:
    session_id = new_session(store, units={"pressure": "cmH2O"})
    store.append_chunk(session_id, np.int64(3), {"pressure": [1, 2, 3]})
    store.append_chunk(session_id, 6, {"pressure": np.array([], dtype=np.float32)})
    _, channels, index = store.load_trace(session_id, owner=store.ensure_user())
    assert_array_equal(channels["pressure"], [1.0, 2.0, 3.0])
    assert_array_equal(index, [3, 4, 5])
    assert count_rows(engine, Chunk, session_id) == 1


def test_load_trace_of_a_session_without_chunks(store: SessionStore) -> None:
    fs_hz, channels, index = store.load_trace(new_session(store), owner=store.ensure_user())
    assert fs_hz == 100.0 and index.shape == (0,)
    assert {name: a.shape for name, a in channels.items()} == {"pressure": (0,), "emg": (0,)}


def test_events_and_contraction_count(store: SessionStore) -> None:
    session_id = new_session(store)
    store.append_events(
        session_id,
        [
            {"kind": "cue", "t_s": 0.0, "text": "squeeze"},
            {"kind": "contraction", "t_s": 1.5, "peak": np.float32(42.5), "hold_s": 3, "onsets": np.arange(2)},
            {"kind": "warning", "t_s": 2, "code": "saturated", "level": math.nan},
        ],
    )
    store.append_events(session_id, [])
    store.append_events(session_id, [{"kind": "contraction", "t_s": np.float64(9.25), "peak": 50.0}])
    record = store.get(session_id, owner=store.ensure_user())
    assert record is not None
    assert record.contraction_count == 2
    assert record.contractions == [
        {"t_s": 1.5, "peak": 42.5, "hold_s": 3, "onsets": [0, 1]},
        {"t_s": 9.25, "peak": 50.0},
    ]
    events = store.get_events(session_id, owner=store.ensure_user())
    assert [(e["kind"], e["t_s"]) for e in events] == [
        ("cue", 0.0),
        ("contraction", 1.5),
        ("warning", 2.0),
        ("contraction", 9.25),
    ]
    assert events[2] == {"kind": "warning", "t_s": 2.0, "code": "saturated", "level": None}  # JSON has no NaN
    assert store.get_events(session_id, owner=store.ensure_user(), kind="cue") == [
        {"kind": "cue", "t_s": 0.0, "text": "squeeze"}
    ]
    [listed] = store.list_sessions(record.user_id)
    assert listed.contraction_count == 2


def test_list_sessions_newest_first(store: SessionStore) -> None:
    user_id = store.ensure_user()
    other_id = store.ensure_user("someone-else")
    ids = [new_session(store, user_id, routine=f"routine-{i}") for i in range(4)]
    new_session(store, other_id)
    listed = store.list_sessions(user_id)
    assert [r.id for r in listed] == ids[::-1]
    assert all(r.user_id == user_id and r.contractions == [] for r in listed)
    assert [r.id for r in store.list_sessions(user_id, limit=2)] == ids[:1:-1]
    assert len(store.list_sessions(other_id)) == 1
    assert store.list_sessions(store.ensure_user("nobody")) == []
    with pytest.raises(StoreError, match="limit"):
        store.list_sessions(user_id, limit=0)


def test_finish(store: SessionStore) -> None:
    session_id = new_session(store)
    before = store.get(session_id, owner=store.ensure_user())
    summary = {"contractions": 3, "mean_peak": np.float64(12.5), "fatigue": math.inf, "phases": ("rest", "work")}
    store.finish(session_id, "completed", summary)
    record = store.get(session_id, owner=store.ensure_user())
    assert record is not None and before is not None
    assert record.status == "completed"
    assert record.summary == {"contractions": 3, "mean_peak": 12.5, "fatigue": None, "phases": ["rest", "work"]}
    assert record.ended_at is not None and record.ended_at.tzinfo is not None
    assert before.created_at <= record.ended_at <= datetime.now(UTC)
    with pytest.raises(StoreError, match="completed, not running"):
        store.finish(session_id, "interrupted", None)
    with pytest.raises(StoreError, match="not running"):
        store.append_chunk(session_id, 0, {"pressure": [1.0], "emg": [2.0]})
    with pytest.raises(StoreError, match="not running"):
        store.append_events(session_id, [{"kind": "cue", "t_s": 1.0}])
    with pytest.raises(StoreError, match="one of completed, stopped, interrupted, failed, got 'running'"):
        store.finish(new_session(store), "running", None)  # type: ignore[arg-type]


def test_interrupt_running_marks_only_running_sessions(store: SessionStore) -> None:
    finished = new_session(store)
    store.finish(finished, "completed", {"ok": True})
    finished_before = store.get(finished, owner=store.ensure_user())
    empty = new_session(store)
    busy = new_session(store)
    store.append_chunk(busy, 0, {"pressure": [1.0, 2.0], "emg": [0.0, 0.0]})
    store.append_events(busy, [{"kind": "contraction", "t_s": 0.01}])
    last_write = datetime.now(UTC)
    store.append_chunk(busy, 2, {"pressure": [3.0], "emg": [0.0]})
    assert sorted(store.interrupt_running()) == sorted([empty, busy])
    assert store.get(finished, owner=store.ensure_user()) == finished_before
    empty_record, busy_record = store.get(empty, owner=store.ensure_user()), store.get(busy, owner=store.ensure_user())
    assert empty_record is not None and busy_record is not None
    assert empty_record.status == busy_record.status == "interrupted"
    assert empty_record.ended_at == empty_record.created_at
    assert busy_record.ended_at is not None and last_write <= busy_record.ended_at <= datetime.now(UTC)
    assert busy_record.contraction_count == 1
    assert store.interrupt_running() == []


@pytest.mark.parametrize(
    ("chunk", "first_index", "message"),
    [
        ({"pressure": [1.0], "emg": [1.0], "ecg": [1.0]}, 0, "differ from the session's channels"),
        ({"pressure": [1.0]}, 0, "differ from the session's channels"),
        ({"pressure": [1.0, 2.0], "emg": [1.0]}, 0, "equal lengths"),
        ({"pressure": [[1.0]], "emg": [[1.0]]}, 0, "1-D array of numbers"),
        ({"pressure": ["a"], "emg": ["b"]}, 0, "1-D array of numbers"),
        ({"pressure": [1j], "emg": [1j]}, 0, "real numbers"),
        ({"pressure": [1.0], "emg": [1.0]}, -1, "first_index"),
        ({"pressure": [1.0], "emg": [1.0]}, 1.5, "first_index"),
    ],
)
def test_append_chunk_rejects_bad_chunks(
    store: SessionStore, chunk: dict[str, Any], first_index: Any, message: str
) -> None:
    session_id = new_session(store)
    with pytest.raises(StoreError, match=message) as excinfo:
        store.append_chunk(session_id, first_index, chunk)
    assert isinstance(excinfo.value, PelvicoreError)
    assert store.load_trace(session_id, owner=store.ensure_user())[2].size == 0


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"t_s": 1.0}, "'kind'"),
        ({"kind": "", "t_s": 1.0}, "'kind'"),
        ({"kind": "k" * 51, "t_s": 1.0}, "'kind'"),
        ({"kind": "cue"}, "'t_s'"),
        ({"kind": "cue", "t_s": math.nan}, "'t_s'"),
        ({"kind": "cue", "t_s": "1"}, "'t_s'"),
        ({"kind": "cue", "t_s": 1.0, "when": datetime.now(UTC)}, "cannot store datetime"),
        ({"kind": "cue", "t_s": 1.0, "map": {1: "a"}}, "keys must be strings"),
    ],
)
def test_append_events_rejects_bad_events(store: SessionStore, event: dict[str, Any], message: str) -> None:
    session_id = new_session(store)
    good = {"kind": "contraction", "t_s": 0.5}
    with pytest.raises(StoreError, match=message):
        store.append_events(session_id, [good, event])
    record = store.get(session_id, owner=store.ensure_user())
    assert record is not None and record.contraction_count == 0  # nothing of the batch was stored


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"fs_hz": 0.0}, "fs_hz must be a finite number > 0 Hz"),
        ({"fs_hz": math.inf}, "fs_hz"),
        ({"speed": -1.0}, "speed"),
        ({"units": {}}, "units"),
        ({"units": {"pressure": 1}}, "units"),
        ({"source": ""}, "source"),
        ({"routine": "r" * 101}, "routine"),
        ({"profile": ""}, "profile"),
    ],
)
def test_create_session_rejects_bad_values(store: SessionStore, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(StoreError, match=message):
        new_session(store, **overrides)


def test_unknown_user_and_session(store: SessionStore) -> None:
    with pytest.raises(StoreError, match="unknown user id 999"):
        new_session(store, 999)
    missing = "f" * 32
    calls = [
        lambda: store.append_chunk(missing, 0, {"pressure": [1.0], "emg": [1.0]}),
        lambda: store.append_events(missing, [{"kind": "cue", "t_s": 0.0}]),
        lambda: store.finish(missing, "completed", None),
        lambda: store.load_trace(missing, owner=store.ensure_user()),
        lambda: store.get_events(missing, owner=store.ensure_user()),
        lambda: store.delete_session(missing, owner=store.ensure_user()),
    ]
    for call in calls:
        with pytest.raises(UnknownSessionError, match=missing):
            call()


def test_delete_session(store: SessionStore, engine: Engine) -> None:
    kept, deleted = new_session(store), new_session(store)
    for session_id in (kept, deleted):
        store.append_chunk(session_id, 0, {"pressure": [1.0], "emg": [2.0]})
        store.append_events(session_id, [{"kind": "contraction", "t_s": 0.0}])
    store.delete_session(deleted, owner=store.ensure_user())
    assert store.get(deleted, owner=store.ensure_user()) is None
    assert count_rows(engine, Chunk, deleted) == count_rows(engine, Event, deleted) == 0
    assert count_rows(engine, Chunk, kept) == count_rows(engine, Event, kept) == 1
    assert [r.id for r in store.list_sessions(store.ensure_user())] == [kept]


def test_another_users_session_is_as_unknown_as_a_missing_one(store: SessionStore, engine: Engine) -> None:
    hers = new_session(store)
    store.append_chunk(hers, 0, {"pressure": [1.0], "emg": [2.0]})
    other = store.ensure_user("someone else")
    assert store.get(hers, owner=other) is None
    for call in (
        lambda: store.load_trace(hers, owner=other),
        lambda: store.get_events(hers, owner=other),
        lambda: store.delete_session(hers, owner=other),
    ):
        with pytest.raises(UnknownSessionError, match=hers):
            call()
    assert store.list_sessions(other) == []
    assert count_rows(engine, Chunk, hers) == 1  # nothing of hers was touched
    assert store.get(hers, owner=store.ensure_user()) is not None


def test_concurrent_appends_to_separate_sessions(store: SessionStore) -> None:
    n_chunks, chunk_len = 25, 10
    session_ids = [new_session(store) for _ in range(4)]

    def record(k: int) -> None:
        for i in range(n_chunks):
            values = np.full(chunk_len, float(k * 1000 + i))
            store.append_chunk(session_ids[k], i * chunk_len, {"pressure": values, "emg": -values})
            store.append_events(session_ids[k], [{"kind": "contraction", "t_s": float(i)}])

    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(record, k) for k in range(4)]:
            future.result()
    for k, session_id in enumerate(session_ids):
        _, channels, index = store.load_trace(session_id, owner=store.ensure_user())
        assert_array_equal(index, np.arange(n_chunks * chunk_len))
        assert_array_equal(channels["pressure"], np.repeat(k * 1000 + np.arange(n_chunks, dtype=float), chunk_len))
        assert_array_equal(channels["emg"], -channels["pressure"])
        record_k = store.get(session_id, owner=store.ensure_user())
        assert record_k is not None and record_k.contraction_count == n_chunks


def test_concurrent_appends_to_one_session_get_distinct_sequence_numbers(store: SessionStore) -> None:
    session_id = new_session(store, units={"pressure": "cmH2O"})

    def record(k: int) -> None:
        for i in range(10):
            store.append_chunk(session_id, k * 100 + i, {"pressure": [float(k)]})
            store.append_events(session_id, [{"kind": "contraction", "t_s": float(k)}])

    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(record, k) for k in range(4)]:
            future.result()
    _, channels, index = store.load_trace(session_id, owner=store.ensure_user())
    assert sorted(index.tolist()) == [k * 100 + i for k in range(4) for i in range(10)]
    assert_array_equal(channels["pressure"], index // 100)  # each sample stayed with its index
    record_ = store.get(session_id, owner=store.ensure_user())
    assert record_ is not None and record_.contraction_count == 40


def test_a_trainer_calibration_is_stored_replaced_and_forgotten(store: SessionStore) -> None:
    user = store.ensure_user()
    assert store.get_calibration(user, "perifit", "C0:FF:EE:00:00:01") is None
    store.save_calibration(user, "perifit", "C0:FF:EE:00:00:01", rest=1200.0, mvc=800.0, unit="raw")
    store.save_calibration(user, "perifit", "C0:FF:EE:00:00:01", rest=1100.0, mvc=950.0, unit="raw")
    cal = store.get_calibration(user, "perifit", "C0:FF:EE:00:00:01")
    assert cal is not None and (cal.rest, cal.mvc, cal.unit) == (1100.0, 950.0, "raw")
    assert cal.percent_of_max(475.0) == 50.0
    assert [d.key for d in store.list_devices(user)] == ["C0:FF:EE:00:00:01"]
    with pytest.raises(StoreError, match="mvc"):
        store.save_calibration(user, "perifit", "x", rest=0.0, mvc=float("nan"), unit="raw")
    assert store.forget_calibration(user, "perifit", "C0:FF:EE:00:00:01")
    assert not store.forget_calibration(user, "perifit", "C0:FF:EE:00:00:01")
    assert store.list_devices(user) == []


def test_one_batch_writes_many_sessions_and_names_those_it_refused(store: SessionStore, engine: Engine) -> None:
    owner = store.ensure_user()
    running, other, finished = new_session(store), new_session(store), new_session(store)
    store.append_chunk(running, 0, {"pressure": [1.0], "emg": [2.0]})
    store.append_events(running, [{"kind": "cue", "t_s": 0.0}])
    store.finish(finished, "stopped", None)
    batch = [
        SessionRows(running, [(1, {"pressure": np.array([3.0, 4.0]), "emg": np.array([5.0, 6.0])})],
                    [{"kind": "contraction", "t_s": 1.0, "peak": 9.0}]),
        SessionRows(other, [(0, {"pressure": np.array([7.0]), "emg": np.array([8.0])})], []),
        SessionRows(finished, [(0, {"pressure": np.array([1.0]), "emg": np.array([1.0])})], []),
        SessionRows("f" * 32, [], [{"kind": "cue", "t_s": 0.0}]),
        SessionRows(other, [], [{"kind": "", "t_s": 0.0}]),
    ]  # fmt: skip
    problems = store.append_batch(batch)
    assert set(problems) == {finished, "f" * 32, other}  # other's second entry had a blank kind
    _, channels, index = store.load_trace(running, owner=owner)
    assert channels["pressure"].tolist() == [1.0, 3.0, 4.0] and index.tolist() == [0, 1, 2]
    record = store.get(running, owner=owner)
    assert record is not None and record.contraction_count == 1
    assert [e["kind"] for e in store.get_events(running, owner=owner)] == ["cue", "contraction"]
    assert store.load_trace(other, owner=owner)[1]["pressure"].tolist() == [7.0]
    assert count_rows(engine, Chunk, finished) == 0
