"""Fencing: a server process that was taken for dead (its sessions marked ``interrupted`` by another worker, and
perhaps resumed there) writes nothing more to them, does not end them, and lets them go; its pages ask again."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from cluster import redis_url

from pelvicore.sessions import SessionManager
from pelvicore.store import SessionStore, make_engine, migrate
from pelvicore.store.errors import SessionNotHeld
from pelvicore.store.workers import WorkerStore
from pelvicore.store.writes import SessionRows


def test_a_write_to_a_session_another_worker_holds_is_refused(store: SessionStore) -> None:
    user = store.ensure_user()
    session_id = store.create_session(
        user, source="simulator", profile="perifit", routine="daily", speed=1.0, fs_hz=10.0,
        units={"pressure": "cmH2O"}, worker="first",
    )  # fmt: skip
    rows = SessionRows(session_id, chunks=[(0, {"pressure": [1.0, 2.0]})])  # type: ignore[list-item]
    assert store.append_batch([rows], worker="first") == {}
    store.interrupt_running()
    store.reopen(session_id, worker="second")  # resumed by another worker

    problems = store.append_batch([SessionRows(session_id, chunks=[(2, {"pressure": [3.0]})])], worker="first")  # type: ignore[list-item]
    assert isinstance(problems[session_id], SessionNotHeld)
    assert "another server process" in str(problems[session_id])
    with pytest.raises(SessionNotHeld):
        store.finish(session_id, "completed", None, worker="first")
    assert store.append_batch([SessionRows(session_id, chunks=[(2, {"pressure": [3.0]})])], worker="second") == {}
    record = store.get(session_id, owner=user)
    assert record is not None and record.status == "running"
    assert store.load_trace(session_id, owner=user)[2].tolist() == [0, 1, 2]


async def watched_session(
    manager: SessionManager, store: SessionStore
) -> tuple[str, list[dict[str, object]], asyncio.Task[None]]:
    """A real-time simulated session of hers on ``manager``, and a page's view of it: what it receives, and the
    task that ends when its subscription does."""
    session_id = await manager.start_simulator(
        store.ensure_user(), profile="healthy", routine="daily", speed=1.0, seed=4
    )
    received: list[dict[str, object]] = []

    async def watch() -> None:
        async for text in manager.fanout.subscribe(session_id):
            received.append(json.loads(text))

    return session_id, received, asyncio.create_task(watch())


@pytest.mark.parametrize("resumed_elsewhere", [False, True])
def test_a_runner_whose_session_was_taken_over_lets_it_go(store: SessionStore, resumed_elsewhere: bool) -> None:
    async def scenario() -> tuple[str, list[dict[str, object]], int, int]:
        manager = SessionManager(store, flush_s=0.2)
        session_id, received, watching = await watched_session(manager, store)
        await asyncio.sleep(1.5)
        # Another worker took this one for dead: it marked the session interrupted (and maybe resumed it).
        await asyncio.to_thread(store.interrupt_running, reason="the server process running it stopped")
        if resumed_elsewhere:
            await asyncio.to_thread(store.reopen, session_id, worker="another-worker")
        taken_at = len(store.load_trace(session_id, owner=store.ensure_user())[2])
        await asyncio.wait_for(watching, timeout=5)  # the page is told to ask again
        assert session_id not in manager.live
        await asyncio.sleep(0.6)  # three of the recorder's ticks
        after = len(store.load_trace(session_id, owner=store.ensure_user())[2])
        await manager.shutdown()
        return session_id, received, taken_at, after

    session_id, received, taken_at, after = asyncio.run(scenario())
    assert any(m["type"] == "frame" for m in received)
    assert received[-1]["type"] == "reconnect"
    assert not any(m["type"] == "end" for m in received), "the process that lost it must not end it"
    assert after == taken_at, "nothing is written after the session was taken over"
    record = store.get(session_id, owner=store.ensure_user())
    assert record is not None
    if resumed_elsewhere:
        assert record.status == "running" and store.worker_of(session_id) == "another-worker"
    else:
        assert record.status == "interrupted" and record.end_reason == "the server process running it stopped"


def test_a_paused_session_taken_over_and_then_stopped_here_stores_and_tells_no_end(store: SessionStore) -> None:
    """Paused, it writes nothing, so only its end meets the fence: no 'failed' end for her pages, none stored."""

    async def scenario() -> tuple[str, list[dict[str, object]]]:
        manager = SessionManager(store, flush_s=0.2)
        session_id, received, watching = await watched_session(manager, store)
        await asyncio.sleep(1.0)
        manager.live[session_id].pause()
        await asyncio.sleep(0.5)  # what it held is written; paused, it has nothing more to write
        await asyncio.to_thread(store.interrupt_running, reason="the server process running it stopped")
        manager.live[session_id].stop()  # she presses Stop on the page of this worker
        await asyncio.wait_for(watching, timeout=5)
        assert session_id not in manager.live
        await manager.shutdown()
        return session_id, received

    session_id, received = asyncio.run(scenario())
    assert received[-1]["type"] == "reconnect" and not any(m["type"] == "end" for m in received)
    record = store.get(session_id, owner=store.ensure_user())
    assert record is not None and record.status == "interrupted"


def test_a_worker_taken_for_dead_lets_go_of_every_session_it_runs(pg_db_url: str) -> None:
    """Its heartbeat finds its row gone (another worker forgot it): even a paused session is let go."""
    engine = make_engine(pg_db_url)
    migrate(engine)
    store = SessionStore(engine)

    async def scenario() -> tuple[str, list[dict[str, object]]]:
        manager = SessionManager(store, flush_s=0.2, redis_url=redis_url())
        await manager.start()
        assert manager.leases is not None
        session_id, received, watching = await watched_session(manager, store)
        await asyncio.sleep(0.5)
        manager.live[session_id].pause()
        await asyncio.sleep(0.5)  # what it held is written; paused, it has nothing more to write
        # Another worker's sweep: it ended this worker's sessions and forgot the worker.
        await asyncio.to_thread(store.interrupt_running, reason="the server process running it stopped")
        await asyncio.to_thread(WorkerStore(engine).forget_stale, datetime.now(UTC) + timedelta(days=1))
        await manager.leases._beat()  # the next heartbeat
        await asyncio.wait_for(watching, timeout=5)
        assert session_id not in manager.live
        await manager.shutdown()
        return session_id, received

    try:
        session_id, received = asyncio.run(scenario())
        assert received[-1]["type"] == "reconnect" and not any(m["type"] == "end" for m in received)
        record = store.get(session_id, owner=store.ensure_user())
        assert record is not None and record.status == "interrupted"
    finally:
        engine.dispose()
