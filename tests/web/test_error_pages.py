"""Refusals read as pages for a person and as JSON for a program."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("path", ["/sessions/does-not-exist", "/no-such-page", "/sessions/nope/assessment"])
def test_a_missing_page_is_an_html_page_with_the_way_back(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is nothing here" in response.text
    assert 'href="/"' in response.text and "Back to the start page" in response.text
    assert '"detail"' not in response.text  # no raw JSON on screen


def test_the_api_still_answers_json(client: TestClient) -> None:
    for path in ("/api/sessions/does-not-exist", "/api/no-such-endpoint"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert "detail" in response.json()


def test_a_bad_value_in_a_page_address_is_an_html_422_naming_it(client: TestClient) -> None:
    response = client.get("/games/no-such-game/abc")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "Please check: game." in response.text


def test_a_bad_api_body_still_lists_the_fields_as_json(client: TestClient) -> None:
    response = client.post("/api/sessions", json={"speed": "fast"})
    assert response.status_code == 422
    assert any("speed" in map(str, error["loc"]) for error in response.json()["detail"])


def test_a_page_scripts_fetch_gets_json_and_a_browsers_form_gets_html(client: TestClient) -> None:
    fetched = client.post("/care/diary/score/sf36", json={})
    assert fetched.status_code == 422
    assert "unknown instrument" in fetched.json()["detail"]
    sent = client.post("/care/diary/score/sf36", json={}, headers={"Accept": "text/html,application/xhtml+xml"})
    assert sent.headers["content-type"].startswith("text/html")
    assert "unknown instrument" in sent.text.lower()


def test_a_page_never_shows_whose_record_it_was(client: TestClient) -> None:
    from fastapi import Request

    from pelvicore.web.error_pages import error_response

    scope = {"type": "http", "method": "GET", "path": "/programme", "headers": [], "query_string": b""}
    request = Request(scope)
    request.state.principal = None
    page = error_response(request, 422, "user 7: the stored training plan is unreadable")
    assert b"user 7" not in page.body and b"The stored training plan is unreadable." in page.body
