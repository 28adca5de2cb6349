"""The pages in a real browser: Playwright driving Debian's Chromium, headless, against a real server.

Screenshots land in ``test-artifacts/`` (phone width and desktop) for a person to look at.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from web_server import CHROMIUM, Server, chromium, served, shot


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with served(tmp_path_factory.mktemp("browser")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.mark.parametrize(
    ("label", "viewport"), [("phone", {"width": 375, "height": 812}), ("desktop", {"width": 1280, "height": 900})]
)
def test_a_session_from_home_to_history(browser: Browser, server: Server, label: str, viewport: dict[str, int]) -> None:
    page = browser.new_page(viewport=viewport, extra_http_headers=server.headers)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/")
    expect(page.get_by_role("heading", name="Train your pelvic floor")).to_be_visible()
    page.get_by_label("Routine").select_option("quick-check")
    page.get_by_label("Speed").select_option("10")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url("**/live")
    chart = page.locator("#chart canvas")
    expect(chart).to_be_visible()
    expect(page.locator("#count")).not_to_have_text("0", timeout=15_000)  # contractions counted
    # A squeeze's size is measured from her rest level, and says so (the chart's line starts at her rest).
    expect(page.locator("#last-peak")).to_have_text(re.compile(r"^\d+\.\d cmH2O above rest$"))
    # The trace moves: the newest sample time advances and the canvas changes with it.
    first = chart.screenshot()
    now = float(page.locator("#live").get_attribute("data-latest") or 0)
    page.wait_for_function(f"() => Number(document.getElementById('live').dataset.latest) > {now + 0.5}")
    page.wait_for_timeout(100)
    second = chart.screenshot()
    assert second != first  # the trace moves
    shot(page, f"live-{label}")
    expect(page.get_by_role("link", name="See the summary")).to_be_visible(timeout=20_000)
    count = int(page.locator("#count").inner_text())
    assert count >= 8
    # The end says what happened, and the server's one sentence on how it went.
    expect(page.locator("#cue")).to_have_text("Session complete.")
    expect(page.locator("#feedback")).to_be_visible()
    said = page.locator("#feedback").inner_text()
    assert said and "0 %" not in said
    page.get_by_role("link", name="See the summary").click()
    expect(page.locator("#summary-count")).to_have_text(str(count))
    expect(page.locator("#feedback")).to_have_text(said)
    expect(page.locator("#trace canvas")).to_be_visible()
    shot(page, f"summary-{label}")
    page.get_by_role("link", name="All sessions").click()
    expect(page.locator("#history-table tbody tr").first).to_contain_text("Quick check")
    expect(page.locator(".history-chart canvas")).to_have_count(4)
    shot(page, f"history-{label}")
    # Keyboard: the skip link is the first stop and jumps to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert not errors, errors
    page.close()


def test_chromium_is_debians() -> None:
    version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, check=True).stdout
    assert "Chromium" in version
