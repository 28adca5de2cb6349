"""The main menu on a phone (375 px) and a desktop (1280 px), on every page linked from home: compact (two rows at
most on a phone, one on a desktop), the current section marked, no sideways scrolling, nothing fetched elsewhere.

Playwright drives Debian's Chromium, headless, against a real server. Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from stored_sessions import store_simulated
from web_server import Server, chromium, served, shot

from pelvicore.store import SessionStore, make_engine

SIZES = [("phone", {"width": 375, "height": 800}), ("desktop", {"width": 1280, "height": 800})]
# The section each page belongs to, by the start of its path (the first that matches).
SECTIONS = [
    ("/welcome", "/"),
    ("/sessions/", "/history"),
    ("/history", "/history"),
    ("/assess", "/assess"),
    ("/programme", "/programme"),
    ("/progress", "/progress"),
    ("/games", "/games"),
    ("/care", "/care"),
    ("/account", "/account"),
    ("/sharing", "/sharing"),
    ("/messages", "/messages"),
]
# Two rows of 48 px tabs would be 96 px; the brand row's 44 px touch target and a few px of padding stay below
# a second tab row, so a phone's menu is at most 2 tab rows tall. A desktop's is one row: under 1.5 of them.
ROWS_AT_MOST = {"phone": 2.0, "desktop": 1.5}
NAV_GEOMETRY = """() => {
  const nav = document.querySelector('nav[aria-label="Main"]');
  const shown = [...nav.querySelectorAll("a, summary")].filter((e) => e.checkVisibility());
  const boxes = shown.map((e) => e.getBoundingClientRect()).sort((a, b) => a.top - b.top);
  let rows = 0, bottom = -Infinity;  // a box that starts below the row so far starts a new row
  for (const box of boxes) {
    if (box.top >= bottom - 1) { rows += 1; bottom = box.bottom; } else bottom = Math.max(bottom, box.bottom);
  }
  const tab = Math.max(...[...nav.querySelectorAll(".nav-main a")].map((a) => a.getBoundingClientRect().height));
  return { height: nav.getBoundingClientRect().height, tab, rows, shown: shown.length };
}"""


def section_of(path: str) -> str:
    return "/" if path == "/" else next(href for prefix, href in SECTIONS if path.startswith(prefix))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose owner has a plan and a few sessions, so home links to session pages and every page is full."""
    with served(tmp_path_factory.mktemp("navigation")) as url:
        engine = make_engine(url.database_url)
        store = SessionStore(engine)
        user = store.ensure_user()
        store_simulated(store, user, "quick-check", seed=1)
        store_simulated(store, user, "perfect", seed=2)
        plan = {"goal": "strength", "max_squeeze": 20, "max_unit": "cmH2O", "longest_hold_s": 3, "fast_reps": 6}
        made = httpx.post(url + "/api/programme", json=plan, headers=url.headers)
        assert made.status_code == 201, made.text
        store_simulated(store, user, made.json()["routine"], seed=3)
        engine.dispose()
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def check_menu(page: Page, path: str, size: str) -> None:
    nav = page.get_by_role("navigation", name="Main")
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{path} scrolls sideways at {width} px"
    current = nav.locator('a[aria-current="page"]')
    expect(current).to_have_count(1)
    assert current.get_attribute("href") == section_of(path), path
    geometry = page.evaluate(NAV_GEOMETRY)
    assert geometry["height"] <= ROWS_AT_MOST[size] * geometry["tab"], (path, geometry)
    assert geometry["rows"] == (2 if size == "phone" else 1), (path, geometry)
    # The current section is marked so that it shows: a white bar under it, or under "More" when it is in there.
    shown = current.is_visible()
    marked = current if shown else nav.locator("summary")
    style = "getComputedStyle(e).borderBottomColor + ' ' + getComputedStyle(e).boxShadow"
    assert "rgb(255, 255, 255)" in marked.evaluate(f"(e) => {style}"), path
    if size == "desktop":
        assert geometry["shown"] == 11, geometry  # the brand and all 10 sections, in one row


@pytest.mark.parametrize(("size", "viewport"), SIZES)
def test_every_page_from_home_has_a_compact_menu_that_marks_where_she_is(
    browser: Browser, server: Server, size: str, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    elsewhere: list[str] = []
    errors: list[str] = []
    origin = urlsplit(server.url).netloc

    def request(url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("data", "blob") and parts.netloc != origin:
            elsewhere.append(url)

    page.on("request", lambda r: request(r.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.signin_url())
    expect(page).to_have_url(server + "/")
    hrefs = page.evaluate(
        """() => [...new Set([...document.querySelectorAll("a[href]")]
             .filter((a) => a.origin === location.origin && !a.hasAttribute("download"))
             .map((a) => a.pathname))]"""
    )
    assert {"/", "/assess", "/programme", "/progress", "/history", "/games", "/care", "/account"} <= set(hrefs)
    assert any(h.startswith("/sessions/") for h in hrefs)  # her recent sessions
    sessions = 0
    for path in hrefs:
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        check_menu(page, path, size)
        if path.startswith("/sessions/"):
            sessions += 1
            name = f"session-{sessions}"
            technique = page.get_by_role("columnheader", name="Technique")
            if technique.count():  # a session's contractions: every column in view, Technique included
                box, wrap = technique.bounding_box(), page.locator(".table-wrap").first.bounding_box()
                assert box is not None and wrap is not None
                assert box["x"] + box["width"] <= wrap["x"] + wrap["width"], (path, box, wrap)
        else:
            name = "home" if path == "/" else path.strip("/").replace("/", "-")
        shot(page, f"nav-{size}-{name}")
    assert not elsewhere, elsewhere
    assert not errors, errors
    context.close()


def test_more_opens_from_the_keyboard_on_a_phone(browser: Browser, server: Server) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 800}, extra_http_headers=server.headers)
    page.goto(server + "/history")
    nav = page.get_by_role("navigation", name="Main")
    history = nav.get_by_role("link", name="History")
    expect(history).to_be_hidden()  # in "More", which is closed; "More" itself carries the mark
    more = nav.locator("summary")
    more.focus()
    page.keyboard.press("Enter")
    expect(history).to_be_visible()
    expect(history).to_have_attribute("aria-current", "page")
    page.keyboard.press("Tab")  # the first link in the menu: Assess
    assert page.evaluate("document.activeElement.textContent") == "Assess"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # the open menu stays on screen
    shot(page, "nav-phone-more-open")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # closes again
    expect(history).to_be_hidden()
    for name in ("Start", "Programme", "Progress", "Games", "Back care"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    page.close()
