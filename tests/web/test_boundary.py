"""The security boundary, request by request: Host, sign-in, Origin, Content-Type, CSRF, sizes, headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from signed_in import BASE_URL, LocalClient, bearer, signed_in, signin_link, user_token
from starlette.websockets import WebSocketDisconnect

from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings

PROFILE = {"age": 55, "menopause_status": "post"}


@pytest.fixture
def app_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


@pytest.fixture
def anonymous(app_url: str) -> Iterator[TestClient]:
    with LocalClient(create_app(Settings(database_url=app_url, ble="none")), base_url=BASE_URL) as c:
        yield c


@pytest.fixture
def browser(app_url: str) -> Iterator[tuple[TestClient, str]]:
    """A client signed in the way a browser is, by the cookie of a one-time link; and the page's CSRF token."""
    with LocalClient(create_app(Settings(database_url=app_url, ble="none")), base_url=BASE_URL) as c:
        followed = c.get(signin_link(app_url), follow_redirects=False)
        assert followed.status_code == 303 and followed.headers["location"] == "/"
        cookie = followed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "pelvicore_session=" in cookie
        match = re.search(r'<meta name="csrf-token" content="([^"]+)">', c.get("/").text)
        assert match is not None
        yield c, match.group(1)


def test_hosts_not_on_the_allow_list_are_refused(app_url: str) -> None:
    with signed_in(create_app(Settings(database_url=app_url, ble="none"))) as client:
        assert client.get("/api/sessions").status_code == 200
        for host in ("evil.example", "localhost.evil.example", "127.0.0.1.nip.io", "", "a b", "localhost:80x"):
            r = client.get("/api/sessions", headers={"Host": host})
            assert r.status_code == 400, host
        assert client.get("/api/health", headers={"Host": "evil.example"}).status_code == 400
        for host in ("127.0.0.1:8000", "[::1]:8000", "LOCALHOST"):
            assert client.get("/api/sessions", headers={"Host": host}).status_code == 200, host
        with pytest.raises(WebSocketDisconnect), client.websocket_connect("ws://evil.example/ws/sessions/x"):
            pass


def test_a_server_on_the_network_answers_to_its_own_names(app_url: str) -> None:
    settings = Settings(database_url=app_url, ble="none", host="0.0.0.0", allowed_hosts=["clinic.example"])
    with signed_in(create_app(settings)) as client:
        assert client.get("/api/sessions", headers={"Host": "clinic.example"}).status_code == 200
        assert client.get("/api/sessions", headers={"Host": "evil.example"}).status_code == 400


def test_without_credentials_the_api_says_401_and_pages_go_to_sign_in(anonymous: TestClient) -> None:
    r = anonymous.get("/api/sessions")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert anonymous.post("/api/sessions", json={}).status_code == 401
    page = anonymous.get("/history?x=1", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/signin?next=%2Fhistory%3Fx%3D1"
    assert anonymous.get("/api/health").status_code == 200
    assert anonymous.get("/static/app.css").status_code == 200
    assert anonymous.get("/signin").status_code == 200
    assert anonymous.get("/api/sessions", headers=bearer("pc_not-a-real-token")).status_code == 401
    with pytest.raises(WebSocketDisconnect), anonymous.websocket_connect("/ws/sessions/x"):
        pass


def test_json_endpoints_refuse_other_content_types_and_change_nothing(app_url: str) -> None:
    with signed_in(create_app(Settings(database_url=app_url, ble="none"))) as client:
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
            r = client.put("/api/care/profile", content=b'{"age": 55}', headers={"Content-Type": content_type})
            assert r.status_code == 415 and "application/json" in r.json()["detail"]
            assert (
                client.post("/api/sessions", content=b"{}", headers={"Content-Type": content_type}).status_code == 415
            )
            empty = client.post("/api/programme/review", headers={"Content-Type": content_type})
            assert empty.status_code == 415  # the cross-site form that advanced her plan sent no body
        assert client.get("/api/care/profile").json()["profile"] == {}  # nothing was saved
        assert client.get("/api/sessions").json() == []
        assert client.post("/api/sessions", json={"speed": 100, "seed": 1}).status_code == 201


def test_cookie_requests_need_the_pages_csrf_token(browser: tuple[TestClient, str]) -> None:
    client, token = browser
    assert client.get("/api/sessions").status_code == 200  # reading needs no token
    refused = client.put("/api/care/profile", json=PROFILE)
    assert refused.status_code == 403 and "security token" in refused.json()["detail"]
    assert client.put("/api/care/profile", json=PROFILE, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.get("/api/care/profile").json()["profile"] == {}
    saved = client.put("/api/care/profile", json=PROFILE, headers={"X-CSRF-Token": token})
    assert saved.status_code == 200, saved.text
    # A page on another site is refused even with the token (it could not read it anyway).
    foreign = {"X-CSRF-Token": token, "Origin": "http://evil.example"}
    assert client.delete("/api/care/profile", headers=foreign).status_code == 403
    assert client.get("/api/care/profile").json()["profile"]["age"] == 55
    # Sign-out is a form: it checks its own field.
    assert client.post("/signout", data={"csrf_token": "forged"}, follow_redirects=False).status_code == 403
    out = client.post("/signout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/signin")
    assert client.get("/api/sessions").status_code == 401


def test_a_bearer_token_needs_no_csrf_token_but_a_foreign_origin_is_refused(app_url: str) -> None:
    with signed_in(create_app(Settings(database_url=app_url, ble="none"))) as client:
        assert client.put("/api/care/profile", json=PROFILE).status_code == 200
        foreign = client.delete("/api/care/profile", headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403
        assert client.delete("/api/care/profile", headers={"Origin": BASE_URL}).status_code == 204


def test_bodies_are_capped_before_they_are_read(app_url: str) -> None:
    settings = Settings(database_url=app_url, ble="none", max_body_bytes=10_000)
    with signed_in(create_app(settings)) as client:
        big = b'{"age": 55, "x": "' + b"a" * 20_000 + b'"}'
        r = client.put("/api/care/profile", content=big, headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and "10000 bytes" in r.json()["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: the cap applies while reading
            yield big[:5000]
            yield big[5000:]

        r = client.put("/api/care/profile", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        assert client.get("/api/care/profile").json()["profile"] == {}


def test_websocket_origin_and_message_size(app_url: str) -> None:
    settings = Settings(database_url=app_url, ble="none", max_ws_message_bytes=1000)
    with signed_in(create_app(settings)) as client:
        session_id = client.post("/api/sessions", json={"source": "browser", "device_profile": "perifit"}).json()["id"]
        foreign = {"Origin": "http://evil.example"}
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect(f"/ws/sessions/{session_id}", headers=foreign),
        ):
            pass
        assert refused.value.status_code == 403
        with client.websocket_connect(f"/ws/sessions/{session_id}", headers={"Origin": BASE_URL}) as ws:
            ws.send_text('{"type": "sensor", "state": "connected", "name": "' + "x" * 2000 + '"}')
            with pytest.raises(WebSocketDisconnect) as closed:
                while True:
                    ws.receive_json()
            assert closed.value.code == 1009
        assert client.post(f"/api/sessions/{session_id}/stop").status_code == 200


def test_every_answer_carries_the_security_headers(app_url: str) -> None:
    with signed_in(create_app(Settings(database_url=app_url, ble="none"))) as client:
        for path in ("/", "/api/sessions", "/static/app.css", "/nope"):
            headers = client.get(path).headers
            csp = headers["content-security-policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "same-origin"
            assert headers["x-frame-options"] == "DENY"
        assert client.get("/api/sessions").headers["cache-control"] == "no-store"
        refused = client.get("/api/sessions", headers={"Host": "evil.example"}).headers
        assert "content-security-policy" in refused


def test_pages_hold_no_inline_script(app_url: str) -> None:
    with signed_in(create_app(Settings(database_url=app_url, ble="none"))) as client:
        for path in ("/", "/history", "/account", "/care", "/programme", "/progress", "/games", "/assess"):
            html = client.get(path).text
            for tag in re.findall(r"<script\b[^>]*>", html):
                assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
            assert not re.search(r"<[^>]+\son[a-z]+=", html), path  # no inline event handlers
            assert not re.search(r"<[^>]+\sstyle=", html), path  # style-src 'self': no style attributes


def test_the_sign_in_form_refuses_a_forged_form_and_open_redirects(app_url: str) -> None:
    token = user_token(app_url, "her@example.org")  # makes the account (without a password)
    assert token
    with LocalClient(create_app(Settings(database_url=app_url, ble="none")), base_url=BASE_URL) as c:
        form = {"email": "her@example.org", "password": "x" * 12, "csrf_token": "forged", "next": "/"}
        assert c.post("/signin", data=form).status_code == 400
        assert c.post("/signin", content=b"{}", headers={"Content-Type": "application/json"}).status_code == 415
        page = c.get("/signin?next=//evil.example/")
        assert 'name="next" value="/"' in page.text
