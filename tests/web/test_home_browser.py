"""The home page's Start button in Chromium: one press (or three impatient ones) makes one session."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect
from web_server import Server, chromium, served


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with served(tmp_path_factory.mktemp("home")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_three_quick_presses_on_start_make_one_session(browser: Browser, server: Server) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 812}, extra_http_headers=server.headers)
    page.goto(server + "/")
    page.get_by_label("Routine").select_option("quick-check")
    start = page.get_by_role("button", name="Start session")
    expect(start).to_be_enabled()
    # Three presses before the server has answered the first (the clicks run back to back in the page).
    page.evaluate("() => { const b = document.getElementById('start'); b.click(); b.click(); b.click(); }")
    page.wait_for_url("**/live")
    sessions = httpx.get(server + "/api/sessions", headers=server.headers).json()
    assert len(sessions) == 1, [s["id"] for s in sessions]
    httpx.post(f"{server}/api/sessions/{sessions[0]['id']}/stop", headers=server.headers)
    # Back to the home page: Start works again.
    page.go_back()
    expect(page.get_by_role("button", name="Start session")).to_be_enabled()
    page.close()
