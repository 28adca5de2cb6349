"""The programme in the web app: a 12-week plan from an assessment or by hand, this week's dose, today's
session as a live session, the weekly review from stored sessions, reminders (iCalendar and notifications)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from signed_in import signed_in
from sqlalchemy import Engine, select, update
from stored_sessions import store_simulated
from test_browser import browser, server, shot  # noqa: F401  (pytest fixtures)
from web_server import Server

from pelvicore.store import SessionStore, make_engine
from pelvicore.store.models import LiveSession
from pelvicore.store.plans import PlanStore
from pelvicore.training.plan_records import Plans
from pelvicore.training.plan_session import plan_protocol
from pelvicore.training.weeks import day_text
from pelvicore.web.app import create_app
from pelvicore.web.deps import now
from pelvicore.web.settings import Settings

BY_HAND = {"goal": "strength", "max_squeeze": 20, "max_unit": "cmH2O", "longest_hold_s": 3, "fast_reps": 6}


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[TestClient, SessionStore, Engine]]:
    url = f"sqlite:///{tmp_path / 'pelvicore.sqlite3'}"
    with signed_in(create_app(Settings(database_url=url, ble="none"))) as client:
        engine = make_engine(url)
        yield client, SessionStore(engine), engine
        engine.dispose()


def test_a_plan_by_hand_shows_this_weeks_dose_with_sources(env: tuple[TestClient, SessionStore, Engine]) -> None:
    client, _, _ = env
    assert client.get("/api/programme").status_code == 404
    assert "Make your 12-week plan" in client.get("/programme").text
    body = client.post("/api/programme", json=BY_HAND).json()
    plan = body["plan"]
    assert plan["goal"] == "strength" and plan["week"] == 1 and plan["stage"] == "training"
    assert plan["now"]["summary"].startswith("8 holds of 3 s (6 s rest) + 3 quick flicks, lying")
    assert body["routine"] == "plan:training:strength:3:8:3:lying:0:-"
    assert [e["id"] for e in body["exercises"]] == ["holds", "quick-flicks"]
    assert all(e["source"] and e["instructions"] for e in body["exercises"])
    assert body["week"]["sessions_planned"] == 21 and body["week"]["sessions_done"] == 0
    assert body["changes"][0]["kind"] == "start" and "NICE CG171" in body["changes"][0]["source"]
    page = client.get("/programme").text
    for text in ("This week's dose", "Start today's session", "Changes so far", "NICE CG171", "Breathe out"):
        assert text in page
    assert client.get("/api/programme").json()["plan"] == plan


def test_plan_requests_that_are_wrong_say_why(env: tuple[TestClient, SessionStore, Engine]) -> None:
    client, _, _ = env
    assert client.post("/api/programme", json={"goal": "strength"}).status_code == 422
    assert client.post("/api/programme", json=BY_HAND | {"goal": "fitness"}).status_code == 422
    assert client.post("/api/programme", json=BY_HAND | {"longest_hold_s": -1}).status_code == 422
    assert client.post("/api/programme", json={"from_session": "nope"}).status_code == 404
    assert client.post("/api/programme/sessions", json={}).status_code == 404  # no plan yet
    assert client.post("/api/programme/review").status_code == 404
    assert client.get("/programme/reminders.ics").status_code == 404


def test_a_plan_from_the_latest_assessment(env: tuple[TestClient, SessionStore, Engine]) -> None:
    client, store, _ = env
    weak = store_simulated(store, store.ensure_user(), "perfect", profile="weak", seed=5)
    assert "From your latest assessment" in client.get("/programme").text
    body = client.post("/api/programme", json={"from_session": weak, "goal": "strength"}).json()
    a = body["plan"]["assessment"]
    assert a["max_unit"] == "cmH2O" and a["max_squeeze"] < 20 and a["fast_reps"] >= 8
    assert "Angelo 2017" in body["changes"][0]["why"]  # the squeeze's class explains the start
    tight = store_simulated(store, store.ensure_user(), "perfect", profile="hypertonic", seed=5)
    body = client.post("/api/programme", json={"from_session": tight, "goal": "strength"}).json()
    assert body["plan"]["stage"] == "relaxation"  # a slow, incomplete release: relaxation first (Glazer 1995)
    assert body["plan"]["assessment"]["release_slow"] is True
    assert [e["id"] for e in body["exercises"]] == ["relaxation", "contract-relax", "relaxation"]


def test_todays_session_runs_the_plans_protocol(env: tuple[TestClient, SessionStore, Engine]) -> None:
    client, _, _ = env
    routine = client.post("/api/programme", json=BY_HAND).json()["routine"]
    started = client.post("/api/programme/sessions", json={"profile": "healthy", "speed": 100, "seed": 5}).json()
    assert started["url"] == f"/sessions/{started['id']}/live"
    deadline = time.monotonic() + 30
    while (record := client.get(f"/api/sessions/{started['id']}").json())["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # A fixed seed: a few simulated people in a thousand lose a flick to a simulated sensor dropout.
    assert record["routine"] == routine and record["seed"] == 5
    assert record["contraction_count"] == 11  # 8 holds + 3 flicks
    live = client.get(started["url"]).text
    assert plan_protocol(routine).title in live and 'data-next-href="/programme"' in live
    week = client.get("/api/programme").json()["week"]
    assert week["sessions_done"] == 1 and week["today_done"] == 1
    assert client.post("/api/programme/sessions", json={"source": "browser"}).status_code == 422


def days_later(client: TestClient, days: int) -> datetime:
    """Move the app's clock ``days`` days on from now (as the days of a plan pass); returns that time."""
    at = datetime.now(UTC) + timedelta(days=days)
    client.app.dependency_overrides[now] = lambda: at  # type: ignore[attr-defined]
    return at


def test_a_week_is_reviewed_once_its_seven_days_are_over(env: tuple[TestClient, SessionStore, Engine]) -> None:
    client, store, _ = env
    made = datetime.now(UTC)
    routine = client.post("/api/programme", json=BY_HAND).json()["routine"]
    user = store.ensure_user()
    for seed in range(11):  # 11 of 21 planned: above the 50 % adherence the plan needs to move
        store_simulated(store, user, routine, profile="healthy", seed=seed)
    store_simulated(store, user, "quick-check", seed=1)  # not a plan session: not judged
    # Day one: pressing "Review" again and again does not move the plan; each press says when it can.
    ends = day_text(made.date() + timedelta(days=6))
    for _ in range(2):
        refused = client.post("/api/programme/review")
        assert refused.status_code == 409
        assert refused.json()["detail"] == f"This week ends on {ends}; review it then."
    week = client.get("/api/programme").json()["week"]
    assert week["number"] == 1 and week["sessions_done"] == 11 and week["over"] is False
    assert week["review_refused"] == f"This week ends on {ends}; review it then."
    assert week["review_from"] == (made.date() + timedelta(days=7)).isoformat()
    page = client.get("/programme").text
    assert "week 1 of 12" in page and f"This week ends on {ends}; review it then." in page
    assert 'id="review" disabled' in page and "Review week 1 (from " in page
    # Six days on it is still week 1; on the seventh day after the start the week is over and can be reviewed.
    days_later(client, 6)
    assert client.post("/api/programme/review").status_code == 409
    days_later(client, 7)
    body = client.post("/api/programme/review").json()
    review = body["review"]
    assert review["week"] == 1 and review["sessions"] == 11 and review["measures"]["adherence_pct"] == 52.4
    assert [c["kind"] for c in review["changes"]] == ["progress"]
    assert "4 s instead of 3 s" in review["changes"][0]["what"] and review["changes"][0]["source"]
    assert body["week"]["number"] == 2 and body["week"]["sessions_done"] == 0  # a new week begins
    assert body["week"]["first_day"] == (made.date() + timedelta(days=7)).isoformat()
    assert body["routine"] == "plan:training:strength:4:8:3:lying:0:-"
    again = client.post("/api/programme/review")  # week 2 has only begun
    assert again.status_code == 409 and day_text(made.date() + timedelta(days=13)) in again.json()["detail"]
    days_later(client, 14)
    again = client.post("/api/programme/review").json()["review"]  # no sessions in week 2
    assert [c["kind"] for c in again["changes"]] == ["keep"] and "0 of 21" in again["changes"][0]["why"]
    page = client.get("/programme").text
    assert "Week 2: Next step" in page and "week 3 of 12" in page


def test_a_plan_never_goes_past_its_last_week(env: tuple[TestClient, SessionStore, Engine]) -> None:
    client, store, _ = env
    client.post("/api/programme", json=BY_HAND)
    user = store.ensure_user()
    plans = client.app.state.plans  # type: ignore[attr-defined]
    plans.save(user, replace(plans.get(user).plan, week=12))
    days_later(client, 12 * 7)
    body = client.post("/api/programme/review").json()
    assert body["review"]["week"] == 12 and body["plan"]["week"] == 12
    assert body["week"]["number"] == 12 and body["week"]["finished"] is True
    assert [c["kind"] for c in body["review"]["changes"]] == ["keep", "review"]  # no progress: see a physio
    days_later(client, 20 * 7)
    refused = client.post("/api/programme/review")
    assert refused.status_code == 409 and "the plan is finished" in refused.json()["detail"]
    assert client.get("/api/programme").json()["plan"]["week"] == 12
    page = client.get("/programme").text
    assert "week 12 of 12</strong> (finished)" in page and "week 13" not in page.lower()
    assert "After week 12: Review with a physiotherapist" in page


def test_programme_and_progress_count_the_same_sessions_in_her_days(
    env: tuple[TestClient, SessionStore, Engine],
) -> None:
    """A plan's week is 7 days from its start, in her time zone: the programme and progress agree on it."""
    client, store, engine = env
    zone = {"X-Time-Zone": "Pacific/Auckland"}  # UTC+13 in March: her day begins at 11:00 UTC the day before
    start = datetime(2025, 3, 3, 12, tzinfo=UTC)  # Tuesday 4 March 01:00 in Auckland
    client.app.dependency_overrides[now] = lambda: start  # type: ignore[attr-defined]
    routine = client.post("/api/programme", json=BY_HAND, headers=zone).json()["routine"]
    user = store.ensure_user()
    # Her week 1 is Tuesday 4 to Monday 10 March, Auckland time.
    times = [
        datetime(2025, 3, 3, 10, tzinfo=UTC),  # Monday 3 March 23:00 there: before the plan began
        datetime(2025, 3, 3, 11, 30, tzinfo=UTC),  # Tuesday 4 March 00:30: day one
        datetime(2025, 3, 10, 10, 59, tzinfo=UTC),  # Monday 10 March 23:59: the last day of week 1
        datetime(2025, 3, 10, 11, 1, tzinfo=UTC),  # Tuesday 11 March 00:01: week 2
    ]
    for seed, at in enumerate(times):
        store_simulated(store, user, routine, seed=seed, engine=engine, created_at=at)
    client.app.dependency_overrides[now] = lambda: datetime(2025, 3, 10, 10, 59, tzinfo=UTC)  # type: ignore[attr-defined]
    week = client.get("/api/programme", headers=zone).json()["week"]
    assert week["first_day"] == "2025-03-04" and week["last_day"] == "2025-03-10" and week["sessions_done"] == 2
    assert week["today_done"] == 1 and client.post("/api/programme/review", headers=zone).status_code == 409
    progress = client.get("/api/progress", headers=zone).json()["weeks"]
    by_start = {w["week_start"]: w["plan_sessions"] for w in progress}
    assert by_start == {"2025-02-25": 1, "2025-03-04": 2, "2025-03-11": 1}
    # In UTC (no zone sent) her days are UTC days: the same grid and the same count for both pages.
    utc_week = client.get("/api/programme").json()["week"]
    utc_progress = {w["week_start"]: w["plan_sessions"] for w in client.get("/api/progress").json()["weeks"]}
    assert utc_progress[utc_week["first_day"]] == utc_week["sessions_done"]
    # Pages send her zone in a cookie (session.js sets it); a name that is no zone counts UTC days.
    client.cookies.set("pelvicore_tz", "Pacific/Auckland")
    assert client.get("/api/programme").json()["week"] == week
    client.cookies.set("pelvicore_tz", "Mars/Olympus_Mons")
    assert client.get("/api/programme").json()["week"] == utc_week


def test_reminder_times_and_the_calendar_feed(env: tuple[TestClient, SessionStore, Engine]) -> None:
    client, _, _ = env
    client.post("/api/programme", json=BY_HAND)
    assert client.get("/api/programme").json()["reminders"] == ["08:00", "13:00", "19:00"]
    assert client.put("/api/programme/reminders", json={"times": ["19:30", "07:15"]}).json() == {
        "times": ["07:15", "19:30"]
    }
    assert client.put("/api/programme/reminders", json={"times": ["25:00"]}).status_code == 422
    assert client.put("/api/programme/reminders", json={"times": ["07:15", "07:15"]}).status_code == 422
    assert client.put("/api/programme/reminders", json={"times": []}).status_code == 422
    ics = client.get("/programme/reminders.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "attachment" in ics.headers["content-disposition"]
    text = ics.text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.count("BEGIN:VEVENT") == 2
    assert "T071500\r\n" in text and "T193000\r\n" in text and "RRULE:FREQ=DAILY;COUNT=84" in text
    assert client.delete("/api/programme").status_code == 204  # she may drop the plan
    assert client.get("/programme/reminders.ics").status_code == 404
    assert client.delete("/api/programme").status_code == 404


def week_passes(served: Server) -> None:
    """Seven days pass for the served app: the plan and its sessions move a week into the past."""
    engine = make_engine(served.database_url)
    try:
        plans = Plans(PlanStore(engine))
        user = SessionStore(engine).ensure_user()
        stored = plans.get(user)
        assert stored is not None
        plans.save(user, replace(stored.plan, start=stored.plan.start - timedelta(days=7)), new_week=False)
        with engine.begin() as db:
            for sid, at in db.execute(select(LiveSession.id, LiveSession.created_at)).all():
                db.execute(update(LiveSession).where(LiveSession.id == sid).values(created_at=at - timedelta(days=7)))
    finally:
        engine.dispose()


def test_programme_in_the_browser(browser: Browser, server: Server) -> None:  # noqa: F811
    # Signed in by a cookie, as a person is: downloads carry no extra headers, and every change needs the page's
    # CSRF token, so this also proves the pages send it.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.grant_permissions(["notifications"], origin=server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.signin_url())
    expect(page).to_have_url(server + "/")
    page.get_by_role("link", name="Programme").click()
    expect(page.get_by_role("heading", name="Make your 12-week plan")).to_be_visible()
    # Keyboard only: type the numbers, tick nothing, and press Enter on the button.
    page.get_by_label("Strongest squeeze above rest").fill("20")
    page.get_by_label("Longest hold at ≥ 75 % of it (s)").fill("3")
    page.get_by_label("Quick squeezes in 10 s").fill("6")
    page.get_by_label("My squeezes let go slowly").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "make-by-hand"
    page.keyboard.press("Enter")
    expect(page.locator("#dose")).to_contain_text("8 holds of 3 s (6 s rest) + 3 quick flicks, lying")
    expect(page.locator("#plan-line")).to_contain_text("week 1 of 12")
    expect(page.get_by_role("heading", name="Holds: 8 x 3 s, 6 s rest, lying")).to_be_visible()
    expect(page.get_by_text("Source: Bø-style programme", exact=False).first).to_be_visible()
    expect(page.locator("#changes li").first).to_contain_text("NICE CG171")
    shot(page, "programme-desktop")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the calendar (.ics)").click()
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert ics.startswith("BEGIN:VCALENDAR") and ics.count("BEGIN:VEVENT") == 3
    assert download.value.suggested_filename == "pelvicore-training.ics"
    page.get_by_label("Set 1").fill("07:30")
    page.get_by_role("button", name="Save the times").click()
    expect(page.locator("#reminders-status")).to_contain_text("07:30")
    page.get_by_role("button", name="Turn on browser notifications").click()
    expect(page.locator("#notify-status")).to_contain_text("Notifications on at 07:30")
    expect(page.locator("#notify")).to_have_attribute("aria-pressed", "true")
    phone = context.new_page()
    phone.set_viewport_size({"width": 375, "height": 812})
    phone.goto(server + "/programme")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, "programme-phone")
    phone.close()
    page.get_by_label("Speed").select_option("10")
    page.get_by_role("button", name="Start today's session").click()
    page.wait_for_url("**/live")
    expect(page.get_by_role("heading", name="Training set: 8 holds of 3 s")).to_be_visible()
    expect(page.locator("#count")).not_to_have_text("0", timeout=15_000)
    page.get_by_role("button", name="Stop").click()
    back = page.get_by_role("link", name="Back to your programme")
    expect(back).to_be_visible(timeout=10_000)
    back.click()
    expect(page.locator("#today-count")).to_contain_text("1 of 3 sets done today")
    # Day one: the review waits for the week's end, and says when.
    review = page.get_by_role("button", name="Review week 1")
    expect(review).to_be_disabled()
    expect(review).to_contain_text("(from ")
    expect(page.locator("#review-when")).to_contain_text("This week ends on")
    expect(page.locator("#review-when")).to_contain_text("review it then")
    shot(page, "programme-review-waits")
    week_passes(server)
    page.reload()
    expect(page.get_by_role("button", name="Review week 1")).to_be_enabled()
    page.get_by_role("button", name="Review week 1").click()
    expect(page.locator("#review-result")).to_contain_text("Week 1 reviewed from 1 session(s). Now week 2")
    expect(page.locator("#review-result")).to_contain_text("1 of 21 planned sessions")  # too few to move the plan
    page.get_by_role("button", name="Show next week's plan").click()
    expect(page.locator("#plan-line")).to_contain_text("week 2 of 12")
    expect(page.get_by_role("button", name="Review week 2")).to_be_disabled()  # week 2 has only begun
    assert not errors, errors
    context.close()
