"""For researchers: her switch publishes her running session on the Lab Streaming Layer, and no one else's.

Discovery stays on this machine's loopback interface (``tests/sessions/lsl_api.cfg``, named by ``LSLAPICFG``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from clinic_accounts import As, clinician_token
from fastapi import FastAPI
from fastapi.testclient import TestClient
from signed_in import bearer, signed_in, user_token

from pelvicore.sessions.lsl import source_ids
from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings

LSL_API_CFG = Path(__file__).parents[1] / "sessions" / "lsl_api.cfg"


@pytest.fixture(autouse=True, scope="module")
def loopback_only() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSLAPICFG", str(LSL_API_CFG))
        yield


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", ble="none"))


def start(her: TestClient, routine: str = "quick-check") -> str:
    """A session in real time: still running whenever a test needs it to be (at 10x a quick check was over in
    6.6 s, the cough in 3.8 s), until ``stop``."""
    response = her.post("/api/sessions", json={"routine": routine, "speed": 1, "seed": 3})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def stop(her: TestClient, session_id: str) -> None:
    her.post(f"/api/sessions/{session_id}/stop")
    deadline = time.monotonic() + 30.0
    while her.get(f"/api/sessions/{session_id}").json()["status"] == "running":
        assert time.monotonic() < deadline, "the session did not end within 30 s of stop"
        time.sleep(0.02)


def test_her_switch_publishes_her_running_session_only(app: FastAPI) -> None:
    pylsl = pytest.importorskip("pylsl")
    with signed_in(app) as her:
        session_id = start(her)
        url = f"/api/sessions/{session_id}/lsl"
        signal_id, markers_id = source_ids(session_id)
        theirs = bearer(user_token(app.state.settings.database_url, "someone.else@example.org"))
        assert her.put(url, json={"publish": True}, headers=theirs).status_code == 404  # someone else: not found
        assert her.put("/api/sessions/nope/lsl", json={"publish": True}).status_code == 404
        assert not pylsl.resolve_byprop("source_id", signal_id, timeout=0.2)

        on = her.put(url, json={"publish": True})
        assert on.status_code == 200, on.text
        assert on.json() == {"publish": True, "source_ids": [signal_id, markers_id]}
        (found,) = pylsl.resolve_byprop("source_id", signal_id, timeout=2.0)
        assert found.name() == "pelvicore quick-check" and found.type() == "Pressure"
        assert her.put(url, json={"publish": True}).status_code == 200  # already on: still one stream
        assert len(pylsl.resolve_byprop("source_id", signal_id, timeout=0.2)) == 1
        off = her.put(url, json={"publish": False})
        assert off.status_code == 200 and off.json()["publish"] is False
        assert not pylsl.resolve_byprop("source_id", signal_id, timeout=0.2)  # its outlets are closed

        stop(her, session_id)
        ended = her.put(url, json={"publish": True})
        assert ended.status_code == 409 and "not running" in ended.json()["detail"]


def test_the_switch_without_pylsl_is_503_with_the_install_hint(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pylsl", None)  # ``import pylsl`` raises ImportError
    with signed_in(app) as her:
        session_id = start(her, "cough")
        refused = her.put(f"/api/sessions/{session_id}/lsl", json={"publish": True})
        assert refused.status_code == 503 and "install pelvicore[lsl]" in refused.json()["detail"]
        stop(her, session_id)


def test_the_switch_is_on_her_live_page_never_a_watching_clinicians(app: FastAPI) -> None:
    with signed_in(app) as her:
        session_id = start(her)
        mine = her.get(f"/sessions/{session_id}/live").text
        assert "For researchers" in mine and 'id="lsl"' in mine and "/static/lab.js" in mine
        pt = As(her, clinician_token(str(app.state.settings.database_url), "pt@clinic.example"))
        her.post("/api/shares", json={"clinician_email": "pt@clinic.example", "scope": ["training"]})
        her.put(f"/api/sessions/{session_id}/live-view", json={"allowed": True})
        watched = pt.get(f"/sessions/{session_id}/live")
        assert watched.status_code == 200 and 'data-watching="true"' in watched.text
        assert "For researchers" not in watched.text and "lab.js" not in watched.text
        assert pt.put(f"/api/sessions/{session_id}/lsl", json={"publish": True}).status_code == 404
        stop(her, session_id)
        assert 'id="lsl"' not in her.get(f"/sessions/{session_id}/live").text  # ended: nothing to publish
