"""The clinician's pages: her patient list (/clinic) and one patient's record (/clinic/patients/{id}).

A clinician sees only patients who share with her now (404 for anyone else, also after a revoke; 403 on /clinic
for a person's account), each page read lands in the patient's audit log, and what a patient does not share reads
"not shared", never 0. The browser test drives both pages at 375, 768 and 1280 px and saves screenshots.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from clinic_accounts import clinician_token
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, ViewportSize, expect
from signed_in import BASE_URL, LocalClient, bearer, user_token
from stored_sessions import store_simulated
from web_server import chromium, served, shot

from pelvicore.store.accounts import AccountStore
from pelvicore.store.db import make_engine
from pelvicore.store.repository import SessionStore
from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings

CLINICIAN = "pt@clinic.example"
ANNA, BEA, CLARA = "anna@example.org", "bea@example.org", "clara@example.org"
SIZES: list[tuple[str, ViewportSize]] = [
    ("phone", {"width": 375, "height": 800}),
    ("tablet", {"width": 768, "height": 1024}),
    ("desktop", {"width": 1280, "height": 800}),
]
PLAN = {"goal": "strength", "max_squeeze": 20, "max_unit": "cmH2O", "longest_hold_s": 3, "fast_reps": 6}


def user_id(database_url: str, email: str) -> int:
    engine = make_engine(database_url)
    try:
        user = AccountStore(engine).find_user(email=email)
        assert user is not None
        return user.id
    finally:
        engine.dispose()


def fill_patient(base: str, database_url: str, email: str, scope: list[str], client: httpx.Client | TestClient) -> int:
    """A patient who shares ``scope`` with the clinician: a plan and sessions 10 days ago (no training for 10 days),
    a diary whose pain went up by 4 points, and a red flag 3 days ago."""
    headers = bearer(user_token(database_url, email))
    patient = user_id(database_url, email)
    engine = make_engine(database_url)
    try:
        store = SessionStore(engine)
        ten_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
        store_simulated(store, patient, "perfect", seed=2, engine=engine, created_at=ten_days_ago)
        store_simulated(store, patient, "quick-check", seed=1, engine=engine, created_at=ten_days_ago)
    finally:
        engine.dispose()
    assert client.post(base + "/api/programme", json=PLAN, headers=headers).status_code == 201
    today = dt.date.today()
    for days_ago in range(1, 27, 2):
        entry = {"date": (today - dt.timedelta(days=days_ago)).isoformat(), "pain": 7 if days_ago < 14 else 2}
        assert client.post(base + "/api/care/diary", json=entry, headers=headers).status_code == 200
    flag = {"date": (today - dt.timedelta(days=2)).isoformat(), "pain": 7, "signs": ["saddle_numbness"]}
    assert client.post(base + "/api/care/diary", json=flag, headers=headers).status_code == 200
    share = {"clinician_email": CLINICIAN, "scope": scope, "days": 90}
    made = client.post(base + "/api/shares", json=share, headers=headers)
    assert made.status_code == 201, made.text
    return patient


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """A signed-in clinician's client on an app whose database holds Anna (shares training and care), Bea (care
    only) and Clara (shares nothing)."""
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    app = create_app(Settings(database_url=url))
    with LocalClient(app, base_url=BASE_URL, headers=bearer(clinician_token(url))) as c:
        fill_patient("", url, ANNA, ["training", "care"], c)
        fill_patient("", url, BEA, ["care"], c)
        user_token(url, CLARA)
        yield c, url


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_list_shows_her_patients_alerts_first_and_what_is_not_shared(clinic: tuple[TestClient, str]) -> None:
    c, url = clinic
    page = c.get("/clinic")
    assert page.status_code == 200, page.text
    words = text_of(page.text)
    assert ANNA in words and BEA in words and CLARA not in words
    # Anna's row: 2 sessions on one day, 10 days ago; her plan; the 16-of-30 mark and its source a tap away.
    assert "1 of 30 days (below 16)" in words
    assert 'x1="16" x2="16"' in page.text
    assert "16 days is the threshold remote-monitoring programmes use" in words and "CPT 98977" in words
    assert re.search(r"2 of \d+ planned sessions", words)
    assert "PERFECT: P" in words
    # Alerts, first and plainly: red flag, pain worse, no training; each with its source.
    attention = words[words.index("Needs your attention") : words.index("All patients")]
    assert "Red flag on" in attention and "Pain worse" in attention and "No training for 10 days" in attention
    assert "Ostelo et al. 2008" in attention
    # Bea shares care only: her training reads "not shared", never 0.
    bea_row = page.text[page.text.index(f'data-name="{BEA}"') :].split("</tr>")[0]
    assert text_of(bea_row).count("not shared") == 4 and " 0 of 30" not in text_of(bea_row)
    # Sortable: one button per column, the current order in aria-sort.
    assert page.text.count('class="sort"') == 7
    assert re.search(r'data-key="alerts"[^>]*aria-sort="descending"', page.text)
    # Every row read is in that patient's audit log.
    anna = LocalClient(c.app, base_url=BASE_URL, headers=bearer(user_token(url, ANNA)))
    audit = anna.get("/api/me/audit").json()
    assert any("/clinic" in str(row) for row in audit), audit


def test_the_list_is_for_clinicians_and_says_how_to_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    app = create_app(Settings(database_url=url))
    with LocalClient(app, base_url=BASE_URL, headers=bearer(clinician_token(url))) as c:
        words = text_of(c.get("/clinic").text)
        empty = "No patient shares with you yet — send an invitation link, or ask her to share with"
        assert f"{empty} {CLINICIAN} from her Sharing page." in words
        assert "Invite a patient" in words
        person = LocalClient(app, base_url=BASE_URL, headers=bearer(user_token(url, ANNA)))
        assert person.get("/clinic").status_code == 403
        assert person.get("/clinic/patients/1").status_code == 403
        assert 'href="/clinic"' not in person.get("/").text  # no Clinic in her menu
        assert 'href="/clinic"' in c.get("/").text


def test_a_record_opens_only_while_she_shares(clinic: tuple[TestClient, str]) -> None:
    c, url = clinic
    anna, bea, clara = (user_id(url, e) for e in (ANNA, BEA, CLARA))
    page = c.get(f"/clinic/patients/{anna}")
    assert page.status_code == 200, page.text
    words = text_of(page.text)
    assert "Shares her care and training records with you until" in words
    assert "private: she does not see these" in words
    assert f"/api/clinic/patients/{anna}/report.pdf?days=90" in page.text
    assert "Prescribe a change" in words and "Reason, as a note to her" in words
    sessions = re.findall(r'href="/sessions/([0-9a-f]+)"', page.text)
    assert sessions and f"/api/sessions/{sessions[0]}/report.pdf" in page.text
    assert f"/sessions/{sessions[0]}/assessment" in page.text or f"/sessions/{sessions[1]}/assessment" in page.text
    assert "cmH2O" in words and "PERFECT" in words
    assert "Her diary, the last 28 days" in words
    # Care only: no training, said so; no plan form.
    words = text_of(c.get(f"/clinic/patients/{bea}").text)
    assert "She does not share her training with you" in words and "Prescribe" not in words
    # Nothing shared, no such account, or a share revoked: the app's 404 page.
    for other in (clara, 99999):
        missing = c.get(f"/clinic/patients/{other}")
        assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    anna_client = LocalClient(c.app, base_url=BASE_URL, headers=bearer(user_token(url, ANNA)))
    share = anna_client.get("/api/shares").json()[0]
    assert anna_client.delete(f"/api/shares/{share['id']}").status_code == 204
    assert c.get(f"/clinic/patients/{anna}").status_code == 404
    assert ANNA not in text_of(c.get("/clinic").text)


def test_the_invitation_qr_code_is_only_for_invitation_links(clinic: tuple[TestClient, str]) -> None:
    c, _ = clinic
    link = c.post("/api/clinic/invitations").json()["url"]
    qr = c.post("/clinic/invitation-qr", json={"url": link})
    assert qr.status_code == 200 and qr.text.startswith("<svg")
    assert c.post("/clinic/invitation-qr", json={"url": "https://evil.example/"}).status_code == 422


def drive(browser: Browser, server: str, size: str, viewport: ViewportSize, headers: dict[str, str]) -> None:
    """Open the list, sort it, make an invitation, open Anna's record, post a note and a message."""
    context = browser.new_context(viewport=viewport, extra_http_headers=headers)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + "/clinic")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "scrolls sideways"
    expect(page.get_by_role("link", name="Clinic")).to_have_attribute("aria-current", "page")
    # Sort by name: Anna, then Bea; the header says so. Then by pain, from the keyboard.
    page.get_by_role("button", name=re.compile("^Patient")).click()
    expect(page.locator('th[data-key="name"]')).to_have_attribute("aria-sort", "ascending")
    assert page.locator("#patients tbody th[scope=row] a").all_inner_texts() == [ANNA, BEA]
    page.get_by_role("button", name=re.compile("^Pain trend")).focus()
    page.keyboard.press("Enter")
    expect(page.locator('th[data-key="pain"]')).to_have_attribute("aria-sort", "descending")
    page.get_by_role("button", name="Invite a patient").click()
    expect(page.locator("#invitation-url")).to_have_value(re.compile(r"/share/accept\?token="))
    expect(page.locator("#invitation-qr svg")).to_be_visible()
    shot(page, f"clinic-{size}")

    page.locator("#patients").get_by_role("link", name=ANNA).click()
    expect(page.get_by_role("heading", name=ANNA, level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "scrolls sideways"
    page.get_by_label("New note").fill(f"Check her knack at the next visit ({size}).")
    page.get_by_role("button", name="Save note").click()
    expect(page.locator("#notes li").first).to_contain_text(f"Check her knack at the next visit ({size}).")
    page.get_by_label("Message to her").fill(f"Well done this week ({size}).")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#messages li").last).to_contain_text(f"Well done this week ({size}).")
    page.wait_for_function("document.body.dataset.chartsReady !== undefined")
    shot(page, f"clinic-patient-{size}")
    page.reload()  # what was posted is stored
    expect(page.locator("#notes")).to_contain_text(f"({size})")
    expect(page.locator("#messages")).to_contain_text(f"({size})")
    assert not errors, errors
    context.close()


def test_the_clinic_in_a_browser_on_a_phone_and_a_desktop(tmp_path: Path) -> None:
    with served(tmp_path) as server, chromium() as browser:
        headers = bearer(clinician_token(server.database_url))
        with httpx.Client() as client:
            anna = fill_patient(server, server.database_url, ANNA, ["training", "care"], client)
            fill_patient(server, server.database_url, BEA, ["care"], client)
        for size, viewport in SIZES:
            drive(browser, server, size, viewport, headers)
        # A prescription reaches her plan, with the reason.
        page = browser.new_page(extra_http_headers=headers)
        page.goto(f"{server}/clinic/patients/{anna}")
        page.get_by_label("Holds per set").fill("10")
        page.get_by_label("Reason, as a note to her").fill("Your holds are steady: two more each set.")
        page.get_by_role("button", name="Save the prescription").click()
        expect(page.locator(".changes")).to_contain_text("Your holds are steady")
        page.close()
