"""FHIR R4 export: session and person bundles parse back with the R4B models, every reference resolves inside the
bundle, units are UCUM where calibrated and text-only where raw, lost samples are "E"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codesystem import CodeSystem
from sqlalchemy import Engine
from stored_sessions import store_simulated

from pelvicore.care.diary import DiaryEntry
from pelvicore.care.instruments import score_entered
from pelvicore.care.profile import CareProfile
from pelvicore.care.records import CareRecords
from pelvicore.exports.errors import ExportError
from pelvicore.exports.fhir import PatientFacts, code_system, person_bundle, session_bundle
from pelvicore.exports.fhir_codes import CODE_SYSTEM_URL, LOCAL_CODES
from pelvicore.exports.fhir_session import sampled_data
from pelvicore.store import SessionStore, make_engine, migrate
from pelvicore.store.care import CareStore
from pelvicore.store.plans import PlanStore
from pelvicore.training.plan_records import Plans

UCUM = "http://unitsofmeasure.org"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'fhir.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def user(store: SessionStore) -> int:
    return store.ensure_user("her")


def parsed(text: str) -> tuple[Bundle, list[dict[str, Any]]]:
    """The bundle read back by the R4B model (so it is valid), and its entries as plain JSON."""
    bundle = Bundle.model_validate_json(text)
    assert bundle.type == "collection"
    return bundle, json.loads(text)["entry"]


def resources(entries: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in entries if e["resource"]["resourceType"] == kind]


def coded(resources_: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [r for r in resources_ if any(c["code"] == code for c in r.get("code", {}).get("coding", []))]


def references(node: object) -> Iterator[str]:
    """Every ``reference`` anywhere in a resource (subject, device, derivedFrom, hasMember, patient, focus...)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def quantities(node: object) -> Iterator[dict[str, Any]]:
    """Every Quantity (a dict with a ``unit``) anywhere in a resource."""
    if isinstance(node, dict):
        if "unit" in node:
            yield node
        for value in node.values():
            yield from quantities(value)
    elif isinstance(node, list):
        for value in node:
            yield from quantities(value)


def assert_references_resolve(entries: list[dict[str, Any]]) -> None:
    urls = [e["fullUrl"] for e in entries]
    assert len(urls) == len(set(urls))
    assert all(u.startswith("urn:uuid:") for u in urls)
    found = [ref for e in entries for ref in references(e["resource"])]
    assert found, "a bundle without references"
    assert set(found) <= set(urls)


def component(resource: dict[str, Any], code: str) -> dict[str, Any]:
    (part,) = [c for c in resource["component"] if c["code"]["coding"][0]["code"] == code]
    return part


def test_session_bundle_holds_patient_device_contractions_and_trace(store: SessionStore, user: int) -> None:
    session_id = store_simulated(store, user, "perfect")
    record = store.get(session_id, owner=user)
    assert record is not None
    _, trace, _ = store.load_trace(session_id, owner=user)
    text = session_bundle(store, session_id, owner=user, patient=PatientFacts(email="her@example.org"))
    _, entries = parsed(text)
    assert_references_resolve(entries)

    (patient,) = resources(entries, "Patient")
    assert patient["identifier"] == [{"system": "https://pelvicore.org/fhir/sid/account", "value": str(user)}]
    assert patient["telecom"] == [{"system": "email", "value": "her@example.org"}]
    assert "name" not in patient and "birthDate" not in patient
    (device,) = resources(entries, "Device")
    assert device["type"]["coding"][0]["code"] == "simulator"

    observations = resources(entries, "Observation")
    contractions = coded(observations, "contraction")
    assert len(contractions) == len(record.contractions) == record.contraction_count > 0
    for obs in contractions:
        assert obs["status"] == "final"
        assert obs["category"][0]["coding"][0]["code"] == "exam"
        peak = component(obs, "peak-above-rest")["valueQuantity"]
        assert (peak["system"], peak["code"], peak["unit"]) == (UCUM, "cm[H2O]", "cmH2O")
        assert component(obs, "hold")["valueQuantity"]["code"] == "s"
        assert component(obs, "technique")["valueCodeableConcept"]["coding"][0]["code"].startswith("technique-")
    assert obs["effectivePeriod"]["start"] < obs["effectivePeriod"]["end"]

    (trace_obs,) = coded(observations, "signal-trace")
    assert {c["code"]["text"] for c in trace_obs["component"]} == set(record.units)
    floor = component(trace_obs, "pelvic-floor-signal")["valueSampledData"]
    assert floor["period"] == pytest.approx(1000.0 / record.fs_hz)
    assert floor["dimensions"] == 1
    assert floor["origin"]["code"] == "cm[H2O]"
    values = floor["data"].split(" ")
    assert len(values) == trace["floor"].size
    np.testing.assert_allclose([float(v) for v in values], trace["floor"], atol=5e-4)

    (summary,) = coded(observations, "training-session")
    members = {m["reference"] for m in summary["hasMember"]}
    (perfect,) = coded(observations, "perfect")
    assert {c["code"]["coding"][0]["code"] for c in perfect["component"]} >= {"perfect-p", "perfect-e", "perfect-r"}
    assert next(e["fullUrl"] for e in entries if e["resource"] is perfect) in members


def test_raw_session_has_no_cmh2o_and_writes_raw_as_text(store: SessionStore, user: int) -> None:
    session_id = store_simulated(store, user, "cough", unit="raw")
    text = session_bundle(store, session_id, owner=user)
    _, entries = parsed(text)
    assert "cm[H2O]" not in text
    assert {q["unit"] for e in entries for q in quantities(e["resource"])} == {"raw", "s", "%"}
    contraction = coded(resources(entries, "Observation"), "contraction")[0]
    assert component(contraction, "peak-above-rest")["valueQuantity"]["unit"] == "raw"
    assert "system" not in component(contraction, "peak-above-rest")["valueQuantity"]
    (summary,) = coded(resources(entries, "Observation"), "training-session")
    assert "not scored" in summary["note"][0]["text"]  # the cough test needs cmH2O


def test_lost_samples_are_written_as_E_and_a_stopped_session_says_so(store: SessionStore, user: int) -> None:
    store.save_calibration(user, "perifit", "AA:BB", rest=1200.0, mvc=800.0, unit="raw")
    session_id = store.create_session(
        user, source="device", profile="perifit", routine="daily", speed=1.0, fs_hz=10.0,
        units={"floor": "raw", "abdomen": "raw"},
    )  # fmt: skip
    store.append_chunk(session_id, 0, {"floor": [1.0, 2.0, 3.5, np.nan, 5.0], "abdomen": [0.0] * 5})
    store.append_chunk(session_id, 8, {"floor": [8.25, 9.0], "abdomen": [1.0, -1.0]})  # samples 5-7 lost
    store.finish(session_id, "stopped", None, reason="she pressed stop")
    _, entries = parsed(session_bundle(store, session_id, owner=user))
    assert_references_resolve(entries)
    (trace_obs,) = coded(resources(entries, "Observation"), "signal-trace")
    floor = component(trace_obs, "pelvic-floor-signal")["valueSampledData"]
    assert floor["data"] == "1 2 3.5 E 5 E E E 8.25 9"
    assert floor["period"] == pytest.approx(100.0)
    assert "system" not in floor["origin"] and floor["origin"]["unit"] == "raw"
    (device,) = resources(entries, "Device")
    assert device["deviceName"][0]["name"] == "Perifit Care / Care+"
    assert [p["valueQuantity"][0]["value"] for p in device["property"]] == [1200.0, 800.0]
    (summary,) = coded(resources(entries, "Observation"), "training-session")
    assert summary["status"] == "final"
    assert "stopped" in summary["note"][0]["text"] and "she pressed stop" in summary["note"][0]["text"]


def test_an_absurd_playback_speed_still_gives_valid_times(store: SessionStore, user: int) -> None:
    # The API refuses speeds under 0.1; a stored session with a broken one exports at the recording's own times.
    session_id = store.create_session(
        user, source="simulator", profile="healthy", routine="daily", speed=5e-324, fs_hz=10.0, units={"floor": "cmH2O"}
    )
    store.append_chunk(session_id, 0, {"floor": [0.0, 20.0, 20.0, 0.0]})
    store.append_events(session_id, [{"kind": "contraction", "t_s": 0.1, "onset_s": 0.1, "offset_s": 0.3,
                                      "peak": 20.0, "hold_s": 0.2, "technique": "lift"}])  # fmt: skip
    store.finish(session_id, "completed", None)
    _, entries = parsed(session_bundle(store, session_id, owner=user))
    (contraction,) = coded(resources(entries, "Observation"), "contraction")
    start = datetime.fromisoformat(contraction["effectivePeriod"]["start"])
    assert timedelta(0) < start - store.get(session_id, owner=user).created_at < timedelta(seconds=1)  # type: ignore[union-attr]


def test_sampled_data_precision_and_signs() -> None:
    assert sampled_data(np.array([0.0, -0.0001, 1.23456, -2.5, np.inf, 4000.0])) == "0 0 1.235 -2.5 E 4000"


def test_a_session_of_someone_else_or_none_raises_export_error(store: SessionStore, user: int) -> None:
    session_id = store_simulated(store, user, "cough")
    other = store.ensure_user("someone else")
    with pytest.raises(ExportError, match=f"no session '{session_id}' of user {other}"):
        session_bundle(store, session_id, owner=other)
    with pytest.raises(ExportError, match="no session 'nope'"):
        session_bundle(store, "nope", owner=user)


def test_person_bundle_has_pain_per_diary_day_responses_and_sessions(
    store: SessionStore, engine: Engine, user: int
) -> None:
    care = CareRecords(CareStore(engine))
    care.save_profile(user, CareProfile(age=58))
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=n) for n in (3, 2, 1)]
    care.add_entry(user, DiaryEntry(days[0], pain=6, peg=(6, 5, 4), where=("lower_back",), sleep_hours=6.5))
    care.add_entry(user, DiaryEntry(days[1], leaking_episodes=2))  # no pain that day
    care.add_entry(user, DiaryEntry(days[2], pain=3, instruments=(score_entered("odi", {"percent": 24}),)))
    care.add_entry(user, DiaryEntry(today - timedelta(days=30), pain=9))  # outside the period
    store_simulated(store, user, "cough", engine=engine, created_at=datetime.combine(days[1], datetime.min.time(), UTC))
    store_simulated(store, user, "cough", engine=engine, created_at=datetime.now(UTC) - timedelta(days=40))

    text = person_bundle(store, care, Plans(PlanStore(engine)), user_id=user, start=days[0], end=today)
    _, entries = parsed(text)
    assert_references_resolve(entries)
    observations = resources(entries, "Observation")
    pain = [o for o in observations if o["code"]["coding"][0] == {
        "system": "http://loinc.org", "code": "72514-3",
        "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    }]  # fmt: skip
    assert [(o["effectiveDateTime"], o["valueInteger"]) for o in pain] == [
        (days[0].isoformat(), 6),
        (days[2].isoformat(), 3),
    ]
    assert all(o["category"][0]["coding"][0]["code"] == "survey" for o in pain)
    (peg,) = coded(observations, "peg3")
    assert peg["valueQuantity"]["value"] == 5.0
    (odi,) = coded(observations, "odi")  # ODI's LOINC code is unverified: local code
    assert odi["code"]["coding"][0]["system"] == CODE_SYSTEM_URL
    assert odi["valueQuantity"]["code"] == "%"
    (age,) = coded(observations, "age-reported")
    assert age["valueQuantity"]["value"] == 58
    assert "birthDate" not in resources(entries, "Patient")[0]

    responses = resources(entries, "QuestionnaireResponse")
    assert [r["authored"] for r in responses] == [d.isoformat() for d in days]
    first = {item["linkId"]: item for item in responses[0]["item"]}
    assert first["pain"]["answer"] == [{"valueInteger": 6}]
    assert [i["answer"][0]["valueInteger"] for i in first["peg"]["item"]] == [6, 5, 4]
    assert first["where"]["answer"][0]["valueCoding"]["code"] == "region-lower_back"
    assert first["sleep_hours"]["answer"] == [{"valueDecimal": 6.5}]
    assert all(o["derivedFrom"][0]["reference"] in {e["fullUrl"] for e in entries} for o in pain)

    assert len(coded(observations, "training-session")) == 1  # the one in the period
    assert coded(observations, "contraction") and not coded(observations, "signal-trace")
    assert len(resources(entries, "Device")) == 1


def test_person_bundle_scope_leaves_out_what_is_not_shared(store: SessionStore, engine: Engine, user: int) -> None:
    care = CareRecords(CareStore(engine))
    today = datetime.now(UTC).date()
    care.add_entry(user, DiaryEntry(today, pain=4))
    store_simulated(store, user, "cough")
    plans = Plans(PlanStore(engine))
    training_only = person_bundle(store, care, plans, user_id=user, start=today, end=today, scope={"training"})
    _, entries = parsed(training_only)
    assert not resources(entries, "QuestionnaireResponse") and coded(resources(entries, "Observation"), "contraction")
    _, entries = parsed(person_bundle(store, care, plans, user_id=user, start=today, end=today, scope={"care"}))
    assert resources(entries, "QuestionnaireResponse") and not resources(entries, "Device")
    with pytest.raises(ExportError, match="end on or after"):
        person_bundle(store, care, plans, user_id=user, start=today, end=today - timedelta(days=1))


def test_person_bundle_with_traces_and_an_empty_period(store: SessionStore, engine: Engine, user: int) -> None:
    care = CareRecords(CareStore(engine))
    plans = Plans(PlanStore(engine))
    store_simulated(store, user, "cough")
    today = datetime.now(UTC).date()
    _, entries = parsed(person_bundle(store, care, plans, user_id=user, start=today, end=today, traces=True))
    assert_references_resolve(entries)
    assert coded(resources(entries, "Observation"), "signal-trace")
    _, entries = parsed(person_bundle(store, care, plans, user_id=user, start=date(2001, 1, 1), end=date(2001, 1, 2)))
    assert [e["resource"]["resourceType"] for e in entries] == ["Patient"]


def test_code_system_holds_every_local_code() -> None:
    system = CodeSystem.model_validate_json(code_system())
    assert system.url == CODE_SYSTEM_URL
    assert {c.code: c.display for c in system.concept or []} == LOCAL_CODES
    assert "72514-3" not in LOCAL_CODES


def test_glazer_result_and_a_running_session_is_preliminary(store: SessionStore, user: int) -> None:
    session_id = store_simulated(store, user, "glazer")
    _, entries = parsed(session_bundle(store, session_id, owner=user))
    (glazer,) = coded(resources(entries, "Observation"), "glazer")
    assert component(glazer, "glazer-tonic-mean")["valueQuantity"]["code"] == "cm[H2O]"
    assert component(glazer, "glazer-endurance-decline")["valueQuantity"]["code"] == "%"

    running = store.create_session(
        user, source="browser", profile="elvie", routine="daily", speed=1.0, fs_hz=20.0, units={"floor": "raw"}
    )
    store.append_chunk(running, 0, {"floor": [1.0, 2.0]})
    _, entries = parsed(session_bundle(store, running, owner=user))
    assert {o["status"] for o in resources(entries, "Observation")} == {"preliminary"}
    (device,) = resources(entries, "Device")
    assert device["deviceName"] == [{"name": "Elvie Trainer", "type": "model-name"}] and "property" not in device
