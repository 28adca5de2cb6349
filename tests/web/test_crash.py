"""A server killed mid-session (SIGKILL) loses at most about the last second; on restart the session is
shown as interrupted, with what was recorded."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from signed_in import bearer, user_token
from web_server import free_port, start_server


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'crash.sqlite3'}"


def client(database_url: str, port: int) -> httpx.Client:
    """A client of the local owner's server on ``port``, signed in by a bearer token."""
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=bearer(user_token(database_url)), timeout=10)


def killed_mid_session(database_url: str, port: int, *, speed: float, seed: int, after_s: float) -> tuple[str, float]:
    """Start a server and a quick-check session, SIGKILL the server ``after_s`` later; return the session id
    and the session time (s) reached at the kill."""
    server = start_server(database_url, port)
    try:
        with client(database_url, port) as http:
            created = http.post("/api/sessions", json={"routine": "quick-check", "speed": speed, "seed": seed})
        assert created.status_code == 201
        started = time.monotonic()
        time.sleep(after_s)
        os.kill(server.pid, signal.SIGKILL)
        reached_s = (time.monotonic() - started) * speed
        server.wait(10)
    finally:
        if server.poll() is None:
            server.kill()
    return created.json()["id"], reached_s


def test_sigkill_mid_session_keeps_all_but_the_last_second(database_url: str) -> None:
    port = free_port()
    speed = 2.0
    session_id, media_at_kill = killed_mid_session(database_url, port, speed=speed, seed=4, after_s=8.0)
    server = start_server(database_url, port)
    http = client(database_url, port)
    try:
        record = http.get(f"/api/sessions/{session_id}").json()
        assert record["status"] == "interrupted"
        assert record["ended_at"] is not None
        assert len(record["contractions"]) >= 1
        trace = http.get(f"/api/sessions/{session_id}/trace", params={"max_points": 1_000_000}).json()
        recorded_s = trace["t_s"][-1]
        # At risk: the recorder's last tick (1 s of wall time) and the write under way when the kill came (up to
        # about 0.5 s on a busy machine), i.e. speed x that of media time; media_at_kill counts from the POST's
        # answer, after the session began, so it errs low.
        assert recorded_s >= media_at_kill - speed * 1.5, (recorded_s, media_at_kill)
    finally:
        http.close()
        server.terminate()
        server.wait(10)


def test_an_interrupted_session_resumes_where_it_stopped(database_url: str) -> None:
    port = free_port()
    session_id, _ = killed_mid_session(database_url, port, speed=4, seed=9, after_s=5.0)  # ~20 s of 66 s
    server = start_server(database_url, port)
    http = client(database_url, port)
    try:
        before = http.get(f"/api/sessions/{session_id}").json()
        assert before["status"] == "interrupted"
        summary = http.get(f"/sessions/{session_id}").text
        assert 'id="resume-session"' in summary and "Resume from where it stopped" in summary  # the page offers it
        kept = http.get(f"/api/sessions/{session_id}/trace", params={"max_points": 10**6}).json()
        assert http.post(f"/api/sessions/{session_id}/resume").status_code == 200
        deadline = time.monotonic() + 60
        while http.get(f"/api/sessions/{session_id}").json()["status"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.5)
        after = http.get(f"/api/sessions/{session_id}").json()
        assert after["status"] == "completed"
        assert len(after["contractions"]) >= len(before["contractions"]) + 3
        assert after["summary"]["count"] == len(after["contractions"])
        trace = http.get(f"/api/sessions/{session_id}/trace", params={"max_points": 10**6}).json()
        assert trace["t_s"][: len(kept["t_s"])] == kept["t_s"]  # what was kept is untouched
        assert trace["t_s"][-1] > 60.0  # and the routine ran to its end
        # A completed session cannot be resumed, and its page no longer offers it.
        assert http.post(f"/api/sessions/{session_id}/resume").status_code == 409
        assert 'id="resume-session"' not in http.get(f"/sessions/{session_id}").text
    finally:
        http.close()
        server.terminate()
        server.wait(10)
