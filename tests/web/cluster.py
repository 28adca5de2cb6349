"""Several real ``pelvicore serve`` processes sharing one PostgreSQL schema and one Redis."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_server import free_port, wait_until_healthy

REDIS_URL = os.environ.get("PELVICORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_url() -> str:
    """The test Redis, or the test fails saying it is missing (it runs on every machine these tests run on)."""
    host, port = REDIS_URL.removeprefix("redis://").split("/")[0].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError as exc:
        pytest.fail(f"Redis is unreachable at {REDIS_URL}: {exc}")
    return REDIS_URL


@contextlib.contextmanager
def own_redis(folder: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A private ``redis-server`` on a free port (to stop and restart without touching the shared one)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed")
    port = free_port()
    proc = start_redis(binary, port, folder)
    try:
        yield f"redis://127.0.0.1:{port}/0", proc
    finally:
        proc.kill()
        proc.wait(10)


def start_redis(binary: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"redis-server on port {port} did not start")


def start_worker(database_url: str, redis: str, port: int, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    """``pelvicore serve`` on ``port``, answering /api/health within 30 s; its output goes to ``log``."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pelvicore", "serve", "--port", str(port), "--database-url", database_url,
             "--redis-url", redis, "--ble", "none", *extra],
            stdout=out, stderr=out,
        )  # fmt: skip
    wait_until_healthy(proc, f"http://127.0.0.1:{port}", log=log)
    return proc


def stop(proc: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
