"""Several server processes on one PostgreSQL and one Redis: a session started on one streams, stops and is
watched through another; a killed worker's sessions end ``interrupted`` with their samples; a missing
PostgreSQL or Redis refuses to start with one line."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
from cluster import free_port, own_redis, redis_url, start_redis, start_worker, stop
from signed_in import bearer, user_token
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from pelvicore.devices.ble.payloads import perifit_payload
from pelvicore.training.routines import get_protocol

PERIFIT_DATA = "0000aa41-0000-1000-8000-00805f9b34fb"


@dataclass
class Workers:
    """Two ``pelvicore serve`` processes on one PostgreSQL schema and the test Redis, and a token for both."""

    token: str
    first: int
    second: int
    a: subprocess.Popen[bytes]
    b: subprocess.Popen[bytes]


@pytest.fixture
def two_workers(pg_db_url: str, tmp_path: Path) -> Iterator[Workers]:
    token = user_token(pg_db_url)
    redis = redis_url()
    first, second = free_port(), free_port()
    a = start_worker(pg_db_url, redis, first, tmp_path / "a.log")
    try:
        b = start_worker(pg_db_url, redis, second, tmp_path / "b.log")
        try:
            yield Workers(token, first, second, a, b)
        finally:
            stop(b)
    finally:
        stop(a, kill=True)


def messages(port: int, session_id: str, token: str, *, until: str = "end", timeout_s: float = 60) -> list[dict]:
    """What a page connected to the worker on ``port`` receives, up to the first message of type ``until``."""
    url = f"ws://127.0.0.1:{port}/ws/sessions/{session_id}"
    received = []
    with connect(url, additional_headers=bearer(token), open_timeout=10, max_size=None) as ws:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            received.append(message)
            if message["type"] == until:
                break
    return received


def first_frame(port: int, session_id: str, token: str) -> None:
    """Wait until a page connected to the worker on ``port`` is sent a frame of the session."""
    url = f"ws://127.0.0.1:{port}/ws/sessions/{session_id}"
    with connect(url, additional_headers=bearer(token), open_timeout=10, max_size=None) as ws:
        while (kind := json.loads(ws.recv(timeout=30))["type"]) != "frame":
            assert kind != "end", "the session ended before its first frame"


def status_of(port: int, session_id: str, token: str) -> dict:
    response = httpx.get(f"http://127.0.0.1:{port}/api/sessions/{session_id}", headers=bearer(token), timeout=10)
    response.raise_for_status()
    return response.json()


def trace_samples(port: int, session_id: str, token: str) -> int:
    url = f"http://127.0.0.1:{port}/api/sessions/{session_id}/trace?max_points=10000000"
    return len(httpx.get(url, headers=bearer(token), timeout=30).json()["t_s"])


def start_session(port: int, token: str, **body: object) -> str:
    response = httpx.post(f"http://127.0.0.1:{port}/api/sessions", headers=bearer(token), json=body, timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_a_session_started_on_one_worker_streams_to_its_end_through_another(two_workers: Workers) -> None:
    token, first, second = two_workers.token, two_workers.first, two_workers.second
    session_id = start_session(first, token, routine="quick-check", speed=10, seed=3)
    received = messages(second, session_id, token)
    kinds = [m["type"] for m in received]
    assert kinds[-1] == "end" and received[-1]["status"] == "completed"
    assert kinds.count("frame") > 20
    contractions = [m for m in received if m["type"] == "contraction"]
    stored = status_of(first, session_id, token)
    assert len(contractions) == stored["contraction_count"] >= 5  # every one, none twice
    assert [c["onset_s"] for c in contractions] == sorted(c["onset_s"] for c in contractions)
    cues = [m for m in received if m["type"] == "cue"]
    assert len(cues) >= len(stored["cues"])  # every cue it gave (plus the countdown's)

    # Stop, sent to the worker that does not run it, reaches the one that does: once it has recorded something
    # (a frame seen through the other worker; a fixed wait could end before a loaded worker's first frame).
    session_id = start_session(first, token, routine="daily", speed=1, seed=4)
    first_frame(second, session_id, token)
    response = httpx.post(
        f"http://127.0.0.1:{second}/api/sessions/{session_id}/stop", headers=bearer(token), timeout=10
    )
    assert response.status_code == 200, response.text
    received = messages(second, session_id, token)
    assert received[-1]["type"] == "end" and received[-1]["status"] == "stopped"
    assert status_of(second, session_id, token)["status"] == "stopped"
    assert trace_samples(second, session_id, token) > 0  # what was recorded is kept


def test_a_killed_workers_sessions_end_interrupted_with_their_samples(two_workers: Workers) -> None:
    token, first, second = two_workers.token, two_workers.first, two_workers.second
    session_id = start_session(first, token, routine="daily", speed=1, seed=5)
    # A few seconds of samples, written every second: waited for in the store, not guessed from a fixed wait.
    written_by = time.monotonic() + 30
    while (written := trace_samples(second, session_id, token)) < 50:
        assert time.monotonic() < written_by, f"only {written} samples stored after 30 s"
        time.sleep(0.2)
    stop(two_workers.a, kill=True)
    killed_at = time.monotonic()
    while status_of(second, session_id, token)["status"] == "running":
        assert time.monotonic() - killed_at < 15, "the session was not marked interrupted within 15 s"
        time.sleep(0.5)
    record = status_of(second, session_id, token)
    assert record["status"] == "interrupted"
    assert "server process" in record["end_reason"]
    samples = trace_samples(second, session_id, token)
    assert samples >= written >= 50  # what was written before the kill is kept (at 50 Hz, at least a second)

    # Any worker resumes it, from its last sample.
    response = httpx.post(
        f"http://127.0.0.1:{second}/api/sessions/{session_id}/resume", headers=bearer(token), timeout=10
    )
    assert response.status_code == 200, response.text
    assert status_of(second, session_id, token)["status"] == "running"
    httpx.post(f"http://127.0.0.1:{second}/api/sessions/{session_id}/stop", headers=bearer(token), timeout=10)
    received = messages(second, session_id, token)
    assert received[-1]["status"] == "stopped"
    assert trace_samples(second, session_id, token) > samples


def test_a_watcher_on_another_worker_is_told_when_the_running_worker_dies(two_workers: Workers) -> None:
    token, first, second = two_workers.token, two_workers.first, two_workers.second
    session_id = start_session(first, token, routine="daily", speed=1, seed=6)
    url = f"ws://127.0.0.1:{second}/ws/sessions/{session_id}"
    last = None
    with connect(url, additional_headers=bearer(token), open_timeout=10, max_size=None) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] in ("frame", "cue", "sensor")
        stop(two_workers.a, kill=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            last = json.loads(ws.recv(timeout=20))
            if last["type"] in ("end", "reconnect"):
                break
    # Told at once that it ended, or (when its worker's silence is noticed before the sweep) to reconnect, as
    # the live page does: then it is told how the session ended.
    while last is not None and last["type"] == "reconnect" and time.monotonic() < deadline:
        time.sleep(1.0)
        with connect(url, additional_headers=bearer(token), open_timeout=10, max_size=None) as ws:
            while (last := json.loads(ws.recv(timeout=20)))["type"] not in ("end", "reconnect"):
                pass
    assert last is not None and last["type"] == "end", last
    if last["status"] == "running":  # reconnected before the sweep: it reads the stored session until it ends
        while status_of(second, session_id, token)["status"] == "running" and time.monotonic() < deadline + 10:
            time.sleep(0.5)
        last = {"status": status_of(second, session_id, token)["status"]}
    assert last["status"] == "interrupted"


def test_redis_restarting_mid_session_loses_no_sample(pg_db_url: str, tmp_path: Path) -> None:
    token = user_token(pg_db_url)
    with own_redis(tmp_path) as (redis, redis_proc):
        port = free_port()
        worker = start_worker(pg_db_url, redis, port, tmp_path / "a.log")
        try:
            session_id = start_session(port, token, routine="quick-check", speed=6, seed=7)
            time.sleep(1.0)
            redis_proc.kill()
            redis_proc.wait(5)
            time.sleep(1.0)
            redis_port = int(redis.rsplit(":", 1)[1].split("/")[0])
            restarted = start_redis("redis-server", redis_port, tmp_path)
            try:
                received = messages(port, session_id, token, timeout_s=120)
                assert received[-1]["type"] == "end" and received[-1]["status"] == "completed"
                record = status_of(port, session_id, token)
                fs_hz = record["fs_hz"]
                samples = trace_samples(port, session_id, token)
                # Every sample of the routine was recorded (the simulator's own dropouts are NaN, still samples).
                assert samples >= int(fs_hz * get_protocol("quick-check").duration_s) - 1
            finally:
                restarted.kill()
                restarted.wait(5)
        finally:
            stop(worker)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--workers", "2"], "needs PostgreSQL"),
        (["--workers", "2", "--database-url", "postgresql://nobody@127.0.0.1/test"], "needs Redis"),
        (["--redis-url", "redis://127.0.0.1:6379/0", "--database-url", "sqlite:///x.db"], "PostgreSQL"),
        (
            ["--redis-url", "redis://127.0.0.1:1/0", "--database-url", "postgresql://nobody@127.0.0.1/test"],
            "reach Redis",
        ),
        (["--redis-url", "http://redis.example", "--database-url", "postgresql://x@127.0.0.1/test"], "not a Redis"),
    ],
)
def test_several_workers_without_postgresql_or_redis_refuse_to_start_in_one_line(
    options: list[str], expected: str, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pelvicore", "serve", "--port", str(free_port()), *options],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_a_browser_trainer_streams_through_a_worker_that_does_not_run_its_session(two_workers: Workers) -> None:
    """Her page's WebSocket lands on the other worker: its trainer's payloads reach the running worker."""
    token, first, second = two_workers.token, two_workers.first, two_workers.second
    session_id = start_session(first, token, source="browser", device_profile="perifit", routine="quick-check")
    url = f"ws://127.0.0.1:{second}/ws/sessions/{session_id}"
    contractions = []
    with connect(url, additional_headers=bearer(token), open_timeout=10, max_size=None) as ws:
        ws.send(json.dumps({"type": "sensor", "state": "connected", "name": "Perifit_o)", "battery": 64}))
        rng = np.random.default_rng(1)
        started = time.monotonic()  # paced by the clock, as a trainer sends, not falling behind on a busy machine
        for i in range(100):  # 5 s at 20 Hz with one 2 s squeeze, on a noisy rest
            floor = 20.0 + rng.normal(0, 0.4) + (25.0 * min(1.0, (i - 40) / 6) if 40 <= i < 80 else 0.0)
            payload = {"type": "payload", "characteristic": PERIFIT_DATA, "hex": perifit_payload(floor, 2.0).hex()}
            ws.send(json.dumps(payload))
            time.sleep(max(0.0, started + (i + 1) * 0.05 - time.monotonic()))
        time.sleep(1.5)  # the last analysis block
        response = httpx.post(f"http://127.0.0.1:{second}/api/sessions/{session_id}/stop", headers=bearer(token))
        assert response.status_code == 200
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            message = json.loads(ws.recv(timeout=30))
            if message["type"] == "contraction":
                contractions.append(message)
            if message["type"] == "end":
                break
    assert len(contractions) == 1 and contractions[0]["technique"] == "lift"
    assert 80 <= trace_samples(first, session_id, token) <= 100  # recorded by the worker that runs it


def test_after_redis_restarts_pages_and_stop_work_across_workers_again(pg_db_url: str, tmp_path: Path) -> None:
    token = user_token(pg_db_url)
    with own_redis(tmp_path) as (redis, redis_proc):
        first, second = free_port(), free_port()
        a = start_worker(pg_db_url, redis, first, tmp_path / "a.log")
        b = start_worker(pg_db_url, redis, second, tmp_path / "b.log")
        restarted = None
        try:
            session_id = start_session(first, token, routine="daily", speed=1, seed=8)
            url = f"ws://127.0.0.1:{second}/ws/sessions/{session_id}"
            with connect(url, additional_headers=bearer(token), open_timeout=10, max_size=None) as ws:
                assert json.loads(ws.recv(timeout=10))["type"] in ("frame", "cue", "sensor")
                redis_proc.kill()
                redis_proc.wait(5)
                time.sleep(3.0)  # longer than the workers' first attempts to subscribe again
                restarted = start_redis("redis-server", int(redis.rsplit(":", 1)[1].split("/")[0]), tmp_path)
                kind = None
                with contextlib.suppress(ConnectionClosed):
                    while (kind := json.loads(ws.recv(timeout=20))["type"]) != "reconnect":
                        pass
                assert kind == "reconnect"  # told, not left hanging or cut off without a word
            # The page connects again: the running worker has written its session into the new Redis.
            deadline = time.monotonic() + 20
            while True:
                with connect(url, additional_headers=bearer(token), open_timeout=10, max_size=None) as ws:
                    first_message = json.loads(ws.recv(timeout=10))
                    if first_message["type"] != "end" or time.monotonic() > deadline:
                        break
                time.sleep(1.0)
            assert first_message["type"] in ("frame", "cue", "contraction"), first_message
            with connect(url, additional_headers=bearer(token), open_timeout=10, max_size=None) as ws:
                ws.recv(timeout=10)
                response = httpx.post(
                    f"http://127.0.0.1:{second}/api/sessions/{session_id}/stop", headers=bearer(token)
                )
                assert response.status_code == 200, response.text  # control crosses the new Redis too
                while (message := json.loads(ws.recv(timeout=20)))["type"] != "end":
                    pass
            assert message["status"] == "stopped"
        finally:
            stop(a)
            stop(b)
            if restarted is not None:
                restarted.kill()
                restarted.wait(5)
