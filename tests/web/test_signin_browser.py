"""Signing in and out in Chromium: the one-time link, the account page, sign-out, and a second person who sees
none of the first one's sessions."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from web_server import Server, chromium, served, shot

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with served(tmp_path_factory.mktemp("signin"), "--ble", "none") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_the_link_signs_in_and_sign_out_ends_it(browser: Browser, server: Server) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/history")
    expect(page).to_have_url(server + "/signin?next=%2Fhistory")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Using pelvicore on your own computer?")).to_be_visible()
    shot(page, "signin-phone")
    page.goto(server.signin_url())
    expect(page.get_by_role("heading", name="Train your pelvic floor")).to_be_visible()
    cookies = context.cookies()
    by_name = {c["name"]: c for c in cookies}
    assert sorted(by_name) == ["pelvicore_session", "pelvicore_tz"] and by_name["pelvicore_session"]["httpOnly"]
    assert by_name["pelvicore_tz"]["value"] == page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    # A change made from a page carries the page's CSRF token: start a session and let it finish.
    page.get_by_label("Routine").select_option("quick-check")
    page.get_by_label("Speed").select_option("10")
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url("**/live")
    expect(page.get_by_role("link", name="See the summary")).to_be_visible(timeout=30_000)
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_text("More").click()  # on a phone, Account is under "More"
    menu.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="Your account", exact=True)).to_be_visible()
    expect(page.get_by_text("(this browser)")).to_be_visible()
    shot(page, "account-phone")
    page.set_viewport_size(DESKTOP)
    shot(page, "account-desktop")
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(server + "/history")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert not errors, errors
    context.close()


def test_a_second_person_sees_none_of_the_first_ones_sessions(browser: Browser, server: Server) -> None:
    subprocess.run(
        [sys.executable, "-m", "pelvicore", "users", "create", "second@example.org", "--password-stdin",
         "--database-url", server.database_url],
        input="the second person's passphrase\n", text=True, check=True, capture_output=True,
    )  # fmt: skip
    first = browser.new_context(viewport=DESKTOP)
    mine = first.new_page()
    mine.goto(server.signin_url())
    mine.goto(server + "/history")
    first_session = mine.locator("#history-table tbody a").first.get_attribute("href")
    assert first_session is not None and first_session.startswith("/sessions/")
    second = browser.new_context(viewport=PHONE)
    page = second.new_page()
    page.goto(server + "/")
    page.get_by_label("Email").fill("second@example.org")
    page.get_by_label("Password").fill("the second person's passphrase")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Train your pelvic floor")).to_be_visible()
    page.goto(server + "/history")
    expect(page.get_by_text("No sessions yet.")).to_be_visible()
    response = page.goto(server + first_session)
    assert response is not None and response.status == 404
    assert page.request.get(server + "/api" + first_session).status == 404
    # She deletes her session from its summary page: gone from her history too.
    mine.goto(server + first_session)
    mine.once("dialog", lambda dialog: dialog.accept())
    mine.get_by_role("button", name="Delete this session").click()
    mine.wait_for_url(server + "/history")
    expect(mine.get_by_text("No sessions yet.")).to_be_visible()
    first.close()
    second.close()
