"""Her and her clinician, end to end in two browsers on one served app.

She shares her training and back care (sessions in the clinic allowed); the clinician finds her on /clinic, opens
her record, prescribes a longer hold with a reason she then reads on her programme, they exchange messages, the
clinician starts a guided (simulated) assessment in the clinic and its live page says it is recording into her
record; she revokes, the clinician's record page becomes "not found" and the list forgets her, and her audit log
lists the clinician's reads. Screenshots of each step at 1280 px, and of her pages at 375 px, land in
``test-artifacts/journey-*.png``.

The record page's card for sessions in the clinic is also checked without a browser: a form when her share allows
them, the plain reason when it does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from clinic_accounts import As, clinician_token
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect
from signed_in import BASE_URL, LocalClient, bearer, user_token
from web_server import Server, chromium, served, shot

from pelvicore.accounts import Accounts
from pelvicore.store.accounts import AccountStore
from pelvicore.store.db import make_engine, migrate
from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings

PT = "pt@clinic.example"
PASSWORD = "pelvic floor at nine, 2026"
PLAN = {"goal": "strength", "max_squeeze": 20, "max_unit": "cmH2O", "longest_hold_s": 3, "fast_reps": 6}
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 800}
OFF = "She has not allowed sessions in the clinic; she can turn it on from her Sharing page."


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# -- the card, without a browser ------------------------------------------------------------------------------------
@pytest.fixture
def app_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'card.sqlite3'}"


@pytest.fixture
def her_and_pt(app_url: str) -> Iterator[tuple[LocalClient, As]]:
    app = create_app(Settings(database_url=app_url, ble="none"))
    with LocalClient(app, base_url=BASE_URL, headers=bearer(user_token(app_url))) as her:
        yield her, As(her, clinician_token(app_url, PT))


@pytest.mark.parametrize(
    ("scope", "in_clinic", "says"),
    [
        (["training", "care"], True, 'id="clinic-session"'),
        (["training"], False, OFF),
        (["care"], True, "She does not share her training with you"),
    ],
)
def test_the_record_offers_a_session_in_the_clinic_only_when_she_allows_it(
    her_and_pt: tuple[LocalClient, As], scope: list[str], in_clinic: bool, says: str
) -> None:
    her, pt = her_and_pt
    made = her.post("/api/shares", json={"clinician_email": PT, "scope": scope, "in_clinic": in_clinic})
    assert made.status_code == 201, made.text
    me = her.get("/api/me").json()["id"]
    page = pt.get(f"/clinic/patients/{me}").text
    section = page[page.index('id="in-clinic-h"') : page.index('id="assess-h"')]
    assert says in (section if says.startswith("id=") else text_of(section))
    assert ('id="clinic-session"' in section) == (in_clinic and "training" in scope)
    if 'id="clinic-session"' in section:
        for routine in ("perfect", "glazer", "cough", "quick-check"):
            assert f'<option value="{routine}">' in section
        assert '<optgroup label="To show her how it works"><option value="simulator">Simulator</option>' in section


# -- the journey, in two browsers -----------------------------------------------------------------------------------
def make_clinician(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        Accounts(AccountStore(engine)).create_user(PT, role="clinician", password=PASSWORD)
    finally:
        engine.dispose()


def watch_errors(page: Page, errors: list[str]) -> None:
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)


def fits(page: Page) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with served(tmp_path, "--ble", "none") as s:
        make_clinician(s.database_url)
        yield s


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_she_and_her_clinician_from_sharing_to_revoking(server: Server, browser: Browser) -> None:
    errors: list[str] = []
    her_context: BrowserContext = browser.new_context(viewport=DESKTOP)
    pt_context: BrowserContext = browser.new_context(viewport=DESKTOP)
    her, pt = her_context.new_page(), pt_context.new_page()
    watch_errors(her, errors)
    watch_errors(pt, errors)
    made = httpx.post(server + "/api/programme", json=PLAN, headers=server.headers)
    assert made.status_code == 201, made.text

    # She signs in with pelvicore's one-time link; the clinician with her email and password.
    her.goto(server.signin_url())
    pt.goto(server + "/signin?next=/clinic")
    pt.get_by_label("Email").fill(PT)
    pt.get_by_label("Password").fill(PASSWORD)
    pt.get_by_role("button", name="Sign in").click()
    expect(pt).to_have_url(server + "/clinic")
    expect(pt.locator("main")).to_contain_text("No patient shares with you yet")

    # She shares her training and back care, and allows sessions in the clinic.
    her.goto(server + "/sharing")
    her.get_by_label("Your clinician's email").fill(PT)
    her.get_by_label("Back care").check()
    her.get_by_label("Let them record sessions with me in the clinic").check()
    her.locator("#share-form").get_by_role("button", name="Share").click()
    expect(her.locator("#share-result")).to_contain_text(f"Shared with {PT} until")
    expect(her.locator("#shares li.share").first).to_contain_text("may record sessions with you in the clinic")
    shot(her, "journey-01-her-sharing")

    # The clinician sees her on the list and opens her record.
    pt.reload()
    patients = pt.locator("#patients")
    expect(patients.locator("tbody tr")).to_have_count(1)
    shot(pt, "journey-02-clinic-list")
    patients.get_by_role("link").first.click()
    expect(pt).to_have_url(re.compile(r"/clinic/patients/\d+$"))
    record_url = pt.url
    name = pt.get_by_role("heading", level=1).inner_text()
    expect(pt.locator(".lede")).to_contain_text("and sessions recorded in your clinic")

    # A prescription: a longer hold, and why.
    pt.get_by_label("Hold (s)").fill("5")
    pt.get_by_label("Reason, as a note to her").fill("Your holds are steady: try five seconds each.")
    pt.get_by_role("button", name="Save the prescription").click()
    expect(pt.locator(".changes")).to_contain_text("Your holds are steady: try five seconds each.")
    expect(pt.locator(".changes li").first).to_contain_text(
        re.compile(rf"by {re.escape(PT)} on \w+day \d+ \w+ \d{{4}}")
    )
    shot(pt, "journey-03-record-prescribed")

    her.goto(server + "/programme")
    changed = her.locator("li.by-clinician").first
    expect(changed).to_contain_text(f"Changed by {PT}")
    expect(changed).to_contain_text("Your holds are steady: try five seconds each.")
    shot(her, "journey-04-her-programme")

    # Messages: the clinician writes, she reads and replies, the clinician reads the reply.
    pt.get_by_label("Message to her").fill("Well done this week. See you on Tuesday.")
    pt.get_by_role("button", name="Send", exact=True).click()
    expect(pt.locator("#messages li").last).to_contain_text("See you on Tuesday.")
    her.goto(server + "/messages")
    thread = her.locator("section.thread").first
    expect(thread).to_contain_text("Well done this week. See you on Tuesday.")
    her.get_by_label(f"Reply to {PT}").fill("Thank you! Tuesday works.")
    thread.get_by_role("button", name="Send").click()
    expect(thread.locator(".message").last).to_contain_text("Thank you! Tuesday works.")
    shot(her, "journey-05-her-messages")
    pt.reload()
    expect(pt.locator("#messages li.from-her").last).to_contain_text("Thank you! Tuesday works.")
    shot(pt, "journey-06-record-reply")

    # A guided assessment in the clinic, simulated to show her how it works.
    card = pt.locator("#clinic-session")
    expect(pt.locator("#cs-trainers option")).not_to_have_count(0)  # her trainer kinds arrived
    card.get_by_role("button", name="Start the assessment").click()
    expect(card.locator(".result")).to_have_text("Choose her trainer, or the simulator.")
    card.get_by_label("Assessment").select_option(label="PERFECT assessment")
    expect(card.get_by_label("Simulator speed")).to_be_disabled()  # until the simulator is chosen
    card.get_by_label("Her trainer").select_option("simulator")
    expect(card.locator(".result")).to_have_text("")
    card.get_by_label("Simulator speed").select_option("100")
    shot(pt, "journey-07-in-clinic-card")
    card.get_by_role("button", name="Start the assessment").click()
    expect(pt).to_have_url(re.compile(r"/sessions/[0-9a-f]+/live$"))
    expect(pt.locator("#stop")).to_be_visible()  # a demo in the clinician's own account: not in her record
    expect(pt.locator("#recording")).to_have_count(0)
    shot(pt, "journey-08-live-recording")

    # She revokes: the record is "not found" and the list no longer has her.
    her.goto(server + "/sharing")

    def accept(dialog: Dialog) -> None:
        dialog.accept()

    her.once("dialog", accept)
    her.get_by_role("button", name=f"Revoke: stop sharing with {PT}").click()
    expect(her.locator("#revoke-result")).to_have_text(f"You no longer share your data with {PT}.")
    shot(her, "journey-09-her-revoked")
    gone = pt.goto(record_url)
    assert gone is not None and gone.status == 404
    expect(pt.get_by_role("heading", level=1)).to_have_text(re.compile("^There is nothing here"))
    expect(pt.locator("main")).not_to_contain_text(name)
    shot(pt, "journey-10-record-gone")
    pt.goto(server + "/clinic")
    expect(pt.locator("main")).not_to_contain_text(name)
    shot(pt, "journey-11-clinic-list-after")

    # Her audit log lists the clinician's reads, the session in the clinic included.
    her.goto(server + "/account/audit")
    reads = her.locator("#audit-table tbody tr", has_text=PT)
    expect(reads.first).to_be_visible()
    audit = her.locator("#audit-table").inner_text()
    for what in ("your summary on their list of patients", "your training record", "your care record"):
        assert what in audit, what
    shot(her, "journey-12-her-audit")

    # Her pages on a phone.
    her.set_viewport_size(PHONE)
    for path, label in [("/sharing", "sharing"), ("/programme", "programme"), ("/messages", "messages"),
                        ("/account/audit", "audit")]:  # fmt: skip
        her.goto(server + path)
        fits(her)
        shot(her, f"journey-phone-{label}")
    expected = f"{record_url}: Failed to load resource: the server responded with a status of 404 (Not Found)"
    assert [e for e in errors if e != expected] == [], errors
    her_context.close()
    pt_context.close()
