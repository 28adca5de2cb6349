"""The fan-out across workers, on the test Redis: two ``RedisFanout`` in one process stand for two workers."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from cluster import redis_url

from pelvicore.sessions.fanout import RECENT_FRAMES
from pelvicore.sessions.redis_fanout import RedisFanout
from pelvicore.sessions.redis_wire import KEEP_AFTER_END_S


@asynccontextmanager
async def workers(
    on_control: Callable[[dict[str, Any]], None] = lambda _: None,
) -> AsyncIterator[tuple[RedisFanout, RedisFanout]]:
    url = redis_url()
    owner = RedisFanout(url, uuid.uuid4().hex, on_control=on_control)
    other = RedisFanout(url, uuid.uuid4().hex, on_control=lambda _: None)
    await owner.start()
    await other.start()
    try:
        yield owner, other
    finally:
        await owner.aclose()
        await other.aclose()


async def collect(fanout: RedisFanout, session_id: str) -> list[dict[str, Any]]:
    return [json.loads(text) async for text in fanout.subscribe(session_id)]


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(scenario(), 60))


async def watched_from_elsewhere(owner: RedisFanout, session_id: str) -> None:
    """Wait until the running worker has answered a page elsewhere that asked to watch: it has written the
    session's recent frames to Redis and sends it every message from now on (a fixed wait can be too short
    on a busy machine)."""
    while not await owner.redis.exists(f"pelvicore:session:{session_id}:frames"):
        await asyncio.sleep(0.01)


def test_a_late_watcher_on_another_worker_gets_a_thousand_events_in_order_and_the_last_frames() -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with workers() as (owner, other):
            session = uuid.uuid4().hex
            owner.open(session)
            for i in range(1000):
                owner.publish(session, {"type": "cue", "i": i})
                owner.publish(session, {"type": "frame", "i": i})
            await owner.flushed()
            watching = asyncio.create_task(collect(other, session))
            await watched_from_elsewhere(owner, session)  # now the rest arrives live
            for i in range(1000, 1100):
                owner.publish(session, {"type": "frame", "i": i})
                owner.publish(session, {"type": "contraction", "i": i})
            owner.publish(session, {"type": "end", "status": "completed"})
            owner.close(session)
            return await watching

    received = run(scenario)
    cues = [m["i"] for m in received if m["type"] == "cue"]
    frames = [m["i"] for m in received if m["type"] == "frame"]
    contractions = [m["i"] for m in received if m["type"] == "contraction"]
    assert cues == list(range(1000))  # every event so far, in order
    assert frames == list(range(1000 - RECENT_FRAMES, 1100))  # the last seconds of trace, then every frame, once
    assert contractions == list(range(1000, 1100))
    assert received[-1] == {"type": "end", "status": "completed"}
    order = [(m["type"], m.get("i")) for m in received]
    assert order.index(("frame", 1050)) < order.index(("contraction", 1050)) < order.index(("frame", 1051))


def test_a_watcher_that_joins_while_messages_flow_sees_each_once_in_order() -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with workers() as (owner, other):
            session = uuid.uuid4().hex
            owner.open(session)

            async def produce() -> None:
                for i in range(600):
                    owner.publish(session, {"type": "cue", "i": i})
                    if i % 50 == 0:
                        await asyncio.sleep(0.005)  # batches go out while the watcher joins
                owner.publish(session, {"type": "end"})

            producing = asyncio.create_task(produce())
            await asyncio.sleep(0.01)
            received = await collect(other, session)
            await producing
            return received

    received = run(scenario)
    assert [m["i"] for m in received if m["type"] == "cue"] == list(range(600))


def test_control_reaches_the_worker_that_runs_the_session_and_no_other() -> None:
    heard: list[dict[str, Any]] = []

    async def scenario() -> tuple[bool, bool]:
        async with workers(heard.append) as (owner, other):
            reached = await other.send_control(owner.worker_id, {"session": "s", "action": "stop"})
            nobody = await other.send_control(uuid.uuid4().hex, {"session": "s", "action": "stop"})
            for _ in range(500):  # up to 10 s: a second is short on a busy machine
                if heard:
                    break
                await asyncio.sleep(0.02)
            return reached, nobody

    reached, nobody = run(scenario)
    assert reached and not nobody  # a worker that is gone is known to be gone
    assert heard == [{"session": "s", "action": "stop"}]


def test_a_session_that_no_worker_runs_has_nothing_to_watch() -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with workers() as (_, other):
            return await collect(other, uuid.uuid4().hex)

    assert run(scenario) == []


def test_the_end_a_surviving_worker_sends_for_a_dead_one_ends_the_watch() -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with workers() as (owner, other):
            session = uuid.uuid4().hex
            owner.open(session)
            owner.publish(session, {"type": "frame", "i": 1})
            await owner.flushed()
            watching = asyncio.create_task(collect(other, session))
            await watched_from_elsewhere(owner, session)
            await other.publish_end(session, {"type": "end", "status": "interrupted"})
            received = await watching
            # Its keys go as a finished session's do, not in a day.
            for key in (f"pelvicore:session:{session}:frames", f"pelvicore:session:{session}:events"):
                assert 0 < await other.redis.ttl(key) <= KEEP_AFTER_END_S, key
            return received

    received = run(scenario)
    assert received == [{"type": "frame", "i": 1}, {"type": "end", "status": "interrupted"}]


def test_frames_go_to_redis_only_while_a_page_elsewhere_watches() -> None:
    async def scenario() -> tuple[int, int, list[dict[str, Any]]]:
        async with workers() as (owner, other):
            session = uuid.uuid4().hex
            owner.open(session)
            for i in range(50):
                owner.publish(session, {"type": "frame", "i": i})
            owner.publish(session, {"type": "cue", "i": 0})
            await owner.flushed()
            frames_key = f"pelvicore:session:{session}:frames"
            unwatched = await owner.redis.llen(frames_key)
            watching = asyncio.create_task(collect(other, session))
            await watched_from_elsewhere(owner, session)
            watched = await owner.redis.llen(frames_key)  # the recent frames, written when asked
            owner.publish(session, {"type": "frame", "i": 50})
            owner.publish(session, {"type": "end"})
            return unwatched, watched, await watching

    unwatched, watched, received = run(scenario)
    assert unwatched == 0  # nobody watched from elsewhere: the frames stayed in their worker
    assert watched == 50
    assert [m["i"] for m in received if m["type"] == "frame"] == list(range(51))


def test_a_worker_that_lets_a_session_go_leaves_the_new_running_workers_keys_alone() -> None:
    async def scenario() -> tuple[Any, Any, int, str]:
        async with workers() as (stale, running):
            session = uuid.uuid4().hex
            stale.open(session)
            stale.publish(session, {"type": "cue", "i": 0})
            await stale.flushed()
            running.open(session)  # resumed on the other worker
            running.publish(session, {"type": "cue", "i": 1})
            await running.flushed()
            stale.close(session)  # let go, without an end (SessionNotHeld)
            await stale.flushed()
            marker = await running.redis.get(f"pelvicore:session:{session}:worker")
            ttl = await running.redis.ttl(f"pelvicore:session:{session}:events")
            events = await running.redis.lrange(f"pelvicore:session:{session}:events", 0, -1)
            return marker, ttl, len(events), running.worker_id

    marker, ttl, events, running_id = run(scenario)
    assert marker.decode() == running_id  # pages elsewhere still find the worker that runs it
    assert ttl > KEEP_AFTER_END_S and events == 1
