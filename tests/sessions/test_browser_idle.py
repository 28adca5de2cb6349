"""A browser session whose page has gone ends (interrupted, with the reason); one whose page is there goes on."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pelvicore.devices.browser import BrowserSource
from pelvicore.devices.profiles import get_profile
from pelvicore.sessions import LiveSession, LocalFanout
from pelvicore.sessions.recorder import Recorder
from pelvicore.store import SessionStore, make_engine, migrate
from pelvicore.training.routines import get_protocol


def test_a_browser_session_whose_page_has_gone_ends_interrupted(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    store = SessionStore(engine)

    async def scenario() -> list[dict[str, object]]:
        source = BrowserSource(get_profile("perifit"), idle_s=0.3)
        session_id = store.create_session(
            store.ensure_user(), source="browser", profile="perifit", routine="daily", speed=1.0,
            fs_hz=source.info.fs_hz, units=source.info.units,
        )  # fmt: skip
        fanout = LocalFanout()
        fanout.open(session_id)
        live = LiveSession(session_id, store, source, get_protocol("daily"), fanout=fanout, recorder=Recorder(store))
        messages = asyncio.create_task(_collect(fanout, session_id))
        await asyncio.sleep(0)
        live.start()
        assert live.task is not None
        await asyncio.wait_for(live.task, 10)
        return await messages

    messages = asyncio.run(scenario())
    [record] = store.list_sessions(store.ensure_user())
    assert record.status == "interrupted"
    assert record.end_reason is not None and "nothing came from the page for 0.3 s" in record.end_reason
    assert messages[-1]["status"] == "interrupted"


async def _collect(fanout: LocalFanout, session_id: str) -> list[dict[str, object]]:
    return [json.loads(text) async for text in fanout.subscribe(session_id)]


@pytest.mark.parametrize("idle_s", [1.0])
def test_a_page_that_keeps_sending_keeps_its_session(idle_s: float) -> None:
    async def scenario() -> bool:
        source = BrowserSource(get_profile("perifit"), idle_s=idle_s)

        async def take_frames() -> None:  # as the session does, watching for a page gone quiet meanwhile
            async for _ in source:
                pass

        taking = asyncio.create_task(take_frames())
        for _ in range(12):  # three times as long as the page may be silent, a message every quarter of it
            source.sensor_state("connected", "Perifit")  # the page is still there
            await asyncio.sleep(idle_s / 4)
        going_on = not taking.done()
        source.stop()
        await taking  # raises SourceGone had the source given the page up
        return going_on

    assert asyncio.run(scenario())
