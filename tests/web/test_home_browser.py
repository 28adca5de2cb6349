"""The home page's Start button in Chromium: one press (or three impatient ones) makes one session."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, expect
from web_server import Server, chromium, served, shot


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


@pytest.mark.parametrize(
    ("label", "viewport"), [("phone", {"width": 375, "height": 812}), ("desktop", {"width": 1280, "height": 900})]
)
def test_the_first_run_teaches_step_by_step(
    browser: Browser, server: Server, label: str, viewport: dict[str, int]
) -> None:
    page = browser.new_page(viewport=viewport, extra_http_headers=server.headers)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/welcome")
    expect(page.locator("#step-count")).to_have_text("Step 1 of 5")
    expect(page.get_by_role("heading", name="1. Your pelvic floor, and a squeeze done right")).to_be_visible()
    expect(page.get_by_text("Breathe out")).to_be_visible()
    page.get_by_text("Why, and where this comes from").click()
    expect(page.get_by_text("NICE CG171 and QS77")).to_be_visible()
    shot(page, f"welcome-1-{label}")
    titles = ["2. Choose a sensor", "3. Put it in and pair it", "4. Your first session measures you"]
    for title in titles:
        page.get_by_role("button", name="Next").click()
        heading = page.get_by_role("heading", name=title)
        expect(heading).to_be_visible()
        expect(heading).to_be_focused()  # a screen reader hears the new step
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.get_by_text("Perifit Care / Care+ — Two pressure zones")).to_be_attached()
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#step-count")).to_have_text("Step 5 of 5")
    expect(page.get_by_role("button", name="Next")).to_be_hidden()
    expect(page.get_by_role("link", name="Make my plan").first).to_have_attribute("href", "/programme")
    shot(page, f"welcome-5-{label}")
    page.get_by_role("button", name="Back").click()
    expect(page.locator("#step-count")).to_have_text("Step 4 of 5")
    page.get_by_role("link", name="skip them").click()
    page.wait_for_url(server + "/")
    assert not errors, errors
    page.close()


def test_the_first_run_is_reachable_later_from_the_start_page(browser: Browser, server: Server) -> None:
    page = browser.new_page(extra_http_headers=server.headers)
    page.goto(server + "/")
    page.get_by_role("link", name="How pelvicore works").click()
    page.wait_for_url("**/welcome")
    page.close()


def test_leaving_a_running_session_asks_first_and_a_stopped_one_lets_go(browser: Browser, server: Server) -> None:
    page = browser.new_page(extra_http_headers=server.headers)
    page.goto(server + "/")
    page.get_by_label("Routine").select_option("quick-check")
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url("**/live")
    expect(page.locator("#count")).to_be_visible()
    asked: list[str] = []

    def stay(dialog: Dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()  # "Stay on page"

    page.on("dialog", stay)
    page.get_by_role("link", name="Progress").click()
    for _ in range(100):  # the dialog, within 10 s (a fixed half second can be too short for a busy browser)
        if asked:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(500)  # and, dismissed, it stays
    assert asked == ["beforeunload"] and page.url.endswith("/live")
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_role("link", name="See the summary")).to_be_visible(timeout=10_000)
    page.get_by_role("link", name="Progress").click()
    page.wait_for_url("**/progress")
    assert asked == ["beforeunload"]  # not asked again once the session had ended
    page.close()
