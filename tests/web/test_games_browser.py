"""The games in a real browser: Playwright driving Debian's Chromium, headless, against a real server.

Screenshots land in ``test-artifacts/`` (phone width and desktop) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from web_server import Server, chromium, served, shot

SIZES = [("phone", {"width": 375, "height": 812}), ("desktop", {"width": 1280, "height": 900})]
# Every text the status region is given, kept for the test: at 10x speed one message follows another quickly.
STATUS_LOG = """
window.statusLog = [];
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("game-status");
  if (!status) return;
  new MutationObserver(() => window.statusLog.push(status.textContent))
    .observe(status, { childList: true, characterData: true, subtree: true });
});
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with served(tmp_path_factory.mktemp("games")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def choose(page: Page, server: Server, game: str) -> None:
    """Open /games, pick ``game`` at 10x speed, and start it with the keyboard only."""
    page.goto(server + "/games")
    expect(page.get_by_role("heading", name="Games", exact=True)).to_be_visible()
    page.locator(f"#game-{game}").check()
    page.get_by_label("Level").select_option("easy")
    page.get_by_label("Speed").select_option("10")
    page.get_by_label("Speed").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "start-game"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/games/{game}/*")


@pytest.mark.parametrize(("label", "viewport"), SIZES)
def test_the_control_game_from_choice_to_score(
    browser: Browser, server: Server, label: str, viewport: dict[str, int]
) -> None:
    page = browser.new_page(viewport=viewport, extra_http_headers=server.headers)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.add_init_script(STATUS_LOG)
    choose(page, server, "control")
    if label == "phone":
        shot(page, "games-start-phone")
    canvas = page.locator("#game-canvas")
    expect(canvas).to_be_visible()
    status = page.locator("#game-status")
    assert status.get_attribute("aria-live") == "polite" and status.get_attribute("role") == "status"
    # The game moves: time advances, the canvas changes, and targets are announced as she reaches them.
    page.wait_for_function("() => Number(document.getElementById('game').dataset.latest) > 12")
    first = canvas.screenshot()
    page.wait_for_function("() => window.statusLog.some((text) => text.startsWith('Target reached'))", timeout=15_000)
    assert canvas.screenshot() != first
    expect(page.locator("#reached")).not_to_have_text("0")
    shot(page, f"game-control-{label}")
    # At the end the score link takes the focus: Enter follows it.
    link = page.get_by_role("link", name="See your score")
    expect(link).to_be_visible(timeout=30_000)
    expect(link).to_be_focused()
    assert any(text.startswith("Game complete") for text in page.evaluate("window.statusLog"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/score")
    scores = page.locator("#scores > li")
    expect(scores).to_have_count(6)
    for name, unit in [("quality", "%"), ("strength", "cmH2O"), ("speed", "s"), ("control", "%"), ("relaxation", "s")]:
        expect(page.locator(f"#score-{name} .unit").first).to_be_visible()
        expect(page.locator(f"#score-{name}")).to_contain_text(unit)
        expect(page.locator(f"#score-{name} .source")).to_contain_text("Perifit")
    expect(page.locator("#score-endurance")).to_contain_text("not measured in this game")
    shot(page, f"game-score-{label}")
    assert not errors, errors
    page.close()


def test_the_endurance_speed_game_stops_from_the_keyboard(browser: Browser, server: Server) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, extra_http_headers=server.headers)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.add_init_script(STATUS_LOG)
    choose(page, server, "endurance-speed")
    expect(page.locator("#flick-stat")).to_be_visible()
    # The game under way, on screen; the screenshot is taken before the stop is due, not between: the game ends
    # by itself at 86 s (8.6 s at 10x), and a busy browser's screenshot took up to a second, ten of the game's.
    page.wait_for_function("() => Number(document.getElementById('game').dataset.latest) > 40", timeout=15_000)
    shot(page, "game-endurance-speed-desktop")
    # Stop after the first round (a hold and a round of quick squeezes, in either order, end by 51 s).
    page.wait_for_function("() => Number(document.getElementById('game').dataset.latest) > 52", timeout=15_000)
    page.locator("#stop").focus()
    page.keyboard.press("Space")
    link = page.get_by_role("link", name="See your score")
    expect(link).to_be_visible(timeout=10_000)
    expect(page.locator("#game-status")).to_contain_text("Game over")
    link.click()
    expect(page.locator("main")).to_contain_text("Stopped after")
    expect(page.locator("#scores > li")).to_have_count(6)
    expect(page.locator("#score-speed")).to_contain_text("per 10 s")
    expect(page.locator("#score-endurance")).to_contain_text("of the time asked")
    expect(page.locator("#score-control")).to_contain_text("not measured in this game")
    assert not errors, errors
    page.close()
