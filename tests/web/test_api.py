"""The session API and live WebSocket, end to end on a simulated person."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from pelvicore.training.routines import get_protocol


def run_session(client: TestClient, **body: Any) -> tuple[str, list[dict[str, Any]]]:
    response = client.post(
        "/api/sessions",
        json={"source": "simulator", "profile": "healthy", "routine": "quick-check", "speed": 10, "seed": 3} | body,
    )
    assert response.status_code == 201, response.text
    session_id = response.json()["id"]
    messages = []
    with client.websocket_connect(f"/ws/sessions/{session_id}") as ws:
        while True:
            message = ws.receive_json()
            messages.append(message)
            if message["type"] == "end":
                break
    return session_id, messages


def test_health_and_docs(client: TestClient) -> None:
    assert client.get("/api/health").status_code == 200
    assert "/api/sessions" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN: the schema is enough


def test_quick_check_streams_frames_cues_contractions_and_one_end(client: TestClient) -> None:
    session_id, messages = run_session(client)
    kinds = [m["type"] for m in messages]
    frames = [m for m in messages if m["type"] == "frame"]
    contractions = [m for m in messages if m["type"] == "contraction"]
    assert len(frames) >= 20
    assert kinds.count("end") == 1 and kinds[-1] == "end"
    assert "cue" in kinds
    assert len(contractions) >= 8
    for c in contractions:
        assert {"onset_s", "offset_s", "peak", "technique", "hold_s", "rise_s"} <= set(c)
    frame = frames[-1]
    assert len(frame["floor"]) == len(frame["abdomen"]) > 0 and frame["fs_hz"] == 50.0
    assert isinstance(frame["produced_at"], float)
    stored = client.get(f"/api/sessions/{session_id}").json()
    assert stored["status"] == "completed"
    assert len(stored["contractions"]) == len(contractions)
    assert [c["onset_s"] for c in stored["contractions"]] == [c["onset_s"] for c in contractions]
    listed = client.get("/api/sessions").json()
    assert listed[0]["id"] == session_id and listed[0]["contraction_count"] == len(contractions)
    # The steps it played are stored as data, and every cue it gave at the time it was given.
    assert stored["steps"] == get_protocol("quick-check").to_dict()
    given = [(m["t_s"], m["action"], m["text"]) for m in messages if m["type"] == "cue"]
    assert [(c["t_s"], c["action"], c["text"]) for c in stored["cues"]] == given and len(given) >= 10


def test_frames_arrive_at_20_to_30_per_second(client: TestClient) -> None:
    _, messages = run_session(client, speed=1, routine="cough")
    frames = [m for m in messages if m["type"] == "frame"]
    span = frames[-1]["produced_at"] - frames[0]["produced_at"]
    assert 20 <= (len(frames) - 1) / span <= 30


def test_a_pushing_person_gets_warnings(client: TestClient) -> None:
    _, messages = run_session(client, profile="bearing-down", seed=1)
    pushes = [m for m in messages if m["type"] == "contraction" and m["technique"] == "push"]
    warnings = [m for m in messages if m["type"] == "warning" and m["kind"] == "push"]
    assert pushes and len(warnings) == len(pushes)
    assert "lift" in warnings[0]["text"]


def test_a_pushing_session_ends_with_advice_never_congratulations(client: TestClient) -> None:
    session_id, messages = run_session(client, profile="bearing-down", seed=1)
    end = messages[-1]
    stored = client.get(f"/api/sessions/{session_id}").json()
    for feedback in (end["feedback"], stored["feedback"]):
        assert feedback["status"] == "completed" and feedback["outcome"] == "Session complete."
        assert feedback["tone"] == "warning"
        assert feedback["message"].startswith("Most squeezes pushed down instead of lifting")
        assert "lift and squeeze gently" in feedback["message"] and "breathe out" in feedback["message"]
        assert not any(word in feedback["message"].lower() for word in ("well done", "good", "great"))
    summary_page = client.get(f"/sessions/{session_id}").text
    assert "Most squeezes pushed down" in summary_page and "well done" not in summary_page.lower()


def test_a_good_session_is_praised(client: TestClient) -> None:
    session_id, messages = run_session(client)
    feedback = messages[-1]["feedback"]
    assert feedback["tone"] == "praise" and "well done" in feedback["message"]
    assert messages[-1]["summary"]["technique_measured"] is True
    assert client.get(f"/api/sessions/{session_id}").json()["feedback"] == feedback


def test_the_recorded_trace_is_complete(client: TestClient) -> None:
    session_id, messages = run_session(client)
    trace = client.get(f"/api/sessions/{session_id}/trace", params={"max_points": 100000}).json()
    frames = [m for m in messages if m["type"] == "frame"]
    # Everything streamed was recorded (a frame or two may go out before the socket subscribed).
    assert len(trace["t_s"]) >= sum(len(m["floor"]) for m in frames)
    last = frames[-1]
    assert trace["t_s"][-1] == round(last["t0_s"] + (len(last["floor"]) - 1) / last["fs_hz"], 3)
    # The frames' samples are the recorded ones, at the times a frame's t0_s and fs_hz give.
    recorded = dict(zip(trace["t_s"], trace["channels"]["floor"], strict=True))
    for m in frames[-20:]:
        for k, value in enumerate(m["floor"]):
            assert recorded[round(m["t0_s"] + k / m["fs_hz"], 3)] == pytest.approx(value, abs=1e-3)
    assert trace["t_s"][:3] == [0.0, 0.02, 0.04]
    assert set(trace["channels"]) == {"floor", "abdomen"}


def test_bad_bodies_name_the_field(client: TestClient) -> None:
    for body, field in (
        ({"profile": "nobody"}, "profile"),
        ({"routine": "marathon"}, "routine"),
        ({"speed": 0}, "speed"),
        ({"speed": "fast"}, "speed"),
        ({"source": "bluetooth"}, "source"),
    ):
        response = client.post("/api/sessions", json=body)
        assert response.status_code == 422
        assert field in {str(loc) for err in response.json()["detail"] for loc in err["loc"]}
    assert (
        client.post("/api/sessions", content=b"{not json", headers={"content-type": "application/json"}).status_code
        == 422
    )


def test_unknown_sessions(client: TestClient) -> None:
    assert client.get("/api/sessions/nope").status_code == 404
    assert client.get("/sessions/nope").status_code == 404
    assert client.post("/api/sessions/nope/stop").status_code == 404
    assert client.delete("/api/sessions/nope").status_code == 404


def test_stop_ends_the_session_early(client: TestClient) -> None:
    response = client.post("/api/sessions", json={"routine": "daily", "speed": 5})
    session_id = response.json()["id"]
    with client.websocket_connect(f"/ws/sessions/{session_id}") as ws:
        frames = 0
        while frames < 10:
            frames += ws.receive_json()["type"] == "frame"
        assert client.post(f"/api/sessions/{session_id}/stop").status_code == 200
        while ws.receive_json()["type"] != "end":
            pass
    stopped = client.get(f"/api/sessions/{session_id}").json()
    assert stopped["status"] == "stopped" and stopped["end_reason"] is None  # she stopped it: not "completed"
    # The end screen says so, with how far she got; it neither congratulates nor calls the session complete.
    elapsed = stopped["summary"]["elapsed_s"]
    assert 0 < elapsed < get_protocol("daily").duration_s
    said = stopped["feedback"]["outcome"]
    assert said == f"You stopped the session after {elapsed:.0f} s; what was recorded is kept."
    assert "complete" not in stopped["feedback"]["outcome"]
    page = client.get(f"/sessions/{session_id}").text
    assert "You stopped the session after" in page and "Session complete" not in page
    trace = client.get(f"/api/sessions/{session_id}/trace", params={"max_points": 10**6}).json()
    assert trace["t_s"][-1] >= 10 * 0.04 * 0.9  # what was recorded is kept: at least the 10 frames seen


def test_pages_render(client: TestClient) -> None:
    session_id, _ = run_session(client)
    home = client.get("/")
    assert home.status_code == 200 and "text/html" in home.headers["content-type"]
    assert 'lang="en"' in home.text and '<label for="routine">' in home.text
    for path in (f"/sessions/{session_id}/live", f"/sessions/{session_id}", "/history"):
        page = client.get(path)
        assert page.status_code == 200, path
    assert "cmH2O" in client.get(f"/sessions/{session_id}").text
    assert "Strongest squeeze (cmH2O above rest)" in client.get("/history").text
    assert client.get("/static/vendor/uplot/uPlot.iife.min.js").status_code == 200
