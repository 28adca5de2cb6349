"""An urgent warning from her diary stays on the start page and the care overview until she marks it read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from signed_in import signed_in

from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with signed_in(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", ble="none"))) as c:
        yield c


def shows_notice(client: TestClient) -> tuple[bool, bool]:
    return 'id="care-notice"' in client.get("/").text, 'id="care-notice"' in client.get("/care").text


def test_an_emergency_stays_in_view_until_she_has_read_it(client: TestClient) -> None:
    today = dt.date.today()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert shows_notice(client) == (False, False)
    saved = client.post("/api/care/diary", json={"date": yesterday, "pain": 6, "signs": ["saddle_numbness"]})
    assert saved.status_code == 200 and saved.json()["triage"]["level"] == "emergency"
    # A calm entry since does not hide it.
    assert client.post("/api/care/diary", json={"date": today.isoformat(), "pain": 2}).status_code == 200
    assert shows_notice(client) == (True, True)
    home = client.get("/").text
    assert 'role="alert"' in home and "I have read this" in home and "Guideline:" in home
    assert client.post(f"/api/care/diary/{yesterday}/notice-seen").status_code == 204
    assert shows_notice(client) == (False, False)
    # The entry changed: what it says now is shown again until read.
    client.post("/api/care/diary", json={"date": yesterday, "pain": 7, "signs": ["saddle_numbness", "fever"]})
    assert shows_notice(client) == (True, True)


def test_self_care_results_raise_no_notice_and_a_missing_day_is_404(client: TestClient) -> None:
    today = dt.date.today().isoformat()
    assert client.post("/api/care/diary", json={"date": today, "pain": 3}).status_code == 200
    assert shows_notice(client) == (False, False)
    assert client.post("/api/care/diary/2020-01-01/notice-seen").status_code == 404
    assert client.post("/api/care/diary/not-a-day/notice-seen").status_code == 422
