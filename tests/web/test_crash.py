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
from web_server import free_port, start_server


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'crash.sqlite3'}"


def killed_mid_session(database_url: str, port: int, *, speed: float, seed: int, after_s: float) -> tuple[str, float]:
    """Start a server and a quick-check session, SIGKILL the server ``after_s`` later; return the session id
    and the session time (s) reached at the kill."""
    server = start_server(database_url, port)
    try:
        created = httpx.post(
            f"http://127.0.0.1:{port}/api/sessions",
            json={"routine": "quick-check", "speed": speed, "seed": seed},
            timeout=5,
        )
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
    try:
        record = httpx.get(f"http://127.0.0.1:{port}/api/sessions/{session_id}", timeout=5).json()
        assert record["status"] == "interrupted"
        assert record["ended_at"] is not None
        assert len(record["contractions"]) >= 1
        trace = httpx.get(
            f"http://127.0.0.1:{port}/api/sessions/{session_id}/trace", params={"max_points": 1_000_000}, timeout=5
        ).json()
        recorded_s = trace["t_s"][-1]
        # At most ~1 s of wall time at risk (0.5 s flush + start-up slack), i.e. speed x that of media time.
        assert recorded_s >= media_at_kill - speed * 1.0 - 0.5, (recorded_s, media_at_kill)
    finally:
        server.terminate()
        server.wait(10)


def test_an_interrupted_session_resumes_where_it_stopped(database_url: str) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    session_id, _ = killed_mid_session(database_url, port, speed=4, seed=9, after_s=5.0)  # ~20 s of 66 s
    server = start_server(database_url, port)
    try:
        before = httpx.get(f"{base}/api/sessions/{session_id}", timeout=5).json()
        assert before["status"] == "interrupted"
        kept = httpx.get(f"{base}/api/sessions/{session_id}/trace", params={"max_points": 10**6}, timeout=5).json()
        assert httpx.post(f"{base}/api/sessions/{session_id}/resume", timeout=10).status_code == 200
        deadline = time.monotonic() + 60
        while httpx.get(f"{base}/api/sessions/{session_id}", timeout=5).json()["status"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.5)
        after = httpx.get(f"{base}/api/sessions/{session_id}", timeout=5).json()
        assert after["status"] == "completed"
        assert len(after["contractions"]) >= len(before["contractions"]) + 3
        assert after["summary"]["count"] == len(after["contractions"])
        trace = httpx.get(f"{base}/api/sessions/{session_id}/trace", params={"max_points": 10**6}, timeout=5).json()
        assert trace["t_s"][: len(kept["t_s"])] == kept["t_s"]  # what was kept is untouched
        assert trace["t_s"][-1] > 60.0  # and the routine ran to its end
        # A completed session cannot be resumed.
        assert httpx.post(f"{base}/api/sessions/{session_id}/resume", timeout=5).status_code == 409
    finally:
        server.terminate()
        server.wait(10)
