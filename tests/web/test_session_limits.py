"""A cap on live sessions: beyond it, a clear 503 naming the cap, until one ends."""

from __future__ import annotations

import time
from pathlib import Path

from signed_in import signed_in

from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings


def test_beyond_the_cap_a_new_session_is_a_clear_503(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", ble="none", max_live_sessions=2)
    with signed_in(create_app(settings)) as client:
        running = [client.post("/api/sessions", json={"routine": "daily"}).json()["id"] for _ in range(2)]
        refused = client.post("/api/sessions", json={"routine": "daily"})
        assert refused.status_code == 503 and refused.headers["retry-after"] == "60"
        assert "as many live sessions as it may (2)" in refused.json()["detail"]
        game = client.post("/api/games/control/sessions", json={"level": "easy"})
        assert game.status_code == 503
        assert client.post(f"/api/sessions/{running[0]}/stop").status_code == 200
        deadline = time.monotonic() + 30  # the stopped session frees its place as it ends: soon, later if busy
        while (started := client.post("/api/sessions", json={"routine": "daily"})).status_code != 201:
            assert time.monotonic() < deadline, started.text
            time.sleep(0.05)
        assert started.status_code == 201
        for session_id in (running[1], started.json()["id"]):
            client.post(f"/api/sessions/{session_id}/stop")
