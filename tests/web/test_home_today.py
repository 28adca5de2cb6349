"""The start page's Today: the plan's sessions done and to go, the streak of training days, the next reminder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from stored_sessions import store_simulated
from test_programme_pages import BY_HAND, env  # noqa: F401  (a plan by hand; the app, store and engine)

from pelvicore.store import SessionStore


def test_without_a_plan_today_counts_sessions_and_the_streak(
    env: tuple[TestClient, SessionStore, Engine],  # noqa: F811
) -> None:
    client, store, engine = env
    user = store.ensure_user()
    now = datetime.now(UTC)
    for days_ago in (0, 1, 2, 5):
        store_simulated(store, user, "quick-check", engine=engine, created_at=now - timedelta(days=days_ago))
    page = client.get("/").text
    assert "No plan yet" in page
    assert 'Days in a row with training: <strong id="streak">3</strong>' in page  # 5 days ago: another run


def test_with_a_plan_today_says_done_and_to_go_and_the_next_reminder(
    env: tuple[TestClient, SessionStore, Engine],  # noqa: F811
) -> None:
    client, _, _ = env
    assert client.post("/api/programme", json=BY_HAND).status_code == 201
    page = client.get("/").text
    assert "<strong>0 of 3</strong> of your plan's sessions done today — 3 to go." in page
    assert "Next reminder:" in page
