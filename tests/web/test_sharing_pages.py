"""Her side of sharing with a clinician, as pages: share by email, see and revoke her shares, accept (or not) a
clinician's invitation, read and answer her messages, see what a clinician changed in her programme, let a clinician
watch a session live — and the live page read-only for the clinician watching.

The last test drives Debian's Chromium at 375 px and 1280 px; screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import httpx
import pytest
from clinic_accounts import clinician_token
from playwright.sync_api import Browser, Dialog, expect
from signed_in import BASE_URL, LocalClient, bearer, user_token
from stored_sessions import store_simulated
from web_server import Server, chromium, served, shot

from pelvicore.store import SessionStore, make_engine
from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings

PT = "pt@clinic.example"
BY_HAND = {"goal": "strength", "max_squeeze": 20, "max_unit": "cmH2O", "longest_hold_s": 3, "fast_reps": 6}
SIZES = [("phone", {"width": 375, "height": 800}), ("desktop", {"width": 1280, "height": 800})]


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


@pytest.fixture
def clients(url: str) -> Iterator[tuple[LocalClient, LocalClient]]:
    """Her (the local owner) and a clinician, on one app."""
    her_token, pt_token = user_token(url), clinician_token(url)
    app = create_app(Settings(database_url=url, ble="none"))
    with LocalClient(app, base_url=BASE_URL, headers=bearer(her_token)) as her:
        # Only her client runs the app's lifespan: a session she starts lives on its event loop, not the clinician's.
        yield her, LocalClient(app, base_url=BASE_URL, headers=bearer(pt_token))


def her_session(url: str, routine: str = "quick-check") -> str:
    engine = make_engine(url)
    store = SessionStore(engine)
    try:
        return store_simulated(store, store.ensure_user(), routine, seed=3)
    finally:
        engine.dispose()


def text_of(html: str) -> str:
    """The page's words, tags and runs of white space dropped."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_sharing_page_explains_the_choices_and_links_her_audit_log(clients) -> None:  # type: ignore[no-untyped-def]
    her, _ = clients
    page = her.get("/sharing")
    assert page.status_code == 200
    words = text_of(page.text)
    for text in ("Your clinician's email", "What they may see", "Training", "Back care", "Your diary, questionnaires",
                 "1 month", "3 months", "6 months", "1 year", "Let them record sessions with me in the clinic",
                 "You are not sharing your data with anyone", "Every time a clinician opens your data"):  # fmt: skip
        assert text in words, text
    assert 'id="days-180" name="days" value="180" checked' in page.text  # six months unless she chooses
    assert 'href="/account/audit"' in page.text and '<script src="/static/sharing.js" defer>' in page.text
    # The menu has Sharing and Messages, and marks Sharing here.
    assert '<a href="/sharing" aria-current="page">Sharing</a>' in page.text and 'href="/messages"' in page.text


def test_share_list_and_revoke_through_the_pages_api(clients) -> None:  # type: ignore[no-untyped-def]
    her, _ = clients
    unknown = her.post("/api/shares", json={"clinician_email": "nobody@example.org", "scope": ["training"]})
    assert unknown.status_code == 422 and "no clinician account" in unknown.json()["detail"]
    made = her.post("/api/shares", json={"clinician_email": PT, "scope": ["training"], "days": 90, "in_clinic": True})
    assert made.status_code == 201, made.text
    share = made.json()
    words = text_of(her.get("/sharing").text)
    assert f"{PT} Active Sees your training, and may record sessions with you in the clinic. Since" in words
    assert f'data-id="{share["id"]}"' in her.get("/sharing").text
    assert f"Revoke: stop sharing with {PT}" in her.get("/sharing").text

    assert her.delete(f"/api/shares/{share['id']}").status_code == 204
    page = her.get("/sharing").text
    assert f"{PT} Revoked Sees your training" in text_of(page) and "You stopped it on" in text_of(page)
    assert 'class="secondary revoke"' not in page  # nothing left to revoke
    assert [s["status"] for s in her.get("/api/shares").json()] == ["revoked"]


def test_an_invitation_page_for_a_valid_a_used_and_a_bogus_link(clients) -> None:  # type: ignore[no-untyped-def]
    her, pt = clients
    link = pt.post("/api/clinic/invitations").json()["url"]
    token = link.split("token=", 1)[1]
    page = her.get(link)
    assert page.status_code == 200
    words = text_of(page.text)
    assert f"{PT} asks you to share your pelvicore data" in words
    assert "Accept and share" in words and "Decline" in words and "What they may see" in words
    assert f'data-token="{token}"' in page.text

    accepted = her.post("/api/shares", json={"invitation": token, "scope": ["training", "care"], "days": 30})
    assert accepted.status_code == 201 and accepted.json()["clinician"] == PT
    for used in (link, "/share/accept?token=not-a-real-token", "/share/accept"):
        gone = her.get(used)
        assert gone.status_code == 404, used
        assert "This invitation link does not work" in gone.text and "Nothing has been shared" in gone.text
        assert "data-token" not in gone.text


def test_the_live_page_is_read_only_for_a_clinician_watching(clients, url: str) -> None:  # type: ignore[no-untyped-def]
    her, pt = clients
    session_id = her.post("/api/sessions", json={"routine": "daily", "speed": 1}).json()["id"]  # still running
    mine = her.get(f"/sessions/{session_id}/live").text
    assert 'id="pause"' in mine and 'id="stop"' in mine and "watching" not in mine
    assert 'id="live-view"' not in mine  # no share of her training yet: nobody to let watch
    her.post("/api/shares", json={"clinician_email": PT, "scope": ["care"]})
    assert 'id="live-view"' not in her.get(f"/sessions/{session_id}/live").text  # care only: no sessions

    her.post("/api/shares", json={"clinician_email": PT, "scope": ["training"]})
    mine = her.get(f"/sessions/{session_id}/live").text
    assert "Let my clinician watch this session live" in mine and 'id="live-view"' in mine
    assert her.put(f"/api/sessions/{session_id}/live-view", json={"allowed": True}).json() == {"live_view": True}
    assert 'id="live-view" aria-describedby="live-view-note" checked' in her.get(f"/sessions/{session_id}/live").text

    watched = pt.get(f"/sessions/{session_id}/live")
    assert watched.status_code == 200
    assert "You are watching local's session, read-only." in text_of(watched.text)
    assert 'data-watching="true"' in watched.text
    for control in ('id="pause"', 'id="stop"', 'id="connect-sensor"', 'id="live-view"', "webble.js", "data-next-href"):
        assert control not in watched.text, control
    her.post(f"/api/sessions/{session_id}/stop")

    ended = her_session(url, "perfect")  # an ended session: nothing left to watch live, so no switch
    assert 'id="live-view"' not in her.get(f"/sessions/{ended}/live").text
    watched = pt.get(f"/sessions/{ended}/live").text
    assert "read-only" in watched and 'id="stop"' not in watched
    assert "/assessment" not in watched.split("<main", 1)[1]  # her next step is not the clinician's
    # Revoked: the clinician gets "not found", as for anyone else's session.
    share_id = her.get("/api/shares").json()[0]["id"]
    her.delete(f"/api/shares/{share_id}")
    assert pt.get(f"/sessions/{ended}/live").status_code == 404


def test_her_messages_page_shows_each_thread_and_her_reply_box(clients) -> None:  # type: ignore[no-untyped-def]
    her, pt = clients
    empty = text_of(her.get("/messages").text)
    assert "You have no messages yet. Once you share your data with a clinician" in empty
    her.post("/api/shares", json={"clinician_email": PT, "scope": ["care"]})
    me = her.get("/api/me").json()["id"]
    assert (
        pt.post(f"/api/clinic/patients/{me}/messages", json={"text": "How is your back this week?"}).status_code == 201
    )
    assert ">Messages (1 new)</a>" in her.get("/sharing").text  # the menu counts it
    page = her.get("/messages").text
    words = text_of(page)
    assert f"With {PT} (1 new)" in words and "How is your back this week?" in words
    assert '<label for="reply-' in page and f"Reply to {PT}" in words
    assert '<script src="/static/messages.js" defer>' in page

    clinician_id = her.get("/api/shares").json()[0]["clinician_id"]
    assert her.post("/api/messages/read", json={"clinician_id": clinician_id}).json() == {"marked": 1}
    assert (
        her.post("/api/messages", json={"clinician_id": clinician_id, "text": "Better, thank you."}).status_code == 201
    )
    page = her.get("/messages").text
    assert "(1 new)" not in page and "Messages (" not in page
    order = text_of(page)
    assert order.index("How is your back this week?") < order.index("Better, thank you.")  # newest at the bottom

    her.delete(f"/api/shares/{her.get('/api/shares').json()[0]['id']}")
    ended = text_of(her.get("/messages").text)
    assert "Better, thank you." in ended and f"You no longer share your data with {PT}" in ended


def test_her_programme_says_which_clinician_changed_it_and_why(clients) -> None:  # type: ignore[no-untyped-def]
    her, pt = clients
    assert her.post("/api/programme", json=BY_HAND).status_code == 201
    her.post("/api/shares", json={"clinician_email": PT, "scope": ["training"]})
    me = her.get("/api/me").json()["id"]
    change = pt.post(
        f"/api/clinic/patients/{me}/plan", json={"hold_s": 5, "note": "Your holds are steady: a bit longer."}
    )
    assert change.status_code == 200, change.text
    words = text_of(her.get("/programme").text)
    said = rf"Changed by {re.escape(PT)} on \w+day \d+ \w+ \d{{4}}: .+ — Your holds are steady: a bit longer\."
    assert re.search(said, words), words


# -- in a browser ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with served(tmp_path_factory.mktemp("sharing")) as served_url:
        clinician_token(served_url.database_url)
        yield served_url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.mark.parametrize(("size", "viewport"), SIZES)
def test_she_shares_by_email_revokes_and_reads_her_messages_in_a_browser(
    browser: Browser, server: Server, size: str, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.signin_url())
    page.goto(server + "/sharing")

    form = page.locator("#share-form")
    page.get_by_label("Your clinician's email").fill("nobody@example.org")
    form.get_by_role("button", name="Share").click()
    expect(page.locator("#share-result")).to_contain_text("Not shared: there is no clinician account")

    page.get_by_label("Your clinician's email").fill(PT)
    page.get_by_label("Back care").check()
    page.get_by_label("1 year").check()
    form.get_by_role("button", name="Share").click()
    expect(page.locator("#share-result")).to_contain_text(f"Shared with {PT} until")
    row = page.locator("#shares li.share").first
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("Sees your training and back care.")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"sharing-{size}-shared")

    # A message from the clinician, then revoking: she confirms, and the row says so at once.
    me = httpx.get(server + "/api/me", headers=server.headers).json()["id"]
    pt = bearer(clinician_token(server.database_url))
    sent = httpx.post(server + f"/api/clinic/patients/{me}/messages", json={"text": f"Hello from the clinic ({size})."},
                      headers=pt)  # fmt: skip
    assert sent.status_code == 201, sent.text
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    row.get_by_role("button", name=f"Revoke: stop sharing with {PT}").click()
    expect(row).to_contain_text("Revoked")
    expect(row.get_by_role("button")).to_have_count(0)
    expect(page.locator("#revoke-result")).to_have_text(f"You no longer share your data with {PT}.")
    assert dialogs and PT in dialogs[0]
    shot(page, f"sharing-{size}-revoked")

    # Share again, so she can answer, and read her messages.
    page.get_by_label("Your clinician's email").fill(PT)
    form.get_by_role("button", name="Share").click()
    expect(page.locator("#share-result")).to_contain_text(f"Shared with {PT}")
    page.reload()
    more = page.locator("nav summary")
    if more.is_visible():
        expect(more).to_contain_text("new")
        more.click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Messages")).click()
    expect(page).to_have_url(server + "/messages")
    thread = page.locator(".thread").first
    expect(thread).to_contain_text(f"Hello from the clinic ({size}).")
    page.get_by_label(f"Reply to {PT}").fill("Thank you, all good.")
    thread.get_by_role("button", name="Send").click()
    expect(thread.locator(".message").last).to_contain_text("Thank you, all good.")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"messages-{size}")
    page.reload()  # the page marked them read when she opened it
    expect(page.locator(".new-tag")).to_have_count(0)
    assert not errors, errors
    context.close()
