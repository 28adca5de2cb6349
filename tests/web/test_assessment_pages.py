"""Assessments in the web app: the report's JSON and page for each protocol, raw-unit trainers, and a guided
PERFECT session run from /assess in Chromium at 10x speed through to its report."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from signed_in import signed_in
from stored_sessions import store_simulated
from test_browser import browser, server, shot  # noqa: F401  (pytest fixtures)
from web_server import Server

from pelvicore.store import SessionStore, make_engine
from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[TestClient, SessionStore]]:
    url = f"sqlite:///{tmp_path / 'pelvicore.sqlite3'}"
    with signed_in(create_app(Settings(database_url=url, ble="none"))) as client:
        engine = make_engine(url)
        yield client, SessionStore(engine)
        engine.dispose()


def run_live(client: TestClient, routine: str, profile: str = "healthy") -> str:
    """Play ``routine`` on the simulator at 100x through the session API and wait for its end."""
    session_id = client.post(
        "/api/sessions", json={"routine": routine, "profile": profile, "speed": 100, "seed": 4}
    ).json()["id"]
    deadline = time.monotonic() + 30
    while client.get(f"/api/sessions/{session_id}").json()["status"] == "running":
        assert time.monotonic() < deadline, f"{routine} did not end"
        time.sleep(0.05)
    return session_id


def test_perfect_live_session_gives_power_class_and_every_contraction(env: tuple[TestClient, SessionStore]) -> None:
    client, _ = env
    session_id = run_live(client, "perfect", "weak")
    body = client.get(f"/api/sessions/{session_id}/assessment").json()
    assert body["protocol"] == "perfect" and body["calibrated"] and body["calibration_note"] is None
    result = body["result"]
    assert 7.5 <= result["power_cmh2o"] <= 20  # the simulator's weak floor: 7-14 cmH2O above rest
    assert result["power_class"] in ("very weak", "weak")
    assert result["units"]["pressure"] == "cmH2O" and result["units"]["time"] == "s"
    assert result["fast"] >= 8 and result["repetitions"] >= 4 and result["endurance_s"] > 5
    assert len(result["contractions"]) >= 15
    assert any("Angelo" in s for s in result["sources"]) and any("Laycock" in s for s in result["sources"])
    kinds = {p["kind"] for p in body["phases"]}
    assert {"maximal", "hold", "fast"} <= kinds  # the protocol's timeline, for the chart
    page = client.get(f"/sessions/{session_id}/assessment").text
    assert "cmH2O" in page and result["power_class"] in page and "Laycock &amp; Jerwood 2001" in page
    assert "Relaxation notes" in page


@pytest.mark.parametrize(
    ("routine", "protocol", "key"), [("glazer", "glazer", "phases"), ("cough", "cough", "knack_pct")]
)
def test_glazer_and_cough_reports(env: tuple[TestClient, SessionStore], routine: str, protocol: str, key: str) -> None:
    client, store = env
    user = store.ensure_user()
    session_id = store_simulated(store, user, routine, seed=2)
    body = client.get(f"/api/sessions/{session_id}/assessment").json()
    assert body["protocol"] == protocol and body["result"][key] is not None
    page = client.get(f"/sessions/{session_id}/assessment").text
    if protocol == "glazer":  # the simulator records pressure: the Glazer pressure variant, without EMG norms
        assert body["result"]["units"]["amplitude"] == "cmH2O" and body["result"]["norms"] == {}
        assert "The published norms are surface-EMG amplitudes" in page
    else:
        assert body["result"]["knack_pct"] == 100.0  # the healthy simulated person uses the Knack
        assert "Miller et al. 1998" in page


def test_glazer_on_surface_emg_is_compared_with_the_published_norms(env: tuple[TestClient, SessionStore]) -> None:
    client, store = env
    session_id = store_simulated(store, store.ensure_user(), "glazer", signals="emg", seed=2)
    body = client.get(f"/api/sessions/{session_id}/assessment").json()
    result = body["result"]
    assert result["units"]["amplitude"] == "uV" and set(result["norms"]) == set(result["phases"])
    assert all(n["position"] in ("below", "within", "above") for n in result["norms"].values())
    page = client.get(f"/sessions/{session_id}/assessment").text
    assert "Oleksy et al. 2020" in page and "mean ± 1 SD" in page and "Norm (µV, mean ± SD)" in page


def test_relaxation_runs_on_any_session_and_never_diagnoses(env: tuple[TestClient, SessionStore]) -> None:
    client, store = env
    session_id = store_simulated(store, store.ensure_user(), "quick-check", profile="hypertonic", seed=1)
    body = client.get(f"/api/sessions/{session_id}/assessment").json()
    assert body["protocol"] == "relaxation"
    result = body["result"]
    assert result["over_tight"] and result["release_s"] > 1.0 and result["units"]["time"] == "s"
    assert "physiotherapist can check" in result["note"]
    page = client.get(f"/sessions/{session_id}/assessment").text
    assert "can go with" in page and "Glazer 1995" in page
    assert "diagnosed" not in page.lower() and "you have" not in page.lower()


def test_raw_trainer_says_which_results_need_calibrated_pressure(env: tuple[TestClient, SessionStore]) -> None:
    client, store = env
    session_id = store_simulated(store, store.ensure_user(), "perfect", unit="raw", seed=3)
    response = client.get(f"/api/sessions/{session_id}/assessment")
    assert response.status_code == 409 and "cmH2O" in response.json()["detail"]
    page = client.get(f"/sessions/{session_id}/assessment").text
    assert "Results that need calibrated pressure" in page and "raw numbers" in page
    assert "Relaxation notes" in page  # what needs no calibration is still shown
    relax = client.get(f"/api/sessions/{session_id}/assessment?protocol=relaxation").json()
    assert relax["calibrated"] is False and "need no calibration" in relax["calibration_note"]
    assert relax["result"]["units"]["level"] == "raw" and relax["result"]["release_s"] is not None


def test_report_errors(env: tuple[TestClient, SessionStore]) -> None:
    client, store = env
    assert client.get("/api/sessions/nope/assessment").status_code == 404
    assert client.get("/sessions/nope/assessment").status_code == 404
    perfect = store_simulated(store, store.ensure_user(), "perfect")
    glazer = client.get(f"/api/sessions/{perfect}/assessment?protocol=glazer")
    assert glazer.status_code == 409 and "Glazer" in glazer.json()["detail"]  # no Glazer cues in a PERFECT session
    assert client.get(f"/api/sessions/{perfect}/assessment?protocol=nope").status_code == 422
    running = client.post("/api/sessions", json={"routine": "glazer", "speed": 1}).json()["id"]
    assert client.get(f"/api/sessions/{running}/assessment").status_code == 409
    assert "still running" in client.get(f"/sessions/{running}/assessment").text
    client.post(f"/api/sessions/{running}/stop")


def test_assess_page_lists_the_guided_assessments(env: tuple[TestClient, SessionStore]) -> None:
    client, _ = env
    page = client.get("/assess").text
    for title in ("PERFECT assessment", "Glazer protocol (340 s)", "Cough test (the Knack)"):
        assert title in page
    assert 'href="/assess"' in client.get("/").text  # the nav links to it


def test_guided_perfect_in_the_browser(browser: Browser, server: Server) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900}, extra_http_headers=server.headers)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/")
    page.get_by_role("link", name="Assess").click()
    expect(page.get_by_role("heading", name="Assess your pelvic floor")).to_be_visible()
    # Keyboard only: the assessments are radio buttons, then the sensor, the speed and the start button.
    page.get_by_label("PERFECT assessment").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("PERFECT assessment")).to_be_checked()
    page.get_by_label("Speed").select_option("10")
    page.get_by_label("Speed").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "start"
    page.keyboard.press("Enter")
    page.wait_for_url("**/live")
    expect(page.get_by_role("heading", name="PERFECT assessment")).to_be_visible()
    report = page.get_by_role("link", name="See the assessment report")
    expect(report).to_be_visible(timeout=40_000)  # 165 s of protocol at 10x
    report.click()
    page.wait_for_url("**/assessment")
    expect(page.locator("#power")).to_contain_text("cmH2O")
    power_class = page.locator("#power-class").inner_text()
    assert power_class in ("very weak", "weak", "moderate", "good", "strong")
    expect(page.locator("#power-classes tr.current")).to_contain_text(power_class)
    expect(page.locator("#endurance")).to_contain_text(" s")
    assert page.locator("#contractions tbody tr").count() >= 15  # 3 strongest, 5 holds, 10 quick
    expect(page.locator("#assessment-chart canvas")).to_be_visible()
    expect(page.locator("#assessment-chart[data-ready=true]")).to_have_count(1)
    expect(page.get_by_text("Laycock & Jerwood 2001", exact=False).first).to_be_visible()
    expect(page.locator("#phase-legend li")).not_to_have_count(0)
    shot(page, "assessment-perfect-desktop")
    url = page.url
    phone = browser.new_page(viewport={"width": 375, "height": 812}, extra_http_headers=server.headers)
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    phone.goto(url)
    expect(phone.locator("#assessment-chart canvas")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
    shot(phone, "assessment-perfect-phone")
    phone.goto(server + "/assess")
    shot(phone, "assess-phone")
    assert not errors, errors
    page.close()
    phone.close()


def test_a_report_offers_only_the_assessments_its_routine_contained(env: tuple[TestClient, SessionStore]) -> None:
    client, store = env
    perfect = store_simulated(store, store.ensure_user(), "perfect", seed=5)
    page = client.get(f"/sessions/{perfect}/assessment").text
    assert "PERFECT (squeeze pressure)" in page and "Relaxation" in page
    assert "protocol=glazer" not in page and "protocol=cough" not in page
    refused = client.get(f"/sessions/{perfect}/assessment?protocol=glazer")
    assert refused.status_code == 404 and refused.headers["content-type"].startswith("text/html")
    assert "had no Glazer protocol" in refused.text
    quick = store_simulated(store, store.ensure_user(), "quick-check", seed=5)
    page = client.get(f"/sessions/{quick}/assessment").text
    assert 'aria-label="Assessments of this session"' not in page  # one assessment: no tabs


def test_a_stopped_test_says_so_in_plain_words(env: tuple[TestClient, SessionStore]) -> None:
    client, _ = env
    session_id = client.post("/api/sessions", json={"routine": "perfect", "speed": 20, "seed": 1}).json()["id"]
    time.sleep(1.5)
    assert client.post(f"/api/sessions/{session_id}/stop").status_code == 200
    deadline = time.monotonic() + 30
    while client.get(f"/api/sessions/{session_id}").json()["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    api = client.get(f"/api/sessions/{session_id}/assessment")
    assert api.status_code == 409  # the API keeps the technical reason for programs
    page = client.get(f"/sessions/{session_id}/assessment").text
    assert "ended before the PERFECT (squeeze pressure) was complete" in page
    assert api.json()["detail"] not in page  # no internal message on screen
