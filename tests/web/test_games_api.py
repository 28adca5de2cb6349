"""The games API and pages, end to end on the simulator at high speed."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient


def play(client: TestClient, game: str, **body: Any) -> str:
    response = client.post(f"/api/games/{game}/sessions", json={"level": "easy", "speed": 100, "seed": 4} | body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["url"] == f"/games/{game}/{created['id']}"
    with client.websocket_connect(f"/ws/sessions/{created['id']}") as ws:
        while ws.receive_json()["type"] != "end":
            pass
    return str(created["id"])


def test_paths_are_served_as_json(client: TestClient) -> None:
    games = client.get("/api/games").json()
    assert [g["name"] for g in games] == ["control", "endurance-speed"]
    path = client.get("/api/games/control/path", params={"seed": 9, "level": "hard"}).json()
    assert path["routine"] == "game:control:hard:9"
    assert path == client.get("/api/games/control/path?seed=9&level=hard").json()
    kinds = {s["kind"] for s in path["segments"]}
    assert {"settle", "maximum", "target", "rest"} <= kinds
    assert client.get("/api/games/control/path", params={"level": "extreme"}).status_code == 422
    assert client.get("/api/games/control/path", params={"seed": -1}).status_code == 422
    assert client.get("/api/games/tetris/path").status_code == 422


def test_a_played_control_game_has_six_scores(client: TestClient) -> None:
    session_id = play(client, "control")
    record = client.get(f"/api/sessions/{session_id}").json()
    assert record["routine"] == "game:control:easy:4" and record["status"] == "completed"
    result = client.get(f"/api/games/control/{session_id}/score").json()
    assert result["status"] == "completed"
    assert [m["name"] for m in result["metrics"]] == [
        "quality",
        "strength",
        "speed",
        "endurance",
        "control",
        "relaxation",
    ]
    assert result["unit"] == "cmH2O"
    assert result["control_pct"] >= 80.0 and result["relaxation_pct"] >= 80.0
    page = client.get(f"/games/control/{session_id}/score")
    assert page.status_code == 200
    for title in ("Contraction quality", "Strength", "Speed", "Endurance", "Control", "Relaxation", "cmH2O", "Source"):
        assert title in page.text
    game_page = client.get(f"/games/control/{session_id}")
    assert game_page.status_code == 200 and 'aria-live="polite"' in game_page.text and "path-data" in game_page.text


def test_endurance_speed_scores_holds_and_quick_squeezes(client: TestClient) -> None:
    session_id = play(client, "endurance-speed", profile="healthy")
    result = client.get(f"/api/games/endurance-speed/{session_id}/score").json()
    assert result["endurance_pct"] >= 80.0
    assert result["flicks_per_10s"] >= 4.0
    assert result["control_pct"] is None  # no targets at different heights in this game


def test_wrong_or_unknown_sessions(client: TestClient) -> None:
    session_id = play(client, "control")
    assert client.get(f"/api/games/endurance-speed/{session_id}/score").status_code == 404
    assert client.get("/api/games/control/nope/score").status_code == 404
    assert client.get("/games/control/nope").status_code == 404
    response = client.post("/api/sessions", json={"routine": "quick-check", "speed": 100})
    other = response.json()["id"]
    assert client.get(f"/games/control/{other}").status_code == 404
    bad = client.post("/api/games/control/sessions", json={"source": "browser"})
    assert bad.status_code == 422 and "device_profile" in bad.text
    assert client.post("/api/games/control/sessions", json={"speed": 0}).status_code == 422


def test_the_games_page_offers_every_game_level_and_simulated_person(client: TestClient) -> None:
    page = client.get("/games")
    assert page.status_code == 200
    for text in (
        "Follow the path",
        "Hold the lift + Quick flicks",
        'value="hard"',
        "Simulator — hypertonic",
        "Start game",
    ):
        assert text in page.text
    assert re.search(r'<a href="/games"[^>]*>.*?<span>Games</span></a>', client.get("/").text, re.S)  # in the menu
    assert client.get("/static/games.js").status_code == 200
    assert client.get("/static/games.css").status_code == 200
