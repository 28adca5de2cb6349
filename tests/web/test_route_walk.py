"""Every route of the app, walked: nobody gets in without credentials, and nobody reads another person's data.

The routes are read from the app itself, so a route added later is walked too; a route whose path names one of
her resources must be listed in ``HER_RESOURCES`` (the test fails until it is), with what to send.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clinic_accounts import clinician_token
from fastapi import FastAPI
from fastapi.routing import APIWebSocketRoute
from fastapi.testclient import TestClient
from signed_in import BASE_URL, LocalClient, bearer, user_token
from starlette.routing import Mount
from starlette.websockets import WebSocketDisconnect
from stored_sessions import store_simulated

from pelvicore.store import SessionStore, make_engine
from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings

PUBLIC = {("GET", "/api/health"), ("GET", "/signin"), ("POST", "/signin"), ("GET", "/signin/link"),
          ("GET", "/sw.js"), ("GET", "/pelvicore-ca.crt")}  # fmt: skip
CALIBRATION = {"rest": 0.0, "mvc": 10.0, "unit": "raw"}
TODAY = dt.date(2026, 11, 2)
# Routes whose path names something of hers: (method, path template) -> (filled path, JSON body or None).
HER_RESOURCES: dict[tuple[str, str], tuple[str, Any]] = {
    ("GET", "/api/sessions/{session_id}"): ("/api/sessions/{session}", None),
    ("DELETE", "/api/sessions/{session_id}"): ("/api/sessions/{session}", None),
    ("GET", "/api/sessions/{session_id}/trace"): ("/api/sessions/{session}/trace", None),
    ("POST", "/api/sessions/{session_id}/{action}"): ("/api/sessions/{session}/resume", None),
    ("GET", "/api/sessions/{session_id}/assessment"): ("/api/sessions/{session}/assessment", None),
    ("GET", "/sessions/{session_id}/assessment"): ("/sessions/{session}/assessment", None),
    ("GET", "/sessions/{session_id}/live"): ("/sessions/{session}/live", None),
    ("GET", "/sessions/{session_id}"): ("/sessions/{session}", None),
    ("GET", "/api/games/{game}/{session_id}/score"): ("/api/games/control/{game_session}/score", None),
    ("GET", "/games/{game}/{session_id}"): ("/games/control/{game_session}", None),
    ("GET", "/games/{game}/{session_id}/score"): ("/games/control/{game_session}/score", None),
    ("DELETE", "/api/devices/{profile}/{key}/calibration"): ("/api/devices/perifit/hers/calibration", None),
    ("DELETE", "/api/care/diary/{day}"): (f"/api/care/diary/{TODAY}", None),
    ("POST", "/api/care/diary/{day}/notice-seen"): (f"/api/care/diary/{TODAY}/notice-seen", None),
    ("DELETE", "/api/me/logins/{login_id}"): ("/api/me/logins/{login}", None),
    ("GET", "/api/sessions/{session_id}/report.pdf"): ("/api/sessions/{session}/report.pdf", None),
    ("PUT", "/api/sessions/{session_id}/live-view"): ("/api/sessions/{session}/live-view", {"allowed": True}),
    ("PUT", "/api/sessions/{session_id}/lsl"): ("/api/sessions/{session}/lsl", {"publish": True}),
    ("DELETE", "/api/shares/{share_id}"): ("/api/shares/{share}", None),
    # The clinician's routes, walked by a clinician she does not share with (a person gets 403 at the door).
    ("GET", "/api/clinic/patients/{patient_id}"): ("/api/clinic/patients/{her}", None),
    ("GET", "/api/clinic/patients/{patient_id}/sessions"): ("/api/clinic/patients/{her}/sessions", None),
    ("GET", "/api/clinic/patients/{patient_id}/notes"): ("/api/clinic/patients/{her}/notes", None),
    ("POST", "/api/clinic/patients/{patient_id}/notes"): ("/api/clinic/patients/{her}/notes", {"text": "x"}),
    ("GET", "/api/clinic/patients/{patient_id}/messages"): ("/api/clinic/patients/{her}/messages", None),
    ("POST", "/api/clinic/patients/{patient_id}/messages"): ("/api/clinic/patients/{her}/messages", {"text": "x"}),
    ("POST", "/api/clinic/patients/{patient_id}/plan"): ("/api/clinic/patients/{her}/plan", {"note": "x", "reps": 8}),
    ("GET", "/api/clinic/patients/{patient_id}/report.pdf"): ("/api/clinic/patients/{her}/report.pdf", None),
    ("GET", "/clinic/patients/{patient_id}"): ("/clinic/patients/{her}", None),
    ("GET", "/api/clinic/patients/{patient_id}/export/fhir"): ("/api/clinic/patients/{her}/export/fhir", None),
    ("GET", "/api/sessions/{session_id}/export"): ("/api/sessions/{session}/export", None),
    ("POST", "/api/clinic/patients/{patient_id}/sessions"): (
        "/api/clinic/patients/{her}/sessions",
        {"routine": "perfect", "source": "simulator", "speed": 100},
    ),
}
OWN_WRITES = {("PUT", "/api/devices/{profile}/{key}/calibration")}
"""A trainer's key names the asker's own calibration of it: his PUT makes his own row, never touches hers."""
# Templated paths that name no one's data (a game, a questionnaire, a topic).
NOT_HERS = {
    "/api/games/{game}/path",
    "/api/games/{game}/sessions",
    "/api/care/instruments/{key}",
    "/care/diary/score/{key}",
    "/care/learn/{topic}",
}


def all_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, route) of every route, through included routers (FastAPI keeps them as they were included)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from all_routes(included.routes, prefix + route.include_context.prefix)
        elif not isinstance(route, Mount):  # /static: public files
            yield prefix + route.path, route


def http_routes(app: FastAPI) -> list[tuple[str, str]]:
    routes = []
    for path, route in all_routes(app.routes):
        if not isinstance(route, APIWebSocketRoute):  # API routes, pages and the schema route
            routes += [(method, path) for method in sorted(set(route.methods) - {"HEAD"})]
    return routes


def websocket_paths(app: FastAPI) -> list[str]:
    return [path for path, route in all_routes(app.routes) if isinstance(route, APIWebSocketRoute)]


def concrete(path: str) -> str:
    return (
        path.replace("{session_id}", "0" * 32).replace("{action}", "stop").replace("{game}", "control")
        .replace("{profile}", "perifit").replace("{key}", "k").replace("{day}", str(TODAY))
        .replace("{topic}", "menopause").replace("{login_id}", "x").replace("{share_id}", "x")
        .replace("{patient_id}", "1")
    )  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, str], str]]:
    """An app where she (the local owner) has a session, a game, a calibration, a diary day, a sign-in and a share
    with her clinician; and a second person's token (a clinician without her share is made by the tests)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('walk') / 'db.sqlite3'}"
    hers = user_token(url)
    theirs = user_token(url, "someone.else@example.org")
    clinician_token(url, "her.pt@example.org")
    engine = make_engine(url)
    store = SessionStore(engine)
    ids = {
        "session": store_simulated(store, store.ensure_user(), "quick-check"),
        "game_session": store_simulated(store, store.ensure_user(), "game:control:easy:4"),
    }
    engine.dispose()
    app = create_app(Settings(database_url=url, ble="none"))
    with LocalClient(app, base_url=BASE_URL, headers=bearer(hers)) as her:
        assert her.put("/api/devices/perifit/hers/calibration", json=CALIBRATION).status_code == 200
        diary = her.post("/api/care/diary", json={"date": str(TODAY), "pain": 3})
        assert diary.status_code == 200, diary.text
        share = her.post("/api/shares", json={"clinician_email": "her.pt@example.org", "scope": ["training", "care"]})
        ids["share"], ids["her"] = share.json()["id"], str(her.get("/api/me").json()["id"])
    with LocalClient(app, base_url=BASE_URL) as browser:
        from signed_in import signin_link

        assert browser.get(signin_link(url)).status_code == 200
        ids["login"] = browser.get("/api/me/logins").json()[0]["id"]
    yield app, ids, theirs


def test_every_route_needs_credentials(world: tuple[FastAPI, dict[str, str], str]) -> None:
    app, _, _ = world
    routes = http_routes(app)
    assert len(routes) > 60
    with LocalClient(app, base_url=BASE_URL) as anonymous:
        for method, path in routes:
            if (method, path) in PUBLIC:
                continue
            r = anonymous.request(method, concrete(path), json={} if method in ("POST", "PUT") else None,
                                  follow_redirects=False)  # fmt: skip
            page = method == "GET" and not path.startswith(("/api/", "/openapi"))
            if page:
                assert r.status_code == 303 and r.headers["location"].startswith("/signin?next="), (method, path)
            else:
                assert r.status_code == 401, (method, path, r.status_code)
        assert websocket_paths(app) == ["/ws/sessions/{session_id}"]
        for path in websocket_paths(app):
            with pytest.raises(WebSocketDisconnect) as refused, anonymous.websocket_connect(concrete(path)):
                pass
            assert refused.value.status_code == 401


def test_her_resources_are_404_for_anyone_else(world: tuple[FastAPI, dict[str, str], str]) -> None:
    app, ids, theirs = world
    templated = {(m, p) for m, p in http_routes(app) if "{" in p and (m, p) not in OWN_WRITES and p not in NOT_HERS}
    assert templated == set(HER_RESOURCES), "list every route that names her data in HER_RESOURCES"
    not_her_clinician = clinician_token(str(app.state.settings.database_url), "another.pt@example.org")
    with LocalClient(app, base_url=BASE_URL, headers=bearer(theirs)) as other:
        for (method, template), (path, body) in HER_RESOURCES.items():
            r = other.request(method, path.format(**ids), json=body)
            clinic = template.startswith(("/api/clinic/", "/clinic/"))
            assert r.status_code == (403 if clinic else 404), (method, path, r.status_code, r.text[:200])
            if clinic or template.startswith("/api/sessions/{session_id}") or template.startswith("/sessions/"):
                r = other.request(method, path.format(**ids), json=body, headers=bearer(not_her_clinician))
                assert r.status_code == 404, ("another clinician", method, path, r.status_code, r.text[:200])
        with pytest.raises(WebSocketDisconnect) as refused, other.websocket_connect(f"/ws/sessions/{ids['session']}"):
            pass
        assert refused.value.status_code == 404
        mine = other.put("/api/devices/perifit/hers/calibration", json=CALIBRATION | {"mvc": 99.0})
        assert mine.status_code == 200
        # Lists hold only their own rows.
        assert other.get("/api/sessions").json() == []
        assert [d["mvc"] for d in other.get("/api/devices").json()] == [99.0]
        assert other.get("/api/care/diary").json() == []
        assert ids["session"] not in other.get("/history").text
    # ...and nothing of hers was touched.
    with LocalClient(app, base_url=BASE_URL) as her:
        her.headers.update(bearer(user_token(str(app.state.settings.database_url))))
        assert her.get(f"/api/sessions/{ids['session']}").json()["status"] == "completed"
        assert her.get("/api/devices").json()[0]["mvc"] == 10.0  # his PUT made his own calibration only
        assert len(her.get("/api/care/diary").json()) == 1
        assert any(login["id"] == ids["login"] for login in her.get("/api/me/logins").json())


def client_for(app: FastAPI, token: str) -> TestClient:
    return LocalClient(app, base_url=BASE_URL, headers=bearer(token))


def test_a_new_person_starts_with_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with client_for(create_app(Settings(database_url=url, ble="none")), user_token(url, "new@example.org")) as c:
        assert c.get("/api/me").json()["email"] == "new@example.org"
        assert c.get("/api/sessions").json() == []
        assert c.get("/api/programme").status_code == 404
