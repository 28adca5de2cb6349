"""A clinic's deployment, from local processes: Debian's Caddy running ``deploy/Caddyfile`` (HTTPS from its own
authority, ``tls internal``) in front of two ``pelvicore serve`` workers on one PostgreSQL schema and the test
Redis, driven by Chromium over HTTPS at ``clinic.test``.

The shipped Caddyfile runs unchanged; its environment points it at worker A, and one extra rule (the hook it
imports, ``CADDY_EXTRA``) sends requests carrying the cookie ``pelvicore_worker=b`` to worker B. Both routes name
the worker that answered in a response header, so the test knows which worker served which browser.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cluster import free_port, redis_url, start_worker, stop
from playwright.sync_api import BrowserContext, Page, Response, WebSocket, expect
from signed_in import signin_link
from web_server import chromium, shot

CADDYFILE = Path(__file__).parents[2] / "deploy" / "Caddyfile"
DOMAIN = "clinic.test"
UPSTREAM_HEADER = "x-pelvicore-upstream"

# Test-only rules, imported into the site by the shipped Caddyfile's CADDY_EXTRA hook.
ROUTE_TO_B = """
header {
	defer
	X-Pelvicore-Upstream {http.reverse_proxy.upstream.hostport}
}
@worker_b header Cookie *pelvicore_worker=b*
handle @worker_b {
	reverse_proxy 127.0.0.1:%(b)d {
		health_uri /api/health
	}
}
"""


def caddy_binary() -> str:
    binary = shutil.which("caddy")
    if binary is None:
        pytest.fail("Caddy is not installed: the test command installs Debian's caddy package")
    return binary


@contextlib.contextmanager
def caddy(folder: Path, *, worker_a: int, worker_b: int, http_port: int, https_port: int) -> Iterator[Path]:
    """``caddy run`` on ``deploy/Caddyfile``, its state in ``folder`` (never the system's); yields its log file."""
    extra = folder / "route-to-b.caddy"
    extra.write_text(ROUTE_TO_B % {"b": worker_b})
    env = {
        **os.environ,
        "HOME": str(folder / "home"),
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
        "PELVICORE_DOMAIN": DOMAIN,
        "CADDY_TLS": "internal",
        "PELVICORE_UPSTREAMS": f"127.0.0.1:{worker_a}",
        "CADDY_HTTP_PORT": str(http_port),
        "CADDY_HTTPS_PORT": str(https_port),
        "CADDY_ADMIN": "off",
        "CADDY_EXTRA": str(extra),
    }
    log = folder / "caddy.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [caddy_binary(), "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=env, stdout=out, stderr=out, cwd=folder,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"caddy exited: {log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", https_port), timeout=0.5).close()
                break
            assert time.monotonic() < deadline, f"caddy did not listen within 20 s: {log.read_text()[-3000:]}"
            time.sleep(0.1)
        yield log
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def clinic(pg_db_url: str, tmp_path: Path) -> Iterator[dict[str, int]]:
    """Two workers behind Caddy; yields the ports."""
    redis = redis_url()
    ports = {"a": free_port(), "b": free_port(), "http": free_port(), "https": free_port()}
    a = start_worker(pg_db_url, redis, ports["a"], tmp_path / "a.log", "--allowed-host", DOMAIN)
    try:
        b = start_worker(pg_db_url, redis, ports["b"], tmp_path / "b.log", "--allowed-host", DOMAIN)
        try:
            with caddy(
                tmp_path, worker_a=ports["a"], worker_b=ports["b"], http_port=ports["http"], https_port=ports["https"]
            ):
                yield ports
        finally:
            stop(b)
    finally:
        stop(a)


def served_by(response: Response | None) -> int:
    assert response is not None and response.ok, response and response.status
    upstream = response.headers.get(UPSTREAM_HEADER, "")
    return int(upstream.rpartition(":")[2])


def header_count(response: Response, name: str) -> int:
    return sum(1 for h in response.headers_array() if h["name"].lower() == name)


def signed_in(context: BrowserContext, base: str, database_url: str) -> Page:
    page = context.new_page()
    served_by(page.goto(base + signin_link(database_url)))
    cookies = {c["name"]: c for c in context.cookies()}
    session_cookie = cookies["__Host-pelvicore_session"]  # the HTTPS name: Secure, Path=/, no Domain
    assert session_cookie["secure"] and session_cookie["httpOnly"]
    return page


def test_a_session_on_one_worker_is_watched_through_caddy_from_the_other(
    pg_db_url: str, clinic: dict[str, int]
) -> None:
    base = f"https://{DOMAIN}:{clinic['https']}"

    # Plain HTTP on the same name answers with a permanent redirect to HTTPS (Caddy 2.6 names no port in it:
    # on a server, 443).
    answer = httpx.get(f"http://127.0.0.1:{clinic['http']}/sessions?x=1", headers={"Host": DOMAIN}, timeout=10)
    assert answer.status_code == 308
    assert re.fullmatch(rf"https://{DOMAIN}(:{clinic['https']})?/sessions\?x=1", answer.headers["location"])

    flags = (f"--host-resolver-rules=MAP {DOMAIN} 127.0.0.1",)
    with chromium(*flags) as browser:
        # Caddy's local authority is not in Chromium's store; the test trusts it by ignoring its errors.
        a = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
        b = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
        b.add_cookies([{"name": "pelvicore_worker", "value": "b", "url": base}])
        try:
            her = signed_in(a, base, pg_db_url)
            watcher = signed_in(b, base, pg_db_url)
            home = her.goto(base + "/")
            assert served_by(home) == clinic["a"]
            assert header_count(home, "strict-transport-security") == 1  # the app's own, not doubled by Caddy
            assert header_count(home, "content-security-policy") == 1
            assert "server" not in home.headers

            her.get_by_label("Routine").select_option("quick-check")
            her.get_by_label("Speed").select_option("10")
            with her.expect_response(lambda r: r.url.endswith("/api/sessions") and r.request.method == "POST") as made:
                her.get_by_role("button", name="Start session").click()
            assert made.value.status == 201 and served_by(made.value) == clinic["a"]  # it runs on worker A
            her.wait_for_url(re.compile(r".*/sessions/[0-9a-f]+/live$"))  # her own page follows it there
            session_id = her.url.split("/")[-2]

            sockets: list[WebSocket] = []
            watcher.on("websocket", lambda ws: sockets.append(ws))
            errors: list[str] = []
            watcher.on("pageerror", lambda exc: errors.append(str(exc)))
            live = watcher.goto(f"{base}/sessions/{session_id}/live")
            assert served_by(live) == clinic["b"]  # the watching page comes from worker B
            expect(watcher.locator("#chart canvas")).to_be_visible()
            # The trace moves while the session runs on worker A, then each contraction is counted.
            watcher.wait_for_function("() => Number(document.getElementById('live').dataset.latest) > 0")
            latest = float(watcher.locator("#live").get_attribute("data-latest") or 0)
            watcher.wait_for_function(
                f"() => Number(document.getElementById('live').dataset.latest) > {latest + 0.5}", timeout=10_000
            )
            expect(watcher.locator("#count")).not_to_have_text(re.compile(r"^[0-2]$"), timeout=20_000)
            assert [s.url for s in sockets] == [f"wss://{DOMAIN}:{clinic['https']}/ws/sessions/{session_id}"]
            shot(watcher, "deploy-caddy-watching")
            assert not errors, errors
        finally:
            a.close()
            b.close()
