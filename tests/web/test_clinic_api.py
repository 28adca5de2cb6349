"""The clinician side through the API: sharing she controls, the clinician's patients, her sessions, the
prescription she reads in her programme, notes and messages, and 404 for everything not shared (any more)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from clinic_accounts import As, clinician_token
from signed_in import BASE_URL, LocalClient, user_token
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect
from stored_sessions import store_simulated

from pelvicore.store import SessionStore, make_engine
from pelvicore.web.app import create_app
from pelvicore.web.deps import now
from pelvicore.web.settings import Settings

PT = "pt@clinic.example"
BY_HAND = {"goal": "strength", "max_squeeze": 20, "max_unit": "cmH2O", "longest_hold_s": 3, "fast_reps": 6}


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


@pytest.fixture
def clients(url: str) -> Iterator[tuple[As, As, As]]:
    """Her, her clinician, and another person, on one app."""
    her_token, pt_token = user_token(url), clinician_token(url, PT)
    other_token = user_token(url, "someone@else.example")
    with LocalClient(create_app(Settings(database_url=url, ble="none")), base_url=BASE_URL) as client:
        yield As(client, her_token), As(client, pt_token), As(client, other_token)


def her_session(url: str, routine: str = "perfect") -> str:
    engine = make_engine(url)
    store = SessionStore(engine)
    try:
        return store_simulated(store, store.ensure_user(), routine, seed=3)
    finally:
        engine.dispose()


def patient_routes(patient: int, session_id: str) -> list[str]:
    return [
        f"/api/clinic/patients/{patient}",
        f"/api/clinic/patients/{patient}/sessions",
        f"/api/clinic/patients/{patient}/notes",
        f"/api/clinic/patients/{patient}/messages",
        f"/api/sessions/{session_id}",
        f"/api/sessions/{session_id}/trace",
        f"/api/sessions/{session_id}/assessment",
        f"/sessions/{session_id}",
        f"/sessions/{session_id}/assessment",
    ]


def test_she_shares_the_clinician_reads_and_revoking_ends_it(clients, url: str) -> None:  # type: ignore[no-untyped-def]
    her, pt, _ = clients
    session_id = her_session(url)
    assert pt.get("/api/clinic/patients").json() == []
    me = her.get("/api/me").json()["id"]
    for path in patient_routes(me, session_id):
        assert pt.get(path).status_code == 404, path  # nothing shared yet

    made = her.post("/api/shares", json={"clinician_email": PT, "scope": ["training", "care"], "days": 180})
    assert made.status_code == 201
    share = made.json()
    assert share["status"] == "active" and share["clinician"] == PT and share["scope"] == ["care", "training"]
    expires = datetime.fromisoformat(share["expires_at"])
    assert timedelta(days=179) < expires - datetime.now(UTC) <= timedelta(days=180)

    rows = pt.get("/api/clinic/patients").json()
    assert [r["id"] for r in rows] == [me]
    assert {"id", "name", "days_with_data_30", "alerts"} <= set(rows[0]) and rows[0]["days_with_data_30"] == 1
    sessions = pt.get(f"/api/clinic/patients/{me}/sessions").json()
    assert [s["id"] for s in sessions] == [session_id]
    for path in patient_routes(me, session_id):
        assert pt.get(path).status_code == 200, path
    assert pt.get(f"/api/sessions/{session_id}").json()["contraction_count"] > 0

    audit = her.get("/api/me/audit").json()
    reads = [e for e in audit if e["action"] == "read" and e["actor"] == PT]
    assert any(session_id in e["detail"] for e in reads) and any(e["detail"] == "your list of sessions" for e in reads)

    assert her.get("/api/shares").json()[0]["status"] == "active"
    assert her.delete(f"/api/shares/{share['id']}").status_code == 204
    assert her.get("/api/shares").json()[0]["status"] == "revoked"
    assert pt.get("/api/clinic/patients").json() == []
    for path in patient_routes(me, session_id):
        assert pt.get(path).status_code == 404, path
    assert any(e["action"] == "share revoked" for e in her.get("/api/me/audit").json())


def test_another_person_or_a_non_clinician_reads_nothing(clients, url: str) -> None:  # type: ignore[no-untyped-def]
    her, _, other = clients
    session_id = her_session(url)
    me = her.get("/api/me").json()["id"]
    assert her.post("/api/shares", json={"clinician_email": PT, "scope": ["training"]}).status_code == 201
    assert other.get("/api/clinic/patients").status_code == 403  # a person is not a clinician
    for path in patient_routes(me, session_id):
        assert other.get(path).status_code in (403, 404), path
    # She cannot share with a person's account, nor with nobody, nor share nothing.
    for body, words in [
        ({"clinician_email": "someone@else.example", "scope": ["training"]}, "no clinician account"),
        ({"clinician_email": "nobody@nowhere.example", "scope": ["training"]}, "no clinician account"),
        ({"clinician_email": PT, "scope": []}, "scope"),
        ({"clinician_email": PT, "scope": ["everything"]}, "scope"),
        ({"clinician_email": PT, "scope": ["care"], "days": 0}, "days"),
        ({"scope": ["care"]}, "clinician_email or invitation"),
    ]:
        response = her.post("/api/shares", json=body)
        assert response.status_code == 422 and words in response.text, body
    assert other.delete(f"/api/shares/{her.get('/api/shares').json()[0]['id']}").status_code == 404


def test_scope_and_expiry_limit_what_the_clinician_reads(clients, url: str) -> None:  # type: ignore[no-untyped-def]
    her, pt, _ = clients
    session_id = her_session(url)
    me = her.get("/api/me").json()["id"]
    assert (
        her.post("/api/care/diary", json={"date": datetime.now(UTC).date().isoformat(), "pain": 5}).status_code == 200
    )
    assert her.post("/api/shares", json={"clinician_email": PT, "scope": ["care"], "days": 30}).status_code == 201
    row = pt.get("/api/clinic/patients").json()[0]
    assert row["days_with_data_30"] is None  # training is not shared: not shown, never 0
    assert pt.get(f"/api/clinic/patients/{me}/sessions").status_code == 404
    assert pt.get(f"/api/sessions/{session_id}").status_code == 404
    assert pt.get(f"/api/clinic/patients/{me}").json()["plan"] is None
    # Thirty-one days later the share has ended by itself.
    later = datetime.now(UTC) + timedelta(days=31)
    pt.app.dependency_overrides[now] = lambda: later  # type: ignore[attr-defined]
    assert pt.get("/api/clinic/patients").json() == []
    assert pt.get(f"/api/clinic/patients/{me}").status_code == 404
    assert her.get("/api/shares").json()[0]["status"] == "expired"


def test_a_prescription_shows_in_her_programme_with_the_clinicians_reason(clients) -> None:  # type: ignore[no-untyped-def]
    her, pt, _ = clients
    me = her.get("/api/me").json()["id"]
    assert her.post("/api/shares", json={"clinician_email": PT, "scope": ["training"]}).status_code == 201
    assert pt.post(f"/api/clinic/patients/{me}/plan", json={"note": "x", "hold_s": 5}).status_code == 409  # no plan
    assert her.post("/api/programme", json=BY_HAND).status_code == 201
    reason = "Your holds were steady at 3 s in clinic today: let's build to 5 s."
    bad = pt.post(f"/api/clinic/patients/{me}/plan", json={"note": reason, "hold_s": 500})
    assert bad.status_code == 422 and "hold_s" in bad.text
    done = pt.post(f"/api/clinic/patients/{me}/plan", json={"note": reason, "hold_s": 5, "position": "sitting"})
    assert done.status_code == 200
    change = done.json()["change"]
    assert change["kind"] == "prescription" and change["by"] == PT and change["why"] == reason
    programme = her.get("/api/programme").json()
    assert programme["plan"]["now"]["summary"].startswith("8 holds of 5 s")
    assert programme["changes"][-1]["by"] == PT and programme["changes"][-1]["why"] == reason
    assert any(e["action"] == "plan changed" and e["actor"] == PT for e in her.get("/api/me/audit").json())


def test_notes_stay_private_and_messages_go_both_ways(clients) -> None:  # type: ignore[no-untyped-def]
    her, pt, other = clients
    me = her.get("/api/me").json()["id"]
    assert her.post("/api/shares", json={"clinician_email": PT, "scope": ["care"]}).status_code == 201
    assert pt.post(f"/api/clinic/patients/{me}/notes", json={"text": "Check pelvic tilt"}).status_code == 201
    assert [n["text"] for n in pt.get(f"/api/clinic/patients/{me}/notes").json()] == ["Check pelvic tilt"]
    assert "pelvic tilt" not in her.get("/api/messages").text
    assert pt.post(f"/api/clinic/patients/{me}/messages", json={"text": "How did the week go?"}).status_code == 201
    inbox = her.get("/api/messages").json()
    assert inbox["unread"] == 1 and inbox["threads"][0]["clinician"] == PT
    clinician_id = inbox["threads"][0]["clinician_id"]
    assert her.post("/api/messages", json={"clinician_id": clinician_id, "text": "Better, thanks"}).status_code == 201
    assert her.post("/api/messages/read", json={"clinician_id": clinician_id}).json() == {"marked": 1}
    thread = pt.get(f"/api/clinic/patients/{me}/messages").json()
    assert [(m["from_clinician"], m["text"]) for m in thread] == [
        (True, "How did the week go?"),
        (False, "Better, thanks"),
    ]
    assert other.post("/api/messages", json={"clinician_id": clinician_id, "text": "hi"}).status_code == 404
    assert pt.post(f"/api/clinic/patients/{me}/messages", json={"text": ""}).status_code == 422


def test_an_invitation_link_makes_a_share_once(clients) -> None:  # type: ignore[no-untyped-def]
    her, pt, other = clients
    invitation = pt.post("/api/clinic/invitations")
    assert invitation.status_code == 201
    token = invitation.json()["url"].split("token=")[1]
    assert her.get("/api/shares/invitation", params={"token": token}).json() == {"clinician": PT}
    made = her.post("/api/shares", json={"invitation": token, "scope": ["training"]})
    assert made.status_code == 201 and made.json()["clinician"] == PT
    assert other.post("/api/shares", json={"invitation": token, "scope": ["training"]}).status_code == 422  # used
    assert her.get("/api/shares/invitation", params={"token": "bogus"}).status_code == 404
    assert her.post("/api/clinic/invitations").status_code == 403


def test_a_clinician_watches_live_only_when_she_allows_it(clients, url: str) -> None:  # type: ignore[no-untyped-def]
    her, pt, _ = clients
    assert her.post("/api/shares", json={"clinician_email": PT, "scope": ["training"]}).status_code == 201
    session_id = her.post("/api/sessions", json={"routine": "daily", "speed": 5, "seed": 1}).json()["id"]
    # While it runs, nothing of it without her leave: not the stream, nor the page, nor polling its trace.
    for path in (f"/sessions/{session_id}/live", f"/api/sessions/{session_id}/trace", f"/api/sessions/{session_id}"):
        assert pt.get(path).status_code == 404, path
    with pytest.raises(WebSocketDenialResponse) as denied, pt.websocket_connect(f"/ws/sessions/{session_id}") as ws:
        ws.receive_json()
    assert denied.value.status_code == 404
    assert her.put(f"/api/sessions/{session_id}/live-view", json={"allowed": True}).json() == {"live_view": True}
    assert 'id="watching"' in pt.get(f"/sessions/{session_id}/live").text  # the page, read-only
    with pt.websocket_connect(f"/ws/sessions/{session_id}") as ws:
        kinds = {ws.receive_json()["type"] for _ in range(20)}
        assert "frame" in kinds
        # She turns it off: the open live view closes within a check (SHARE_CHECK_S), the session goes on.
        assert her.put(f"/api/sessions/{session_id}/live-view", json={"allowed": False}).status_code == 200
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_json()
        assert closed.value.code == 4403
    assert her.get(f"/api/sessions/{session_id}").json()["status"] == "running"
    assert pt.post(f"/api/sessions/{session_id}/stop").status_code == 404  # read-only: only she stops it
    assert her.post(f"/api/sessions/{session_id}/stop").status_code == 200
    assert pt.put(f"/api/sessions/{session_id}/live-view", json={"allowed": False}).status_code == 404


def test_a_session_in_the_clinic_goes_into_her_record_only_with_her_consent(clients) -> None:  # type: ignore[no-untyped-def]
    her, pt, _ = clients
    me = her.get("/api/me").json()["id"]
    guided = {"routine": "perfect", "source": "browser", "device_profile": "perifit"}
    assert pt.post(f"/api/clinic/patients/{me}/sessions", json=guided).status_code == 404  # nothing shared
    assert her.post("/api/shares", json={"clinician_email": PT, "scope": ["training"]}).status_code == 201
    refused = pt.post(f"/api/clinic/patients/{me}/sessions", json=guided)
    assert refused.status_code == 403 and "not allowed sessions in the clinic" in refused.text
    body = {"clinician_email": PT, "scope": ["training"], "in_clinic": True}
    assert her.post("/api/shares", json=body).json()["in_clinic"] is True
    assert pt.post(f"/api/clinic/patients/{me}/sessions", json={"source": "browser"}).status_code == 422
    started = pt.post(f"/api/clinic/patients/{me}/sessions", json=guided)
    assert started.status_code == 201
    session_id = started.json()["id"]
    page = pt.get(started.json()["url"]).text
    assert 'id="recording"' in page and 'id="watching"' not in page  # she drives it: every control
    assert pt.post(f"/api/sessions/{session_id}/stop").json() == {"status": "stop"}
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while (record := her.get(f"/api/sessions/{session_id}").json())["status"] == "running":
        assert datetime.now(UTC) < deadline
        time.sleep(0.05)
    assert record["user_id"] == me and record["recorded_by"] == PT and record["status"] == "stopped"
    assert any(e["action"] == "recorded in the clinic" and e["actor"] == PT for e in her.get("/api/me/audit").json())
    # A simulated demo, to show her how it works, stays in the clinician's own account.
    demo = pt.post(
        f"/api/clinic/patients/{me}/sessions", json={"routine": "perfect", "source": "simulator", "speed": 100}
    )
    assert demo.status_code == 201 and demo.json()["id"] not in {s["id"] for s in her.get("/api/sessions").json()}
    assert pt.get(f"/api/sessions/{demo.json()['id']}").json()["recorded_by"] is None


def test_reads_again_and_again_are_one_line_and_never_hide_her_shares(clients) -> None:  # type: ignore[no-untyped-def]
    her, pt, _ = clients
    assert her.post("/api/shares", json={"clinician_email": PT, "scope": ["care"]}).status_code == 201
    for _ in range(30):
        assert pt.get("/api/clinic/patients").status_code == 200
    audit = her.get("/api/me/audit").json()
    summaries = [e for e in audit if e["action"] == "read" and "list of patients" in e["detail"]]
    assert len(summaries) == 1 and summaries[0]["actor"] == PT
    assert any(e["action"] == "shared" for e in audit)


def test_her_export_holds_her_shares_and_messages_not_the_clinicians_notes(clients) -> None:  # type: ignore[no-untyped-def]
    her, pt, _ = clients
    me = her.get("/api/me").json()["id"]
    assert her.post("/api/shares", json={"clinician_email": PT, "scope": ["care"]}).status_code == 201
    assert pt.post(f"/api/clinic/patients/{me}/messages", json={"text": "See you Tuesday"}).status_code == 201
    assert pt.post(f"/api/clinic/patients/{me}/notes", json={"text": "private working note"}).status_code == 201
    archive = zipfile.ZipFile(io.BytesIO(her.get("/api/me/export").content))
    shares = json.loads(archive.read("sharing/shares.json"))
    assert [(s["clinician"], s["care"], s["training"]) for s in shares] == [(PT, True, False)]
    assert [m["text"] for m in json.loads(archive.read("sharing/messages.json"))] == ["See you Tuesday"]
    assert all(b"private working note" not in archive.read(name) for name in archive.namelist())
