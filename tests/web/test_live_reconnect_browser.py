"""The live page keeps its session when the link to the server breaks: it reconnects by itself and shows what
the server says then (here, after a restart, that the session was cut short)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
from playwright.sync_api import expect
from signed_in import bearer, signin_link, user_token
from web_server import chromium, free_port, shot, start_server


def test_the_live_page_reconnects_after_the_server_restarts_and_says_the_session_was_cut_short(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    token = user_token(database_url)
    server = start_server(database_url, port)
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 375, "height": 800})
            page.goto(base + signin_link(database_url))
            created = httpx.post(
                base + "/api/sessions", headers=bearer(token), json={"routine": "daily", "speed": 1, "seed": 2}
            )
            session_id = created.json()["id"]
            page.goto(f"{base}/sessions/{session_id}/live")
            expect(page.locator("#cue")).not_to_be_empty(timeout=10_000)
            os.kill(server.pid, signal.SIGKILL)
            server.wait(10)
            expect(page.locator("#status")).to_contain_text("reconnecting", timeout=10_000)
            time.sleep(1.0)
            server = start_server(database_url, port)  # the same address: the page finds it again
            expect(page.locator("#cue")).to_contain_text("cut short", timeout=20_000)
            expect(page.get_by_role("link", name="See the summary")).to_be_visible()
            shot(page, "live-reconnected-375")
    finally:
        server.terminate()
        server.wait(10)
