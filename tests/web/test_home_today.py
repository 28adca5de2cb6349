"""The start page's Today: the plan's sessions done and to go, the streak of training days, the next reminder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from signed_in import signed_in
from sqlalchemy import Engine
from stored_sessions import store_simulated

from pelvicore.store import SessionStore, make_engine
from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings

BY_HAND = {"goal": "strength", "max_squeeze": 20, "max_unit": "cmH2O", "longest_hold_s": 3, "fast_reps": 6}


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[TestClient, SessionStore, Engine]]:
    url = f"sqlite:///{tmp_path / 'pelvicore.sqlite3'}"
    with signed_in(create_app(Settings(database_url=url, ble="none"))) as client:
        engine = make_engine(url)
        yield client, SessionStore(engine), engine
        engine.dispose()


def test_without_a_plan_today_counts_sessions_and_the_streak(env: tuple[TestClient, SessionStore, Engine]) -> None:
    client, store, engine = env
    user = store.ensure_user()
    now = datetime.now(UTC)
    for days_ago in (0, 1, 2, 5):
        store_simulated(store, user, "quick-check", engine=engine, created_at=now - timedelta(days=days_ago))
    page = client.get("/").text
    assert "No plan yet" in page
    assert 'Days in a row with training: <strong id="streak">3</strong>' in page  # 5 days ago: another run


def test_with_a_plan_today_says_done_and_to_go_and_the_next_reminder(
    env: tuple[TestClient, SessionStore, Engine],
) -> None:
    client, _, _ = env
    assert client.post("/api/programme", json=BY_HAND).status_code == 201
    page = client.get("/").text
    assert "<strong>0 of 3</strong> of your plan's sessions done today — 3 to go." in page
    assert "Next reminder:" in page
