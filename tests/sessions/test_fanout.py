"""The fan-out: order kept, events never dropped, frames shed oldest-first, late subscribers caught up."""

from __future__ import annotations

import asyncio
import json

from pelvicore.sessions.fanout import RECENT_FRAMES, LocalFanout, Subscription


def frame(i: int) -> dict[str, object]:
    return {"type": "frame", "i": i}


def cue(i: int) -> dict[str, object]:
    return {"type": "cue", "i": i}


async def drain(fanout: LocalFanout, session_id: str) -> list[dict[str, object]]:
    return [json.loads(text) async for text in fanout.subscribe(session_id)]


def test_a_late_subscriber_gets_a_thousand_events_in_order_and_the_last_frames() -> None:
    async def scenario() -> list[dict[str, object]]:
        fanout = LocalFanout()
        fanout.open("s")
        for i in range(1000):
            fanout.publish("s", cue(i))
            fanout.publish("s", frame(i))
        fanout.publish("s", {"type": "end"})
        return await drain(fanout, "s")

    received = asyncio.run(scenario())
    cues = [m["i"] for m in received if m["type"] == "cue"]
    frames = [m["i"] for m in received if m["type"] == "frame"]
    assert cues == list(range(1000))  # every one, in order, no exception
    assert frames == list(range(1000 - RECENT_FRAMES, 1000))  # the last seconds of trace
    positions = {(m["type"], m.get("i")): n for n, m in enumerate(received)}
    assert positions[("cue", 999)] < positions[("frame", 999)] < positions[("end", None)]
    assert positions[("frame", 950)] < positions[("cue", 951)]  # frames and events keep their order


def test_a_slow_page_loses_its_oldest_frames_never_an_event() -> None:
    subscription = Subscription(max_frames=3)
    for i in range(10):
        subscription.offer("frame", f"f{i}")
        if i % 4 == 0:
            subscription.offer("cue", f"c{i}")

    async def take_all() -> list[str]:
        return [(await subscription.get())[1] for _ in range(6)]

    assert asyncio.run(take_all()) == ["c0", "c4", "f7", "f8", "c8", "f9"]  # order kept
    assert subscription.dropped_frames == 7


def test_live_subscribers_share_one_serialisation_and_stop_at_the_end() -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        fanout = LocalFanout()
        fanout.open("s")
        first, second = drain_texts(fanout), drain_texts(fanout)
        tasks = [asyncio.create_task(first), asyncio.create_task(second)]
        await asyncio.sleep(0)
        assert fanout.watchers("s") == 2
        fanout.publish("s", frame(1))
        fanout.publish("s", {"type": "end", "status": "completed"})
        a, b = await asyncio.gather(*tasks)
        assert fanout.watchers("s") == 0
        return a, b

    async def drain_texts(fanout: LocalFanout) -> list[str]:
        return [text async for text in fanout.subscribe("s")]

    a, b = asyncio.run(scenario())
    assert a == b == ['{"type":"frame","i":1}', '{"type":"end","status":"completed"}']
    assert a[0] is b[0]  # written as JSON once for every page


def test_an_unknown_or_closed_session_has_nothing_to_send() -> None:
    async def scenario() -> list[dict[str, object]]:
        fanout = LocalFanout()
        fanout.open("s")
        fanout.close("s")
        fanout.publish("s", cue(1))  # ignored, no error
        return await drain(fanout, "s") + await drain(fanout, "nope")

    assert asyncio.run(scenario()) == []
