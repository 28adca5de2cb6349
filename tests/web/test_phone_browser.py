"""In Chromium: the service worker keeps the offline page and the static shell, and her phone card over HTTPS
(a sign-in link that works in a fresh browser once). Screenshots at 375 and 1280 px in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from https_server import HttpsServer, served_https
from playwright.sync_api import Browser, expect
from signed_in import signin_link, user_token
from web_server import chromium, free_port, shot, start_server

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_offline_the_service_worker_shows_its_page_and_keeps_the_stylesheet(browser: Browser, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    user_token(url)  # the local owner exists
    port = free_port()
    proc = start_server(url, port, "--ble", "none")
    base = f"http://127.0.0.1:{port}"  # this computer: a secure context, as HTTPS is
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(base + signin_link(url))
        expect(page.get_by_role("heading", name="Train your pelvic floor")).to_be_visible()
        scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
        assert scope == base + "/"
        page.reload()  # now the worker controls the page
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        kept = page.evaluate("caches.keys().then((names) => Promise.all(names.map((n) => caches.open(n)"
                             ".then((c) => c.keys())))).then((lists) => lists.flat().map((r) => r.url))")  # fmt: skip
        assert base + "/static/app.css" in kept and base + "/static/offline.html" in kept
        assert not [k for k in kept if not k.startswith(base + "/static/")], kept  # no page, no API answer
    finally:
        proc.terminate()
        proc.wait(10)
    try:
        page.reload()
        expect(page.get_by_role("heading", name="pelvicore cannot be reached")).to_be_visible()
        assert "none of them are shown here" in page.inner_text("main")
        # The kept stylesheet styles it: the header has the app's colour.
        assert (
            page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor") == "rgb(107, 45, 143)"
        )
        shot(page, "offline-375")
    finally:
        context.close()


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsServer]:
    with served_https(tmp_path_factory.mktemp("phone")) as s:
        yield s


def test_her_phone_card_over_https(browser: Browser, https_server: HttpsServer) -> None:
    # Chromium is told to accept the certificate here; test_https_serve checks it against the CA.
    context = browser.new_context(viewport=DESKTOP, ignore_https_errors=True)
    try:
        page = context.new_page()
        page.goto(https_server.url + https_server.admin_signin_path())
        card = page.locator("#phone-card")
        expect(card.get_by_role("heading", name="Use your phone as the screen")).to_be_visible()
        qr = card.get_by_role("img", name="QR code of https://")
        expect(qr.first).to_be_visible()
        assert qr.first.locator("svg").bounding_box()["width"] >= 200  # type: ignore[index]
        assert card.get_by_role("link", name="Download pelvicore's certificate").get_attribute("href") == (
            "/pelvicore-ca.crt"
        )
        # By keyboard: Tab reaches the button, Enter makes the link, the status line says so.
        button = card.get_by_role("button", name="Make a sign-in link for your phone")
        button.focus()
        page.keyboard.press("Enter")
        expect(card.get_by_role("status")).to_contain_text("Your sign-in link is ready")
        expect(card.get_by_role("img", name="QR code of your phone's sign-in link").locator("svg")).to_be_visible()
        expect(card.locator("#phone-link-expiry")).to_contain_text("It works once, within 60 minutes")
        link = card.locator("#phone-link-url").inner_text()
        assert link.startswith("https://") and "/signin/link?token=" in link
        card.scroll_into_view_if_needed()
        shot(page, "phone-card-1280")
        page.set_viewport_size(PHONE)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing off the side
        shot(page, "phone-card-375")
    finally:
        context.close()
    # Her phone: a fresh browser follows the link once and is signed in; a second time it is not.
    for attempt in range(2):
        phone = browser.new_context(viewport=PHONE, ignore_https_errors=True)
        try:
            page = phone.new_page()
            page.goto(link)
            heading = "Train your pelvic floor" if attempt == 0 else "Sign in"
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            if attempt == 0:
                shot(page, "phone-signed-in-375")
        finally:
            phone.close()
