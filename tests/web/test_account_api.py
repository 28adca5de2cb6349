"""Her control over her account and data, through the API: who she is, export, deleting a session or everything,
password, signed-in browsers, two-step sign-in and the audit log."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from signed_in import BASE_URL, LocalClient, bearer, signin_link, user_token
from sqlalchemy import func, select
from stored_sessions import store_simulated

from pelvicore.recordings import read_recording
from pelvicore.store import SessionStore, make_engine
from pelvicore.store.models import Chunk, Event, LiveSession, User
from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


@pytest.fixture
def her(url: str) -> Iterator[LocalClient]:
    token = user_token(url)
    with LocalClient(create_app(Settings(database_url=url, ble="none")), base_url=BASE_URL, headers=bearer(token)) as c:
        yield c


def rows(url: str, table: type, **where: object) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as db:
            query = select(func.count()).select_from(table)
            for name, value in where.items():
                query = query.where(getattr(table, name) == value)
            return int(db.scalar(query) or 0)
    finally:
        engine.dispose()


def stored(url: str, routine: str = "quick-check") -> str:
    engine = make_engine(url)
    store = SessionStore(engine)
    try:
        return store_simulated(store, store.ensure_user(), routine)
    finally:
        engine.dispose()


def test_the_export_holds_everything_she_owns(her: LocalClient, url: str, tmp_path: Path) -> None:
    session_id = stored(url)
    assert her.put("/api/care/profile", json={"age": 58, "menopause_status": "post"}).status_code == 200
    assert her.post("/api/care/diary", json={"date": "2026-11-30", "pain": 4}).status_code == 200
    response = her.get("/api/me/export")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith('attachment; filename="pelvicore-')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    expected = {"README.txt", "account.json", "sessions/index.json", "devices.json", "care/profile.json",
                "care/diary.json", "audit.json", "sharing/shares.json", "sharing/messages.json",
                f"sessions/{session_id}.json", f"sessions/{session_id}.csv"}  # fmt: skip
    assert expected <= names
    readme = archive.read("README.txt").decode()
    for name in ("sessions/<id>.csv", "care/diary.json", "audit.json"):
        assert name in readme
    record = json.loads(archive.read(f"sessions/{session_id}.json"))
    assert record["id"] == session_id and record["contraction_count"] == len(record["contractions"]) > 0
    assert [e["kind"] for e in record["events"]].count("contraction") == record["contraction_count"]
    trace = list(csv.reader(io.StringIO(archive.read(f"sessions/{session_id}.csv").decode())))
    assert trace[0] == ["t_s", "floor_cmh2o", "abdomen_cmh2o"]
    _, channels, index = SessionStore(make_engine(url)).load_trace(session_id, owner=record["user_id"])
    assert len(trace) - 1 == index.size and float(trace[-1][1]) == pytest.approx(channels["floor"][-1])
    # The trace reads back as a recording, and finds the same contractions.
    (tmp_path / "trace.csv").write_bytes(archive.read(f"sessions/{session_id}.csv"))
    assert read_recording(tmp_path / "trace.csv").n_samples == index.size
    assert json.loads(archive.read("care/diary.json"))[0]["pain"] == 4
    assert json.loads(archive.read("care/profile.json"))["age"] == 58
    assert json.loads(archive.read("account.json"))["name"] == "local"
    assert any(e["action"] == "export" for e in her.get("/api/me/audit").json())


def test_she_can_delete_one_session(her: LocalClient, url: str) -> None:
    kept, deleted = stored(url), stored(url, "daily")
    assert her.delete(f"/api/sessions/{deleted}").status_code == 204
    assert her.get(f"/api/sessions/{deleted}").status_code == 404
    assert rows(url, Chunk, session_id=deleted) == rows(url, Event, session_id=deleted) == 0
    assert [s["id"] for s in her.get("/api/sessions").json()] == [kept]
    running = her.post("/api/sessions", json={"routine": "daily", "speed": 1}).json()["id"]
    refused = her.delete(f"/api/sessions/{running}")
    assert refused.status_code == 409 and "stop it" in refused.json()["detail"]
    her.post(f"/api/sessions/{running}/stop")


def test_deleting_her_account_removes_every_row_and_the_token_stops_working(her: LocalClient, url: str) -> None:
    session_id = stored(url)
    her.post("/api/care/diary", json={"date": "2026-11-30", "pain": 4})
    running = her.post("/api/sessions", json={"routine": "daily", "speed": 1}).json()["id"]
    other = user_token(url, "other@example.org")
    assert her.delete("/api/me").status_code == 204
    assert her.get("/api/sessions").status_code == 401
    assert rows(url, LiveSession) == 0 and rows(url, Chunk) == 0 and rows(url, Event) == 0
    assert rows(url, User) == 1  # the other account is untouched
    assert session_id and running
    her.headers.update(bearer(other))
    assert her.get("/api/me").json()["email"] == "other@example.org"


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_a_browser_needs_her_password_again_to_delete_the_account(url: str) -> None:
    token = user_token(url, "her@example.org")
    app = create_app(Settings(database_url=url, ble="none"))
    with LocalClient(app, base_url=BASE_URL, headers=bearer(token)) as api:
        assert api.put("/api/me/password", json={"new_password": "her long passphrase"}).status_code == 204
    with LocalClient(app, base_url=BASE_URL) as browser:
        signin = browser.get("/signin")
        csrf_form = re.search(r'name="csrf_token" value="([^"]+)"', signin.text)
        assert csrf_form is not None
        form = {"email": "her@example.org", "password": "her long passphrase", "csrf_token": csrf_form.group(1)}
        assert browser.post("/signin", data=form, follow_redirects=False).status_code == 303
        page = browser.get("/account")
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
        assert csrf is not None
        headers = {"X-CSRF-Token": csrf.group(1)}
        wrong = browser.request("DELETE", "/api/me", json={"password": "not her passphrase"}, headers=headers)
        assert wrong.status_code == 403
        assert browser.request("DELETE", "/api/me", headers=headers).status_code == 403  # no password at all
        gone = browser.request("DELETE", "/api/me", json={"password": "her long passphrase"}, headers=headers)
        assert gone.status_code == 204
        assert browser.get("/api/me").status_code == 401
    assert rows(url, User) == 0


def test_password_browsers_and_two_step_from_the_api(url: str) -> None:
    token = user_token(url, "her@example.org")
    app = create_app(Settings(database_url=url, ble="none"))
    with LocalClient(app, base_url=BASE_URL, headers=bearer(token)) as api:
        me = api.get("/api/me").json()
        assert me["email"] == "her@example.org" and me["role"] == "person" and not me["has_password"]
        short = api.put("/api/me/password", json={"new_password": "too short"})
        assert short.status_code == 422 and "at least 12" in short.json()["detail"]
        assert api.put("/api/me/password", json={"new_password": "her long passphrase"}).status_code == 204
        wrong = api.put("/api/me/password", json={"current_password": "nope", "new_password": "another passphrase"})
        assert wrong.status_code == 403
        setup = api.post("/api/me/two-step").json()
        assert setup["qr_svg"].startswith("<svg") and setup["uri"].startswith("otpauth://totp/pelvicore:")
        assert api.put("/api/me/two-step", json={"code": "12"}).status_code == 422
        assert api.put("/api/me/two-step", json={"code": pyotp.TOTP(setup["secret"]).now()}).status_code == 204
        assert api.get("/api/me").json()["two_step"] is True
    with LocalClient(app, base_url=BASE_URL) as browser:
        form = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/signin").text)
        assert form is not None
        fields = {"email": "her@example.org", "password": "her long passphrase", "csrf_token": form.group(1)}
        refused = browser.post("/signin", data=fields, follow_redirects=False)
        assert refused.status_code == 401  # no code
        fields |= {"code": pyotp.TOTP(setup["secret"]).now(), "csrf_token": form_token(refused.text)}
        assert browser.post("/signin", data=fields, follow_redirects=False).status_code == 303
        logins = browser.get("/api/me/logins").json()
        assert len(logins) == 1 and logins[0]["current"] and logins[0]["user_agent"]
    with LocalClient(app, base_url=BASE_URL, headers=bearer(token)) as api:
        assert api.delete(f"/api/me/logins/{logins[0]['id']}").status_code == 204
        assert api.get("/api/me/logins").json() == []
        audit = api.get("/api/me/audit").json()
        actions = [e["action"] for e in audit]
        assert {"sign-in", "sign-in-failed", "password-changed", "two-step-on"} <= set(actions)
        assert all({"at", "actor", "action", "detail", "address"} <= set(e) for e in audit)
        assert "Who saw your data" in api.get("/account/audit").text


def test_the_sign_in_page_throttles_guessing(url: str) -> None:
    user_token(url, "her@example.org")
    with LocalClient(create_app(Settings(database_url=url, ble="none")), base_url=BASE_URL) as browser:
        statuses = []
        for _ in range(12):
            form = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/signin").text)
            assert form is not None
            fields = {"email": "her@example.org", "password": "a wrong guess!", "csrf_token": form.group(1)}
            statuses.append(browser.post("/signin", data=fields).status_code)
        assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
        throttled = browser.post("/signin", data=fields | {"csrf_token": form_token(browser.get("/signin").text)})
        assert "too many failed sign-ins" in throttled.text.lower() and throttled.headers["retry-after"] == "900"


def test_the_one_time_link_signs_in_once(url: str) -> None:
    link = signin_link(url)
    with LocalClient(create_app(Settings(database_url=url, ble="none")), base_url=BASE_URL) as browser:
        assert browser.get(link, follow_redirects=False).status_code == 303
        assert browser.get("/api/me").json()["name"] == "local"
        browser.cookies.clear()
        again = browser.get(link, follow_redirects=False)
        assert again.status_code == 400 and "has been used" in again.text
        assert browser.get("/api/me").status_code == 401
