"""Trainers in the web app: a virtual Perifit over a real BLE stack (Bumble) drives a live session as the
simulator does; the server's scan, the profiles list, and a page-fed Web Bluetooth session."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from signed_in import signed_in

from pelvicore.devices.ble.payloads import perifit_payload
from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings

SPEED = 10.0


@pytest.fixture
def virtual(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", ble="virtual", ble_speed=SPEED)
    with signed_in(create_app(settings)) as c:
        yield c


def follow(client: TestClient, session_id: str) -> list[dict[str, Any]]:
    with client.websocket_connect(f"/ws/sessions/{session_id}") as ws:
        messages = []
        while True:
            message = ws.receive_json()
            messages.append(message)
            if message["type"] == "end":
                return messages


def test_scan_lists_every_virtual_trainer(virtual: TestClient) -> None:
    rows = virtual.get("/api/devices/scan", params={"seconds": 0.3}).json()
    assert sorted(r["profile"] for r in rows) == sorted(
        ["perifit", "kgoal", "kgoal-boost", "elvie", "magic-motion", "femfit", "open"]
    )


def test_a_virtual_perifit_drives_a_live_session_as_the_simulator_does(virtual: TestClient) -> None:
    simulated = virtual.post(
        "/api/sessions", json={"profile": "healthy", "routine": "quick-check", "speed": SPEED, "seed": 0}
    ).json()["id"]
    device = virtual.post(
        "/api/sessions", json={"source": "device", "device_address": "C0:FF:EE:00:00:01", "routine": "quick-check"}
    )
    assert device.status_code == 201, device.text
    by_sim, by_device = follow(virtual, simulated), follow(virtual, device.json()["id"])

    def kinds(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
        return [m for m in messages if m["type"] == kind]

    assert by_device[-1]["status"] == "completed"
    assert [c["text"] for c in kinds(by_device, "cue")] == [c["text"] for c in kinds(by_sim, "cue")]
    sim_onsets = [c["onset_s"] for c in kinds(by_sim, "contraction")]
    dev_onsets = [c["onset_s"] for c in kinds(by_device, "contraction")]
    assert len(sim_onsets) >= 8
    assert len(dev_onsets) == len(sim_onsets), (sim_onsets, dev_onsets)
    # The trainer starts its session when pelvicore connects; onsets agree to a fraction of a second.
    lag = dev_onsets[0] - sim_onsets[0]
    assert all(abs(d - s - lag) < 0.3 for d, s in zip(dev_onsets, sim_onsets, strict=True))
    assert all(c["technique"] == "lift" for c in kinds(by_device, "contraction"))
    frames = kinds(by_device, "frame")
    assert frames and frames[0]["units"] == {"floor": "raw", "abdomen": "raw"}
    assert any(m["type"] == "sensor" and m["state"] == "connected" for m in by_device)
    record = virtual.get(f"/api/sessions/{device.json()['id']}").json()
    assert record["source"] == "device" and record["profile"] == "perifit"
    assert record["fs_hz"] == 50.0  # measured from the trainer's notifications

    # The session calibrated the trainer: stored per device, and the next session shows % of her maximum.
    devices = virtual.get("/api/devices").json()
    assert [(d["profile"], d["key"], d["unit"]) for d in devices] == [("perifit", "C0:FF:EE:00:00:01", "raw")]
    strongest = max(c["peak"] for c in kinds(by_device, "contraction"))
    assert devices[0]["mvc"] == pytest.approx(strongest, rel=0.01)
    assert "pct_of_max" not in kinds(by_device, "contraction")[0]


def test_a_virtual_elvie_counts_her_squeezes_and_says_technique_is_not_measured(virtual: TestClient) -> None:
    """One byte of pressure and no abdominal zone: 9 squeezes counted as 9, and lift or push is not a score."""
    session = virtual.post(
        "/api/sessions", json={"source": "device", "device_address": "C0:FF:EE:00:00:04", "routine": "quick-check"}
    ).json()["id"]
    messages = follow(virtual, session)
    contractions = [m for m in messages if m["type"] == "contraction"]
    assert abs(len(contractions) - 9) <= 1, [c["onset_s"] for c in contractions]
    end = messages[-1]
    assert end["summary"]["technique_measured"] is False and end["summary"]["lift_pct"] is None
    assert "lift or push: not measured on this trainer" in end["feedback"]["message"]
    record = virtual.get(f"/api/sessions/{session}").json()
    assert record["profile"] == "elvie" and record["summary"]["lift_pct"] is None
    page = virtual.get(f"/sessions/{session}").text
    assert "lift or push: not measured on this trainer" in page and "lifted correctly" not in page
    assert "not measured on this trainer" in virtual.get("/history").text
    assert "not measured on this trainer" in virtual.get("/progress").text


def test_calibration_is_stored_per_trainer_and_can_be_set_or_forgotten(virtual: TestClient) -> None:
    url = "/api/devices/perifit/C0:FF:EE:00:00:01/calibration"
    assert virtual.put(url, json={"rest": 1200, "mvc": 900, "unit": "raw"}).json()["mvc"] == 900
    assert virtual.put(url, json={"rest": 1200, "mvc": -1, "unit": "raw"}).status_code == 422
    assert virtual.put("/api/devices/nokia/x/calibration", json={"rest": 0, "mvc": 1, "unit": "raw"}).status_code == 422
    session = virtual.post(
        "/api/sessions", json={"source": "device", "device_address": "C0:FF:EE:00:00:01", "routine": "quick-check"}
    ).json()["id"]
    messages = follow(virtual, session)
    calibration = next(m for m in messages if m["type"] == "calibration")
    assert calibration["mvc"] == 900 and "% of it" in calibration["text"]
    contractions = [m for m in messages if m["type"] == "contraction"]
    assert contractions and all(c["pct_of_max"] == pytest.approx(100 * c["peak"] / 900, abs=0.1) for c in contractions)
    assert virtual.delete(url).status_code == 204
    assert virtual.delete(url).status_code == 404


def test_a_trainer_nobody_hears_is_a_clear_409(virtual: TestClient) -> None:
    r = virtual.post("/api/sessions", json={"source": "device", "device_address": "C0:FF:EE:00:00:42"})
    assert r.status_code == 409 and "C0:FF:EE:00:00:42" in r.json()["detail"]
    r = virtual.post("/api/sessions", json={"source": "device", "device_address": "not an address"})
    assert r.status_code == 422


def test_profiles_tell_a_web_page_how_to_find_each_trainer(virtual: TestClient) -> None:
    profiles = {p["name"]: p for p in virtual.get("/api/devices/profiles").json()}
    assert profiles["perifit"]["services"] == [
        "0000aa40-0000-1000-8000-00805f9b34fb",
        "0000aa41-0000-1000-8000-00805f9b34fb",
    ]
    assert profiles["perifit"]["mode"] == "notify" and profiles["elvie"]["mode"] == "poll"
    assert profiles["kgoal"]["web_bluetooth"] is False and profiles["perifit"]["web_bluetooth"] is True


def test_a_page_streams_payloads_and_bad_messages_are_refused_without_ending_the_session(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", ble="none"))
    with signed_in(app) as client:
        r = client.post(
            "/api/sessions", json={"source": "browser", "device_profile": "perifit", "routine": "quick-check"}
        )
        assert r.status_code == 201
        session_id = r.json()["id"]
        assert client.post("/api/sessions", json={"source": "browser"}).status_code == 422
        with client.websocket_connect(f"/ws/sessions/{session_id}") as ws:
            ws.send_json({"type": "sensor", "state": "connected", "name": "Perifit_o)", "battery": 64})
            ws.send_json({"type": "payload", "characteristic": "0000aa41-0000-1000-8000-00805f9b34fb", "hex": "zz"})
            ws.send_text("not json")
            errors, sensor = [], []
            while len(errors) < 2 or len(sensor) < 2:
                m = ws.receive_json()
                (errors if m["type"] == "error" else sensor if m["type"] == "sensor" else []).append(m)
            assert "not hex" in errors[0]["text"]
            assert sensor[0]["state"] == "connected" and "64%" in sensor[1]["text"]
            contractions = []
            rng = np.random.default_rng(1)
            # 5 s at 20 Hz with one 2 s squeeze, on a noisy rest. Paced by the clock, as a trainer sends: sleeping
            # 50 ms after each send would fall behind on a busy machine, and the server measures the rate from
            # the first second's payloads (18 in it already reads as 16 Hz).
            started = time.monotonic()
            for i in range(100):
                floor = 20.0 + rng.normal(0, 0.4) + (25.0 * min(1.0, (i - 40) / 6) if 40 <= i < 80 else 0.0)
                ws.send_json(
                    {
                        "type": "payload",
                        "characteristic": "0000aa41-0000-1000-8000-00805f9b34fb",
                        "hex": perifit_payload(floor, 2.0).hex(),
                    }
                )
                time.sleep(max(0.0, started + (i + 1) * 0.05 - time.monotonic()))
            client.post(f"/api/sessions/{session_id}/stop")
            while (m := ws.receive_json())["type"] != "end":
                if m["type"] == "contraction":
                    contractions.append(m)
        assert len(contractions) == 1 and contractions[0]["technique"] == "lift"
        trace = client.get(f"/api/sessions/{session_id}/trace").json()
        assert trace["fs_hz"] == 20.0  # measured from the arrival of the payloads
        assert 80 <= len(trace["channels"]["floor"]) <= 100
        assert max(trace["channels"]["floor"]) > int.from_bytes(perifit_payload(44.0, 0)[:2], "big")


def test_a_page_that_leaves_a_browser_session_does_not_hold_the_server(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", ble="none"))
    with signed_in(app) as client:
        session_id = client.post("/api/sessions", json={"source": "browser", "device_profile": "elvie"}).json()["id"]
        with client.websocket_connect(f"/ws/sessions/{session_id}") as ws:
            ws.close()  # the page leaves before any sensor connected...
            time.sleep(0.3)  # ...and the server lets go of it: the socket's task ends by itself
        assert client.get(f"/api/sessions/{session_id}").json()["status"] == "running"
        assert client.post(f"/api/sessions/{session_id}/stop").status_code == 200


def test_hostile_calibration_requests_are_422_never_500(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", ble="none"))
    with signed_in(app, raise_server_exceptions=False) as client:
        body = {"rest": 1, "mvc": 2, "unit": "raw"}
        assert client.put("/api/devices/perifit/" + "x" * 300 + "/calibration", json=body).status_code == 422
        blank = client.put("/api/devices/perifit/%20/calibration", json=body)  # refused by the store itself
        assert blank.status_code == 422 and "device key" in blank.json()["detail"]
        assert client.put("/api/devices/perifit/a/calibration", json=body | {"rest": "nan"}).status_code == 422
        assert client.get("/api/devices/scan").status_code == 409
