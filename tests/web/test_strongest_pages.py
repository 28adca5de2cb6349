"""Her strongest squeeze as the yardstick: a virtual Perifit's first session measures her, the next one's summary
carries that strongest (mvc, its unit) and its pages show each squeeze as % of it, with the unit one tap away."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from signed_in import signed_in

from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings

PERIFIT = "C0:FF:EE:00:00:01"


@pytest.fixture
def virtual(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", ble="virtual", ble_speed=20.0)
    with signed_in(create_app(settings)) as c:
        yield c


def start(client: TestClient, address: str) -> str:
    r = client.post("/api/sessions", json={"source": "device", "device_address": address, "routine": "quick-check"})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def follow(client: TestClient, session_id: str) -> list[dict[str, Any]]:
    """Every message the live page is sent, up to the session's end."""
    with client.websocket_connect(f"/ws/sessions/{session_id}") as ws:
        messages = [ws.receive_json()]
        while messages[-1]["type"] != "end":
            messages.append(ws.receive_json())
    return messages


def test_the_first_session_measures_her_and_the_next_is_shown_as_percent_of_her_strongest(
    virtual: TestClient,
) -> None:
    first = start(virtual, PERIFIT)
    page = virtual.get(f"/sessions/{first}/live").text
    assert "This first session measures you" in page and "your three strongest squeezes" in page
    assert "Bø 2005" in page and "MVC" in page
    messages = follow(virtual, first)

    # Uncalibrated: no strongest in the summary, and the pages say sizes in the trainer's unit, as before.
    assert not any(m["type"] == "calibration" for m in messages)
    summary = virtual.get(f"/api/sessions/{first}").json()["summary"]
    assert "mvc" not in summary and "mvc_unit" not in summary
    page = virtual.get(f"/sessions/{first}").text
    assert "% of your strongest" not in page and "raw above rest" in page
    strongest = max(m["peak"] for m in messages if m["type"] == "contraction")

    # Calibrated by that session: the next one is measured against it; its first-session guide is gone.
    second = start(virtual, PERIFIT)
    assert "This first session measures you" not in virtual.get(f"/sessions/{second}/live").text
    messages = follow(virtual, second)
    assert next(m for m in messages if m["type"] == "calibration")["unit"] == "raw"
    end = messages[-1]
    assert end["summary"]["mvc"] == pytest.approx(strongest, abs=0.01) and end["summary"]["mvc_unit"] == "raw"
    summary = virtual.get(f"/api/sessions/{second}").json()["summary"]
    assert summary["mvc"] == pytest.approx(strongest, abs=0.01) and summary["mvc_unit"] == "raw"
    page = virtual.get(f"/sessions/{second}").text
    best = math.floor(100 * summary["max_peak"] / summary["mvc"] + 0.5)
    said = f"{best} % of your strongest" if best <= 100 else f"{best} % — a new strongest"
    assert f'id="summary-strongest" data-pct="{said}"' in page
    assert f"{summary['max_peak']:.1f} raw above rest" in page  # one tap away
    assert "Size (%)" in page and " 0 %" not in page

    # A trainer of another kind has not measured her yet: its first session guides her, without a %.
    elvie = start(virtual, "C0:FF:EE:00:00:04")
    assert "This first session measures you" in virtual.get(f"/sessions/{elvie}/live").text
    follow(virtual, elvie)
    assert "mvc" not in virtual.get(f"/api/sessions/{elvie}").json()["summary"]
    assert "% of your strongest" not in virtual.get(f"/sessions/{elvie}").text

    # History: the calibrated session's strongest as a %, the others in their trainer's unit.
    history = virtual.get("/history").text
    best_short = f"{best} %" + (", a new strongest" if best > 100 else "")
    assert f'data-pct="{best_short}" data-unit="{summary["max_peak"]:.1f} raw above rest"' in history
    assert "Strongest (%)" in history and "sizes.js" in history
    assert "Strongest: as % of your strongest squeeze when the session began" in history
    assert "cannot be compared" not in history  # every session so far is in raw
    for uncalibrated in (first, elvie):
        peak = virtual.get(f"/api/sessions/{uncalibrated}").json()["summary"]["max_peak"]
        assert f'<td data-label="Strongest">{peak:.1f} raw above rest</td>' in history

    # A session in another unit: the strongest chart keeps to the newest session's unit, and says so.
    r = virtual.post("/api/sessions", json={"source": "simulator", "routine": "quick-check", "speed": 20})
    assert r.status_code == 201, r.text
    follow(virtual, r.json()["id"])
    history = " ".join(virtual.get("/history").text.split())
    assert 'data-metric="max_peak" data-title="Strongest squeeze (cmH2O above rest)"' in history
    assert "for the sessions measured in cmH2O (trainers' numbers cannot be compared with each other)" in history
