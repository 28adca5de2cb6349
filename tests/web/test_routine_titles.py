"""Lists of sessions name each routine by its title, a game's and a plan's session included."""

from __future__ import annotations

from fastapi.testclient import TestClient

from pelvicore.training.routines import get_protocol
from pelvicore.web.routers.pages import routine_title


def test_titles_for_fixed_game_and_plan_routines_and_a_name_that_is_not_one() -> None:
    assert routine_title("quick-check") == get_protocol("quick-check").title
    assert routine_title("game:control:easy:3") == get_protocol("game:control:easy:3").title != "game:control:easy:3"
    assert routine_title("plan:training:strength:3:8:3:lying:0:-").startswith(
        get_protocol("plan:training:strength:3:8:3:lying:0:-").title
    )
    assert routine_title("no-such-routine") == "no-such-routine"


def test_home_history_and_summary_show_titles(client: TestClient) -> None:
    session = client.post("/api/sessions", json={"routine": "quick-check", "speed": 100, "seed": 1}).json()["id"]
    client.post(f"/api/sessions/{session}/stop")
    title = get_protocol("quick-check").title
    for url in ("/history", f"/sessions/{session}"):  # the home page lists titles in its form anyway
        page = client.get(url)
        assert page.status_code == 200 and title in page.text and ">quick-check<" not in page.text, url
