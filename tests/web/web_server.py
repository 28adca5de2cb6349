"""Start a real ``pelvicore serve`` process and Debian's Chromium for browser tests."""

from __future__ import annotations

import contextlib
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, sync_playwright
from signed_in import bearer, signin_link, user_token

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(database_url: str, port: int, *extra: str) -> subprocess.Popen[bytes]:
    # The server's log goes beside its database (a failing test's traceback is there), or nowhere.
    folder = Path(database_url.removeprefix("sqlite:///")).parent if database_url.startswith("sqlite:///") else None
    with contextlib.ExitStack() as files:
        log = files.enter_context(open(folder / "server.log", "ab")) if folder and folder.is_dir() else None
        proc = subprocess.Popen(
            [sys.executable, "-m", "pelvicore", "serve", "--port", str(port), "--database-url", database_url, *extra],
            stdout=log or subprocess.DEVNULL,
            stderr=log or subprocess.DEVNULL,
        )  # the child keeps its own copy of the log file
    wait_until_healthy(proc, f"http://127.0.0.1:{port}", log=folder / "server.log" if folder else None)
    return proc


def wait_until_healthy(
    proc: subprocess.Popen[bytes], base: str, *, log: Path | None = None, ready: Callable[[], bool] = lambda: True,
    verify: Callable[[], ssl.SSLContext | bool] = lambda: True,
) -> None:  # fmt: skip
    """Wait (30 s at most) until ``base``/api/health answers 200 (once ``ready()``: e.g. its certificate is
    written, then trusted through ``verify()``); a server that ends or stays silent is killed and fails the test
    with the end of its ``log``."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if ready() and httpx.get(base + "/api/health", timeout=1, verify=verify()).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    ended = proc.poll() is not None
    proc.kill()
    proc.wait(10)
    said = log.read_text()[-2000:] if log is not None and log.is_file() else ""
    raise AssertionError(f"pelvicore serve at {base} {'ended' if ended else 'did not answer within 30 s'}: {said}")


class Server(str):
    """A served app's base URL, with the local owner's bearer token for pages and API calls."""

    token: str
    database_url: str

    def __new__(cls, url: str, token: str, database_url: str) -> Server:
        server = super().__new__(cls, url)
        server.token, server.database_url = token, database_url
        return server

    @property
    def url(self) -> str:
        return str(self)

    def signin_url(self) -> str:
        """A fresh one-time sign-in link: following it signs a browser context in with a cookie."""
        return self + signin_link(self.database_url)

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization: Bearer``: pass as ``extra_http_headers`` so a browser page is signed in."""
        return bearer(self.token)


@contextlib.contextmanager
def served(folder: Path, *extra: str) -> Iterator[Server]:
    """A server on a fresh SQLite database in ``folder``; yields its base URL and stops it afterwards."""
    port = free_port()
    database_url = f"sqlite:///{folder / 'db.sqlite3'}"
    token = user_token(database_url)
    proc = start_server(database_url, port, *extra)
    try:
        yield Server(f"http://127.0.0.1:{port}", token, database_url)
    finally:
        proc.terminate()
        proc.wait(10)


@contextlib.contextmanager
def chromium(*extra_flags: str) -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    assert Path(CHROMIUM).exists(), "Chromium is missing: the test command installs it with apt-get"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*FLAGS, *extra_flags])
        try:
            yield browser
        finally:
            browser.close()


def shot(page: Page, name: str) -> None:
    """A full-page screenshot in ``test-artifacts/`` for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
