"""The back-pain companion's pages in Chromium against a real ``pelvicore serve``: profile, diary (one entry with the
keyboard alone, through the body map), triage, bone, plan, insight and learn, each with its sources.

Screenshots at phone and desktop width land in ``test-artifacts/care-*.png``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from care_history import simulated_history, store_sessions
from playwright.sync_api import Browser, Page, expect
from signed_in import user_token
from web_server import Server, chromium, free_port, shot, start_server

from pelvicore.care.instruments import START_BACK_NOTICE
from pelvicore.store.db import make_engine
from pelvicore.store.repository import SessionStore

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
TODAY = dt.date.today()


def serve(tmp: Path) -> Iterator[Server]:
    port, database_url = free_port(), f"sqlite:///{tmp / 'db.sqlite3'}"
    token = user_token(database_url)
    proc = start_server(database_url, port, "--ble", "none")
    yield Server(f"http://127.0.0.1:{port}", token, database_url)
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory.mktemp("care-pages"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    p = browser.new_page(viewport=PHONE, extra_http_headers=server.headers)
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    yield p
    p.close()
    assert not errors, errors


def shots(page: Page, name: str) -> None:
    """Screenshots at phone and desktop width, and no sideways scrolling at phone width."""
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} scrolls sideways"
    shot(page, f"care-{name}-phone")
    page.set_viewport_size(DESKTOP)
    shot(page, f"care-{name}-desktop")
    page.set_viewport_size(PHONE)


def sources_of(page: Page) -> list[str]:
    return page.locator("section.sources li").all_inner_texts()


def assert_every_field_labelled(page: Page) -> None:
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("main input, main select")]
              .filter((el) => el.type !== "hidden" && !(el.labels && el.labels.length))
              .map((el) => el.id || el.name)"""
    )
    assert unlabelled == []


def tab_to(page: Page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def focused_text(page: Page) -> str:
    return str(page.evaluate("document.activeElement.textContent")).strip()


# -- tests, in the order she would use the pages ---------------------------------------------------------------------
def test_bone_screening_asks_for_age_and_weight_first(page: Page, server: Server) -> None:
    page.goto(server.url + "/care/bone")
    expect(page.locator("#bone-needs")).to_contain_text("Bone screening needs your age and weight — add them")
    frax = page.get_by_role("link", name=re.compile("FRAX"))
    expect(frax).to_have_attribute("href", "https://frax.shef.ac.uk/FRAX/")


def test_profile_onboarding_runs_triage_on_her_history(page: Page, server: Server) -> None:
    page.goto(server.url + "/care/profile")
    assert_every_field_labelled(page)
    page.get_by_label("Age (years)").fill("62")
    page.get_by_label("Weight (kg)").fill("55")
    page.get_by_label("Height (cm)").fill("160")
    page.get_by_label("After menopause").check()
    page.get_by_label("Osteoporosis (thinning bones)").check()
    page.get_by_label("Less back pain").check()
    page.get_by_label("Less leaking").check()
    page.get_by_label("Your trainer").select_option("perifit")
    page.get_by_label("Calcium (mg a day)").fill("700")
    page.get_by_role("button", name="Save my profile").click()
    result = page.locator("#profile-result")
    expect(result.get_by_role("heading", name="Profile saved")).to_be_focused()
    expect(result).to_contain_text("Mention this at your next routine appointment")
    expect(result).to_contain_text("Guideline: NICE CKS")
    expect(result.locator(".sources li").first).to_be_visible()
    shots(page, "profile")
    # Saved: the page shows it again, and bone screening now runs from it.
    page.reload()
    expect(page.get_by_label("Age (years)")).to_have_value("62")
    expect(page.get_by_label("Osteoporosis (thinning bones)")).to_be_checked()
    page.goto(server.url + "/care/bone")
    result = page.locator("#bone-result")
    expect(result).to_contain_text("-1.4")
    expect(result).not_to_contain_text("OSTA band")
    expect(result).to_contain_text("16 of 26 points")
    expect(result).to_contain_text("Discuss a bone-density (DXA) scan")
    expect(page.get_by_role("link", name=re.compile("FRAX"))).to_have_attribute("href", "https://frax.shef.ac.uk/FRAX/")
    assert any("Cadarette" in s for s in sources_of(page))
    shots(page, "bone")
    # A different weight through the form; the result gets the focus.
    page.get_by_label("Weight (kg)").fill("80")
    page.get_by_role("button", name="Screen my bone risk").click()
    expect(page.locator("#bone-result-h")).to_be_focused()
    expect(page.locator("#bone-result")).to_contain_text("7 of 26 points")


def test_a_diary_entry_with_the_keyboard_alone(page: Page, server: Server) -> None:
    page.goto(server.url + "/care/diary")
    assert_every_field_labelled(page)
    page.keyboard.press("Tab")
    assert focused_text(page) == "Skip to content"
    page.keyboard.press("Enter")
    tab_to(page, "#date")
    tab_to(page, "input[name=pain]")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#pain-4")).to_be_checked()
    tab_to(page, '.region[data-region="lower_back"]')
    page.keyboard.press("Space")
    region = page.locator('.region[data-region="lower_back"]')
    expect(region).to_have_attribute("aria-checked", "true")
    expect(page.locator("#where-lower_back")).to_be_checked()
    tab_to(page, "#stiffness-none")
    page.keyboard.press("ArrowRight")  # none -> morning
    expect(page.locator("#stiffness-morning")).to_be_checked()
    tab_to(page, "#leaking_episodes")
    page.keyboard.type("0")
    tab_to(page, "#sleep_hours")
    page.keyboard.type("6.5")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    heading = page.locator("#diary-result .result-heading")
    expect(heading).to_be_focused()
    expect(heading).to_contain_text("Saved your entry for")
    expect(page.locator("#diary-result")).to_contain_text("Pain 0-10 (NPRS): 4 points (range 0-10) — moderate")
    expect(page.locator("#diary-result")).to_contain_text("Source: Numeric Pain Rating Scale")
    assert page.locator("#diary-result").get_attribute("aria-live") == "polite"
    expect(page.locator("#diary-table tbody tr").first).to_contain_text("Lower back")  # the list follows at once
    shots(page, "diary-saved")


def test_a_new_warning_sign_in_the_diary_shows_the_emergency_advice(page: Page, server: Server) -> None:
    page.goto(server.url + "/care/diary")
    page.locator("#date").fill((TODAY - dt.timedelta(days=1)).isoformat())
    page.locator('label[for="pain-6"]').click()
    page.locator('.region[data-region="radiating_hips_legs"]').click()
    expect(page.locator("#where-radiating_hips_legs")).to_be_checked()
    page.get_by_label("Numbness or changed feeling around the bottom or inner thighs").check()
    page.get_by_text("Questionnaire scores, when you have them").click()
    expect(page.locator('[data-instrument="start_back"] .notice')).to_have_text(START_BACK_NOTICE)
    page.get_by_label("or the percentage (0-100)").fill("30")
    page.locator('[data-score="odi"]').click()
    score = page.locator('[data-instrument="odi"] .score-out')
    expect(score).to_contain_text("Oswestry Disability Index (ODI): 30 % (range 0-100) — moderate")
    expect(score).to_contain_text("Source: Oswestry Disability Index")
    page.get_by_label("or the total (0-44)").fill("12")
    page.get_by_role("button", name="Save the entry").click()
    alert = page.locator("#diary-result .triage-emergency")
    expect(alert).to_have_attribute("role", "alert")
    heading = alert.get_by_role("heading", name="Call emergency services now (999/112/911) or go to A&E")
    expect(heading).to_be_focused()
    expect(alert).to_contain_text("Numbness or changed feeling around the bottom")
    expect(alert).to_contain_text("Guideline: NICE CKS")
    expect(alert.locator(".sources li").first).to_contain_text("NICE CKS")
    expect(page.locator("#diary-result")).to_contain_text("Menopause Rating Scale (MRS): 12 points")
    shots(page, "diary-emergency")


def test_a_wrong_value_is_named_beside_its_field(page: Page, server: Server) -> None:
    page.goto(server.url + "/care/diary")
    page.get_by_label("Hours slept last night").fill("30")
    page.get_by_role("button", name="Save the entry").click()
    error = page.locator("#diary-result .error")
    expect(error).to_be_focused()
    expect(error).to_contain_text("Hours slept last night")
    expect(error).to_contain_text("sleep_hours: must be 0-24, got 30")
    expect(page.get_by_label("Hours slept last night")).to_have_attribute("aria-invalid", "true")


def test_triage_on_demand(page: Page, server: Server) -> None:
    page.goto(server.url + "/care/triage")
    assert_every_field_labelled(page)
    expect(page.get_by_label("You have osteoporosis (thinning bones)")).to_be_checked()  # from her profile
    page.get_by_label("Pain going down both legs").check()
    page.get_by_role("button", name="Check my answers").click()
    out = page.locator("#triage-out")
    expect(out.get_by_role("heading", name="Call emergency services now (999/112/911) or go to A&E")).to_be_focused()
    expect(out.locator("[role=alert]")).to_contain_text("Pain going down both legs")
    expect(out.locator(".sources")).to_contain_text("NHS: Cauda equina syndrome")
    shots(page, "triage-emergency")
    page.get_by_label("Pain going down both legs").uncheck()
    page.get_by_label("Fever, chills or shivering fits").check()
    page.get_by_role("button", name="Check my answers").click()
    expect(out.get_by_role("heading", name="Book an appointment with your GP or clinician this week")).to_be_focused()
    expect(out).to_contain_text("Guideline: NICE CKS")
    shots(page, "triage-soon")
    page.get_by_label("Your age (years)").fill("130")
    page.get_by_role("button", name="Check my answers").click()
    expect(out.locator(".error")).to_contain_text("age: must be between 0 and 120 years")
    assert any("NICE NG59" in s for s in sources_of(page))


def test_plan_shows_each_area_with_why_and_sources(page: Page, server: Server) -> None:
    page.goto(server.url + "/care/plan")
    items = page.locator(".plan-item")
    expect(items).to_have_count(8)
    for k in range(8):
        expect(items.nth(k).locator(".source")).to_contain_text("Sources:")
    calcium = page.locator("#plan-bone_nutrition")
    expect(calcium).to_contain_text("about 500 mg short of 1,200 mg")
    expect(calcium).to_contain_text("IOM 2011")
    expect(page.locator("#plan-review")).to_contain_text("Reviewed weekly")
    expect(page.locator("#plan-review time")).to_have_attribute("datetime", re.compile(r"\d{4}-\d{2}-\d{2}"))
    assert any("selfBACK" in s for s in sources_of(page))
    shots(page, "plan")


def test_learn_pages_have_sources(page: Page, server: Server) -> None:
    page.goto(server.url + "/care/learn")
    links = page.locator(".care-cards a")
    expect(links).to_have_count(3)
    for slug, words in (
        ("menopause", "The pelvic floor"),
        ("back-pain", "between the shoulder blades"),
        ("what-helps", "Calcium and vitamin D"),
    ):
        page.goto(f"{server.url}/care/learn/{slug}")
        expect(page.locator("article.learn")).to_contain_text(words)
        assert len(sources_of(page)) >= 3
        if slug == "back-pain":
            expect(page.locator("article.learn")).to_contain_text("Call emergency services now (999/112/911)")
        shots(page, f"learn-{slug}")


def test_insight_from_nothing_to_an_estimate(browser: Browser, tmp_path: Path) -> None:
    fresh = serve(tmp_path)
    srv = next(fresh)
    page = browser.new_page(viewport=PHONE, extra_http_headers=srv.headers)
    try:
        page.goto(srv.url + "/care/insight")
        expect(page.locator("#not-enough")).to_contain_text("Not enough data yet")
        expect(page.locator(".insight-chart")).to_have_count(0)
        shots(page, "insight-empty")
        history = simulated_history(TODAY, effect=-0.6)
        with httpx.Client(base_url=srv.url, headers=srv.headers) as http:
            for entry in history.entries:
                assert http.post("/api/care/diary", json=entry).status_code == 200
        engine = make_engine(srv.database_url)
        store_sessions(engine, SessionStore(engine).ensure_user(), history.sessions)
        engine.dispose()
        page.reload()
        expect(page.locator("#not-enough")).to_have_count(0)
        pain = page.locator(".estimate").first
        expect(pain).to_contain_text("In weeks after you trained more, your pain was lower")
        expect(pain.locator(".interval")).to_contain_text("95% interval")
        expect(page.locator(".insight-chart canvas")).to_have_count(4)
        expect(page.locator("#weeks-table tbody tr")).to_have_count(10)
        expect(page.locator("figcaption").first).to_contain_text("pain, points 0-10")
        assert any("NICE CG171" in s for s in sources_of(page))
        shots(page, "insight")
    finally:
        page.close()
        next(fresh, None)


def test_overview_links_every_page(page: Page, server: Server) -> None:
    page.goto(server.url + "/")
    page.get_by_role("link", name="Back care").click()
    expect(page.get_by_role("heading", name="Your back-pain and menopause companion")).to_be_visible()
    nav = page.get_by_role("navigation", name="Back-pain companion")
    expect(nav.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    assert len(sources_of(page)) >= 3
    shots(page, "overview")
