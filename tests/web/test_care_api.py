"""The care JSON API: profile, diary with triage on what is new, instrument scores, triage, bone, plan, insight.

Hostile input — wrong types, unknown keys, NaN, bodies that are not JSON or not UTF-8 — gets a 422 naming the key.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from care_history import simulated_history, store_sessions
from fastapi.testclient import TestClient
from signed_in import signed_in
from typer.testing import CliRunner

from pelvicore.care.instruments import START_BACK_NOTICE
from pelvicore.cli import app as cli_app
from pelvicore.web.app import create_app
from pelvicore.web.care_data import review_week
from pelvicore.web.settings import Settings

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the tests that store nothing (refusals, scores, triage, bone): quicker than one app each."""
    url = f"sqlite:///{tmp_path_factory.mktemp('care-api') / 'pelvicore.sqlite3'}"
    with signed_in(create_app(Settings(database_url=url, ble="none"))) as c:
        yield c


def day(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).isoformat()


def detail(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    assert isinstance(body["detail"], str), body
    return body["detail"]


# -- profile ---------------------------------------------------------------------------------------------------------
def test_profile_is_empty_until_saved_and_says_what_bone_screening_needs(client: TestClient) -> None:
    r = client.get("/api/care/profile")
    assert r.status_code == 200
    assert r.json() == {"profile": {}, "needs": {"bone": ["age", "weight_kg"], "bmi": ["weight_kg", "height_cm"]}}


def test_saving_a_profile_runs_triage_on_her_history(client: TestClient) -> None:
    profile = {"age": 58, "weight_kg": 64, "menopause_status": "post", "cancer": True, "goals": ["less_back_pain"]}
    r = client.put("/api/care/profile", json=profile)
    assert r.status_code == 200
    body = r.json()
    assert body["profile"] == profile
    assert body["needs"] == {"bone": [], "bmi": ["height_cm"]}
    assert body["triage"]["level"] == "soon"
    assert any(reason["flag"] == "cancer_history" for reason in body["triage"]["reasons"])
    assert client.get("/api/care/profile").json()["profile"] == profile
    assert client.delete("/api/care/profile").status_code == 204
    assert client.get("/api/care/profile").json()["profile"] == {}


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ({"age": "62"}, "age"),
        ({"age": 62.5}, "age"),
        ({"weight_kg": 5000}, "weight_kg"),
        ({"menopause_status": "later"}, "menopause_status"),
        ({"goals": "sleep"}, "goals"),
        ({"agee": 62}, "did you mean 'age'"),
        ({"device": "toaster"}, "device"),
        ([1, 2], "JSON object"),
    ],
)
def test_a_wrong_profile_is_refused_naming_the_field(shared: TestClient, body: object, phrase: str) -> None:
    r = shared.put("/api/care/profile", json=body)
    assert r.status_code == 422
    assert phrase in detail(r)


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        (b'{"weight_kg": NaN}', "weight_kg"),
        (b'{"age": 1e400}', "age"),
        (b'{"age": 58,', "not valid JSON"),
        (b"\xff\xfe{}", "UTF-8"),
        (b"[" * 50_000, "JSON"),
        (b'{"age": ' + b"9" * 5000 + b"}", "JSON"),
        (b"", "JSON"),
    ],
)
def test_bodies_that_are_not_usable_json_get_422(shared: TestClient, raw: bytes, phrase: str) -> None:
    for method, url in (("PUT", "/api/care/profile"), ("POST", "/api/care/diary"), ("POST", "/api/care/triage")):
        r = shared.request(method, url, content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 422, (url, r.text)
        assert phrase in detail(r) or "date" in detail(r)


def test_a_huge_body_is_refused(shared: TestClient) -> None:
    r = shared.post("/api/care/triage", content=b" " * 100_000 + b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 413


# -- diary -----------------------------------------------------------------------------------------------------------
def test_a_plain_entry_needs_no_triage_and_a_new_warning_sign_is_triaged_at_once(client: TestClient) -> None:
    plain = client.post("/api/care/diary", json={"date": day(2), "pain": 3, "where": ["lower_back"]})
    assert plain.status_code == 200
    body = plain.json()
    assert body["triage"] is None and body["flags"]["triage"] is False and body["replaced"] is False
    assert body["scores"][0]["band"] == "mild"

    urgent = client.post("/api/care/diary", json={"date": day(1), "pain": 6, "signs": ["saddle_numbness"]})
    result = urgent.json()["triage"]
    assert result["level"] == "emergency"
    assert result["reasons"][0]["flag"] == "saddle_numbness" and result["sources"]

    radiating = {"date": day(0), "pain": 5, "where": ["radiating_hips_legs"], "leg_tingling_or_numbness": True}
    assert client.post("/api/care/diary", json=radiating).json()["triage"]["level"] == "soon"
    again = client.post("/api/care/diary", json=radiating | {"pain": 4})
    assert again.json()["replaced"] is True
    entries = client.get("/api/care/diary").json()
    assert [e["date"] for e in entries] == [day(2), day(1), day(0)]
    assert entries[-1]["pain"] == 4
    assert client.get("/api/care/diary", params={"start": day(1), "end": day(1)}).json()[0]["date"] == day(1)

    assert client.delete(f"/api/care/diary/{day(2)}").status_code == 204
    assert client.delete(f"/api/care/diary/{day(2)}").status_code == 404
    assert "day" in detail(client.delete("/api/care/diary/2025-02-30"))


def test_new_leaking_asks_her_to_confirm_a_bladder_problem(client: TestClient) -> None:
    for k in range(10, 1, -1):
        client.post("/api/care/diary", json={"date": day(k), "leaking_episodes": 0})
    body = client.post("/api/care/diary", json={"date": day(1), "leaking_episodes": 2}).json()
    assert body["triage"]["level"] in ("self-care", "routine")
    assert body["flags"]["confirm"][0]["key"] == "new_bladder_problem"


def test_entered_scores_are_stored_with_the_entry(client: TestClient) -> None:
    entry = {
        "date": day(0),
        "peg": [4, 3, 5],
        "instruments": {"odi": {"sections": [2, 1, None, 3, 2, 2, 1, 0, 2, 1]}, "iciq_ui_sf": {"total": 8}},
    }
    scores = {s["instrument"]: s for s in client.post("/api/care/diary", json=entry).json()["scores"]}
    assert scores["peg3"]["value"] == 4.0
    assert scores["odi"]["value"] == pytest.approx(31.11) and scores["odi"]["band"] == "moderate"
    assert scores["iciq_ui_sf"]["band"] == "moderate" and "no absolute meaning" in scores["iciq_ui_sf"]["caveat"]


@pytest.mark.parametrize(
    ("entry", "phrase"),
    [
        ({"date": "2025-02-30"}, "date"),
        ({"date": "2025-03-03", "pain": 11}, "pain"),
        ({"date": "2025-03-03", "pain": True}, "pain"),
        ({"date": "2025-03-03", "peg": [4, 3]}, "peg"),
        ({"date": "2025-03-03", "where": ["knee"]}, "where"),
        ({"date": "2025-03-03", "signs": "fever"}, "signs"),
        ({"date": "2025-03-03", "leaking_episodes": -1}, "leaking_episodes"),
        ({"date": "2025-03-03", "sleep_hours": 25}, "sleep_hours"),
        ({"date": "2025-03-03", "instruments": {"odi": {"percent": 101}}}, "odi.percent"),
        ({"date": "2025-03-03", "instruments": {"odi": {"sections": [1] * 7 + [None] * 3}}}, "odi.sections"),
        ({"date": "2025-03-03", "instruments": {"mrs": {"items": [1] * 11, "total": 11}}}, "mrs"),
        ({"date": "2025-03-03", "instruments": {"sf36": {}}}, "sf36"),
        ({"date": "2025-03-03", "mood": 3}, "mood"),
    ],
)
def test_a_wrong_diary_entry_is_refused_naming_the_field(shared: TestClient, entry: object, phrase: str) -> None:
    r = shared.post("/api/care/diary", json=entry)
    assert r.status_code == 422
    assert phrase in detail(r)


def test_an_entry_that_says_nothing_or_is_out_of_time_is_not_saved(shared: TestClient) -> None:
    today = dt.date.today()
    empty = shared.post("/api/care/diary", json={"date": today.isoformat()})
    assert empty.status_code == 422 and "nothing to save" in detail(empty)
    future = shared.post("/api/care/diary", json={"date": (today + dt.timedelta(days=3)).isoformat(), "pain": 2})
    assert future.status_code == 422 and "in the future" in detail(future)
    old = shared.post("/api/care/diary", json={"date": (today - dt.timedelta(days=400)).isoformat(), "pain": 2})
    assert old.status_code == 422 and "more than a year ago" in detail(old)
    assert shared.get("/api/care/diary").json() == []  # none of them was stored
    page = shared.post("/care/diary", json={"date": today.isoformat()})  # the diary page's own request
    assert page.status_code == 422 and "nothing to save" in detail(page)


# -- instruments -----------------------------------------------------------------------------------------------------
def test_questionnaire_scores_come_with_band_source_and_notice(shared: TestClient) -> None:
    sbt = {"items": [True, True, False, False, True, True, True, False], "bothersome": "very much"}
    score = shared.post("/api/care/instruments/start_back", json=sbt).json()
    assert score["value"] == 6 and score["band"] == "high risk"
    assert score["notice"] == START_BACK_NOTICE
    mrs = shared.post("/api/care/instruments/mrs", json={"total": 12}).json()
    assert mrs["band"] == "moderate" and mrs["caveat"] and len(mrs["sources"]) == 2
    assert "unknown instrument" in detail(shared.post("/api/care/instruments/sf36", json={}))
    fragment = shared.post("/care/diary/score/odi", json={"percent": 30})
    assert fragment.status_code == 200 and "Oswestry Disability Index (ODI)" in fragment.text
    assert "unknown instrument" in detail(shared.post("/care/diary/score/sf36", json={}))
    assert "odi.percent" in detail(
        shared.post("/care/diary/score/odi", content=b'{"percent": NaN}', headers={"Content-Type": "application/json"})
    )
    assert "iciq_ui_sf.amount" in detail(shared.post("/api/care/instruments/iciq_ui_sf", json={
        "frequency": 2, "amount": 3, "interference": 4}))  # fmt: skip


# -- triage ----------------------------------------------------------------------------------------------------------
VIGNETTES = [
    {"saddle_numbness": True},
    {"age": 61, "new_bladder_problem": True, "stress_incontinence_longstanding": True},
    {"pain_both_legs": True},
    {"age": 72, "minor_trauma_or_fall": True},
    {"cancer_history": True, "pain_weeks": 2},
    {"fever": True, "immunosuppressed": True},
    {"radiating_leg_pain_with_numbness": True},
    {"pain_weeks": 6},
    {"age": 55},
    {"stress_incontinence_longstanding": True},
    {},
]


@pytest.mark.parametrize("answers", VIGNETTES)
def test_triage_answers_as_the_command_line_does(shared: TestClient, answers: dict[str, object]) -> None:
    r = shared.post("/api/care/triage", json=answers)
    assert r.status_code == 200
    cli = CliRunner().invoke(cli_app, ["care", "triage", "--answers", "-", "--json"], input=json.dumps(answers))
    assert cli.exit_code == 0, cli.output
    assert r.json() == json.loads(cli.stdout)


def test_triage_levels(shared: TestClient) -> None:
    levels = [shared.post("/api/care/triage", json=a).json()["level"] for a in VIGNETTES]
    assert levels == ["emergency"] * 3 + ["soon"] * 5 + ["routine", "self-care", "self-care"]


@pytest.mark.parametrize(
    ("answers", "phrase"),
    [
        ({"fever": "yes"}, "fever"),
        ({"fever": 1}, "fever"),
        ({"age": True}, "age"),
        ({"age": 130}, "age"),
        ({"pain_weeks": -1}, "pain_weeks"),
        ({"fevr": True}, "did you mean 'fever'"),
        ("fever", "JSON object"),
    ],
)
def test_wrongly_typed_answers_get_422_naming_the_key(shared: TestClient, answers: object, phrase: str) -> None:
    r = shared.post("/api/care/triage", json=answers)
    assert r.status_code == 422
    assert phrase in detail(r)


# -- bone ------------------------------------------------------------------------------------------------------------
def test_bone_screen(shared: TestClient) -> None:
    r = shared.get("/api/care/bone", params={"age": 62, "weight_kg": 55})
    body = r.json()
    assert (body["ost"], body["ost_recommend_dxa"], body["orai"], body["orai_refer"]) == (-1.4, True, 16, True)
    assert body["score"] is None and body["frax_url"] == "https://frax.shef.ac.uk/FRAX/"
    on_hrt = shared.get("/api/care/bone", params={"age": 62, "weight_kg": 55, "estrogen": "true"}).json()
    assert on_hrt["orai"] == 14
    full = {"age": 62, "weight_kg": 55, "black": False, "rheumatoid_arthritis": False, "fractures_after_45": 0,
            "ever_estrogen": False}  # fmt: skip
    assert shared.get("/api/care/bone", params=full).json()["score"] == 12


@pytest.mark.parametrize(
    "params",
    [
        {"age": 62, "weight_kg": "nan"},
        {"age": 62, "weight_kg": "1e400"},
        {"age": 62, "weight_kg": "-inf"},
        {"age": "abc", "weight_kg": 55},
        {"age": 500, "weight_kg": 55},
        {"age": 62},
        {"age": 40, "weight_kg": 55, "fractures_after_45": 1},
        {"age": 62, "weight_kg": 55, "estrogen": "maybe"},
    ],
)
def test_bad_bone_inputs_get_422(shared: TestClient, params: dict[str, object]) -> None:
    r = shared.get("/api/care/bone", params=params)
    assert r.status_code == 422, r.text
    assert any(name in r.text for name in ("age", "weight", "fractures", "estrogen"))


def test_the_bone_page_refuses_nonsense_with_422_and_says_why(shared: TestClient) -> None:
    r = shared.get("/care/bone", params={"age": "sixty", "weight_kg": "55"})
    assert r.status_code == 422
    assert "age: expected a whole number" in r.text
    assert shared.get("/care/bone", params={"age": "62", "weight_kg": "nan"}).status_code == 422
    assert shared.get("/care/bone", params={"age": "62", "weight_kg": "55", "black": "perhaps"}).status_code == 422
    ok = shared.get("/care/bone", params={"age": "62", "weight_kg": "55"})
    assert ok.status_code == 200 and "16 of 26 points" in ok.text


# -- plan ------------------------------------------------------------------------------------------------------------
def test_plan_has_every_area_with_sources_and_a_weekly_review(client: TestClient) -> None:
    plan = client.get("/api/care/plan").json()
    assert len(plan["items"]) == 8 and all(item["sources"] for item in plan["items"])
    assert plan["urgent"] is None
    assert plan["next_review"] == (TODAY + dt.timedelta(days=7)).isoformat()
    client.post("/api/care/diary", json={"date": day(9), "pain": 4})
    plan = client.get("/api/care/plan").json()
    assert plan["week_began"] == day(2) and plan["next_review"] == (TODAY + dt.timedelta(days=5)).isoformat()
    client.post("/api/care/diary", json={"date": day(1), "pain": 5, "signs": ["fever"]})
    client.post("/api/care/diary", json={"date": day(0), "pain": 4})
    plan = client.get("/api/care/plan").json()
    assert plan["urgent"]["level"] == "soon" and plan["triage"]["level"] == "soon"  # yesterday's fever still counts


def test_a_warning_sign_heads_the_plan_for_a_week(client: TestClient) -> None:
    client.post("/api/care/diary", json={"date": day(8), "pain": 5, "signs": ["saddle_numbness"]})
    client.post("/api/care/diary", json={"date": day(0), "pain": 3})
    assert client.get("/api/care/plan").json()["urgent"] is None
    client.post("/api/care/diary", json={"date": day(6), "pain": 5, "signs": ["saddle_numbness"]})
    plan = client.get("/api/care/plan").json()
    assert plan["urgent"]["level"] == "emergency"
    assert plan["urgent"]["reasons"][0].startswith("Numbness or changed feeling")


def test_review_weeks_run_from_the_first_diary_day() -> None:
    first = dt.date(2025, 3, 3)
    assert review_week(first, dt.date(2025, 3, 3)) == (first, dt.date(2025, 3, 10))
    assert review_week(first, dt.date(2025, 3, 16)) == (dt.date(2025, 3, 10), dt.date(2025, 3, 17))
    assert review_week(None, first) == (first, dt.date(2025, 3, 10))


# -- insight ---------------------------------------------------------------------------------------------------------
def seed(client: TestClient, *, effect: float) -> None:
    history = simulated_history(TODAY, effect=effect)
    for entry in history.entries:
        assert client.post("/api/care/diary", json=entry).status_code == 200
    state = client.app.state  # type: ignore[attr-defined]
    store_sessions(state.store.engine, state.store.ensure_user(), history.sessions)


def test_insight_says_not_enough_data_for_a_new_user(client: TestClient) -> None:
    insight = client.get("/api/care/insight").json()
    assert insight["weeks"] == []
    assert insight["pain"]["status"] == "not_enough_data" and insight["pain"]["claim"] is False
    assert "Not enough data yet" in client.get("/care/insight").text


def test_insight_finds_that_training_goes_with_less_pain(client: TestClient) -> None:
    seed(client, effect=-0.6)
    insight = client.get("/api/care/insight").json()
    assert len(insight["weeks"]) == 10
    pain = insight["pain"]
    assert pain["status"] == "lower" and pain["ci_high"] < 0 and pain["claim"] is True
    page = client.get("/care/insight").text
    assert "In weeks after you trained more, your pain was lower" in page and 'id="not-enough"' not in page


def test_insight_makes_no_claim_without_a_relation(client: TestClient) -> None:
    seed(client, effect=0.0)
    pain = client.get("/api/care/insight").json()["pain"]
    assert pain["status"] == "no_clear_relation" and pain["ci_low"] < 0 < pain["ci_high"]
