"""``pelvicore users``, ``pelvicore token`` and ``serve``'s sign-in rules, end to end in fresh processes against a
real server: a token from the command line drives the API and the WebSocket; a second account sees nothing."""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus


def pelvicore(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pelvicore", *args], input=stdin, capture_output=True, text=True, timeout=timeout,
        env=env, check=False,
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


@pytest.fixture
def server(url: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pelvicore", "serve", "--port", str(port), "--database-url", url, "--ble", "none"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.1)
    yield base, proc
    proc.terminate()
    proc.wait(10)
    assert proc.stdout is not None
    proc.stdout.close()


def token_of(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-1]


async def stream(base: str, session_id: str, token: str | None) -> list[dict[str, object]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with websockets.connect(
        base.replace("http", "ws") + f"/ws/sessions/{session_id}", additional_headers=headers
    ) as ws:
        messages = []
        async for raw in ws:
            messages.append(json.loads(raw))
            if messages[-1]["type"] == "end":
                return messages
    return messages


def test_users_and_tokens_from_the_command_line(url: str) -> None:
    made = pelvicore("users", "create", "Clinic.Admin@Example.org", "--role", "admin", "--password-stdin",
                     "--database-url", url, stdin="a long admin passphrase\n")  # fmt: skip
    assert made.returncode == 0 and "created clinic.admin@example.org (admin)" in made.stdout
    again = pelvicore("users", "create", "clinic.admin@example.org", "--database-url", url)
    assert again.returncode == 2 and "exists already" in again.stderr
    short = pelvicore("users", "create", "x@example.org", "--password-stdin", "--database-url", url, stdin="short\n")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    role = pelvicore("users", "create", "y@example.org", "--role", "boss", "--database-url", url)
    assert role.returncode == 2 and "person, clinician or admin" in role.stderr
    token = token_of(pelvicore("token", "create", "--user", "clinic.admin@example.org", "--database-url", url))
    assert token.startswith("pc_") and len(token) > 40
    owner = pelvicore("token", "create", "--database-url", url)
    assert "token for local (person)" in owner.stdout
    listed = pelvicore("users", "list", "--database-url", url)
    assert "clinic.admin@example.org" in listed.stdout and "local" in listed.stdout
    assert "x@example.org" not in listed.stdout
    missing = pelvicore("token", "create", "--user", "nobody@example.org", "--database-url", url)
    assert missing.returncode == 2 and "no account 'nobody@example.org'" in missing.stderr
    assert pelvicore("users", "delete", "clinic.admin@example.org", "--database-url", url).returncode == 0
    assert "clinic.admin" not in pelvicore("users", "list", "--database-url", url).stdout
    assert "--password-stdin" in pelvicore("users", "create", "--help").stdout


def test_a_token_drives_the_api_and_a_second_person_sees_nothing(
    url: str, server: tuple[str, subprocess.Popen[str]]
) -> None:
    base, _ = server
    token = token_of(pelvicore("token", "create", "--database-url", url))
    hers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{base}/api/sessions").status_code == 401
    assert httpx.get(f"{base}/api/sessions", headers=hers).status_code == 200
    session_id = httpx.post(f"{base}/api/sessions", json={"speed": 20, "seed": 5}, headers=hers).json()["id"]
    messages = asyncio.run(stream(base, session_id, token))
    assert messages[-1]["type"] == "end" and sum(m["type"] == "frame" for m in messages) > 20
    with pytest.raises(InvalidStatus) as anonymous:
        asyncio.run(stream(base, session_id, None))
    assert anonymous.value.response.status_code == 401
    made = pelvicore("users", "create", "second@example.org", "--role", "person", "--database-url", url)
    assert made.returncode == 0
    theirs = token_of(pelvicore("token", "create", "--user", "second@example.org", "--database-url", url))
    other = {"Authorization": f"Bearer {theirs}"}
    for path in (f"/api/sessions/{session_id}", f"/api/sessions/{session_id}/trace", f"/sessions/{session_id}"):
        assert httpx.get(base + path, headers=other).status_code == 404, path
    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(stream(base, session_id, theirs))
    assert refused.value.response.status_code == 404
    # Her archive holds the trace; then she deletes her account and the token stops working.
    archive = zipfile.ZipFile(io.BytesIO(httpx.get(f"{base}/api/me/export", headers=hers).content))
    assert f"sessions/{session_id}.csv" in archive.namelist()
    assert archive.read(f"sessions/{session_id}.csv").decode().count("\n") > 100
    assert httpx.delete(f"{base}/api/me", headers=hers).status_code == 204
    assert httpx.get(f"{base}/api/sessions", headers=hers).status_code == 401
    assert httpx.get(f"{base}/api/sessions", headers=other).json() == []


def test_serve_prints_a_one_time_link_on_this_computer(url: str, server: tuple[str, subprocess.Popen[str]]) -> None:
    base, proc = server
    assert proc.stdout is not None
    lines = [proc.stdout.readline().strip() for _ in range(3)]
    assert lines[0] == f"pelvicore is running at {base}/ (Ctrl-C to stop)"
    link = lines[2]
    assert link.startswith(f"{base}/signin/link?token=")
    with httpx.Client() as browser:
        assert browser.get(link, follow_redirects=False).status_code == 303
        assert browser.get(f"{base}/api/me").json()["name"] == "local"
        assert browser.get(link, follow_redirects=False).status_code == 400  # once only


def test_serve_on_the_network_needs_an_admin_first(url: str) -> None:
    port = str(free_port())
    refused = pelvicore("serve", "--host", "0.0.0.0", "--port", port, "--database-url", url, "--ble", "none")
    assert refused.returncode == 2
    assert "needs an admin account first" in refused.stderr
    assert "pelvicore users create you@example.org --role admin --password-stdin" in refused.stderr
    assert "--database-url" in refused.stderr
