"""Exports as a person and a clinician reach them: the download routes (a session as FHIR, EDF+ or CSV; her
period as FHIR) with who may have what, the links on her pages, and `pelvicore export` on the command line."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import mne
import pytest
from clinic_accounts import As, clinician_token
from fhir.resources.R4B.bundle import Bundle
from signed_in import BASE_URL, LocalClient, user_token
from stored_sessions import store_simulated
from typer.testing import CliRunner

from pelvicore.cli import app as cli_app
from pelvicore.store import SessionStore, make_engine
from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings

PT = "pt@clinic.example"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


@pytest.fixture
def session_id(url: str) -> str:
    user_token(url)  # the local owner's account, made and migrated
    engine = make_engine(url)
    try:
        store = SessionStore(engine)
        return store_simulated(store, store.ensure_user(), "quick-check", seed=2)
    finally:
        engine.dispose()


@pytest.fixture
def clients(url: str, session_id: str) -> Iterator[tuple[As, As, As]]:
    her_token, pt_token, other_token = user_token(url), clinician_token(url, PT), user_token(url, "x@example.org")
    with LocalClient(create_app(Settings(database_url=url, ble="none")), base_url=BASE_URL) as client:
        yield As(client, her_token), As(client, pt_token), As(client, other_token)


def test_a_session_downloads_in_each_format(clients, session_id: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    her, _, other = clients
    fhir = her.get(f"/api/sessions/{session_id}/export?format=fhir")
    assert fhir.status_code == 200 and fhir.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(fhir.content)
    assert bundle.type == "collection" and {e.resource.get_resource_type() for e in bundle.entry} >= {
        "Patient", "Device", "Observation",
    }  # fmt: skip
    edf = her.get(f"/api/sessions/{session_id}/export?format=edf")
    assert edf.status_code == 200 and edf.headers["content-disposition"].endswith('.edf"')
    path = tmp_path / "s.edf"
    path.write_bytes(edf.content)
    raw = mne.io.read_raw_edf(path, preload=False, verbose="error")
    contractions = her.get(f"/api/sessions/{session_id}").json()["contraction_count"]
    assert sum(d.startswith("contraction") for d in raw.annotations.description) == contractions > 0
    csv = zipfile.ZipFile(io.BytesIO(her.get(f"/api/sessions/{session_id}/export?format=csv").content))
    assert sorted(n.split(".", 1)[1] for n in csv.namelist()) == ["csv", "events.csv"]
    for format in ("fhir", "edf", "csv"):
        assert other.get(f"/api/sessions/{session_id}/export?format={format}").status_code == 404
    assert her.get(f"/api/sessions/{session_id}/export?format=pdf").status_code == 422


def test_a_running_session_exports_when_it_ends(clients) -> None:  # type: ignore[no-untyped-def]
    her, _, _ = clients
    running = her.post("/api/sessions", json={"routine": "daily", "speed": 1, "seed": 1}).json()["id"]
    response = her.get(f"/api/sessions/{running}/export?format=edf")
    assert response.status_code == 409 and "still running" in response.text
    assert her.post(f"/api/sessions/{running}/stop").status_code == 200


def test_her_period_and_a_shared_patients_period_as_fhir(clients, session_id: str) -> None:  # type: ignore[no-untyped-def]
    her, pt, other = clients
    mine = her.get("/api/me/export/fhir?days=30")
    assert mine.status_code == 200 and Bundle.model_validate_json(mine.content).type == "collection"
    me = her.get("/api/me").json()["id"]
    assert pt.get(f"/api/clinic/patients/{me}/export/fhir").status_code == 404  # not shared
    assert other.get(f"/api/clinic/patients/{me}/export/fhir").status_code == 403  # not a clinician
    assert her.post("/api/shares", json={"clinician_email": PT, "scope": ["training"]}).status_code == 201
    shared = pt.get(f"/api/clinic/patients/{me}/export/fhir?days=30")
    assert shared.status_code == 200
    kinds = {e.resource.get_resource_type() for e in Bundle.model_validate_json(shared.content).entry}
    assert "QuestionnaireResponse" not in kinds  # care is not shared: no diary
    assert pt.get(f"/api/sessions/{session_id}/export?format=edf").status_code == 200  # her session, shared
    audit = her.get("/api/me/audit").json()
    assert any("FHIR export" in e["detail"] and e["actor"] == PT for e in audit)


def test_her_pages_offer_the_downloads(clients, session_id: str) -> None:  # type: ignore[no-untyped-def]
    her, _, _ = clients
    summary = her.get(f"/sessions/{session_id}").text
    for format in ("fhir", "edf", "csv"):
        assert f"/api/sessions/{session_id}/export?format={format}" in summary
    assert "/api/me/export/fhir?days=90" in her.get("/progress").text


def test_the_cli_exports_a_session(url: str, session_id: str, tmp_path: Path) -> None:
    runner = CliRunner()
    fhir = runner.invoke(cli_app, ["export", session_id, "--format", "fhir", "--database-url", url])
    assert fhir.exit_code == 0, fhir.output
    assert Bundle.model_validate_json(fhir.stdout).type == "collection"
    out = tmp_path / "s.edf"
    edf = runner.invoke(cli_app, ["export", session_id, "--format", "edf", "--out", str(out), "--database-url", url])
    assert edf.exit_code == 0 and mne.io.read_raw_edf(out, verbose="error").info["sfreq"] > 0
    csv = runner.invoke(cli_app, ["export", session_id, "-f", "csv", "--out", str(tmp_path / "s.csv"),
                                  "--database-url", url])  # fmt: skip
    assert csv.exit_code == 0 and (tmp_path / "s.csv").is_file() and (tmp_path / "s.events.csv").is_file()
    for args, words in [
        (["export", "nope", "--database-url", url], "no session 'nope'"),
        (["export", session_id, "-f", "edf", "--database-url", url], "needs --out"),
        (["export", "--all", "--database-url", url], "--all needs --out"),
        (["export", "--database-url", url], "give a session id"),
    ]:
        result = runner.invoke(cli_app, args)
        lines = result.stderr.strip().splitlines()
        assert result.exit_code == 2 and len(lines) == 1 and words in lines[0], (args, result.stderr)
    json.loads(fhir.stdout)  # plain JSON on standard output, nothing else
