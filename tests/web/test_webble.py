"""A trainer paired over Web Bluetooth in a real Chromium, streaming into a live session on a real server.

Chromium emulates the Bluetooth adapter and the trainer through the DevTools ``BluetoothEmulation`` domain
(browser target) and answers the pairing chooser through ``DeviceAccess`` (page target). Chromium's emulation
cannot push notifications: a subscription succeeds but values only arrive through reads. So the Perifit is
checked twice: as it really is (notify only: pair, subscribe, lose the link, reconnect and subscribe again),
and refusing the subscription while allowing reads, where the page falls back to reading and a whole session
of squeezes flows through. The Elvie is read-only by nature and is polled.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import pytest
from playwright.sync_api import Browser, CDPSession, Page, expect
from playwright.sync_api import Error as PlaywrightError
from web_server import CHROMIUM, FLAGS, Server, chromium, served, shot

#: Web Bluetooth is off by default in Chromium on Linux.
WEB_BLUETOOTH = "--enable-features=WebBluetooth"

PERIFIT_SERVICE = "0000aa40-0000-1000-8000-00805f9b34fb"
PERIFIT_DATA = "0000aa41-0000-1000-8000-00805f9b34fb"
ELVIE_SERVICE = "0a09fff0-dcac-7001-ed03-030502030401"
ELVIE_DATA = "0a09fff1-dcac-7001-ed03-030502030401"
#: Client Characteristic Configuration: Chromium needs it before it subscribes to a characteristic.
CCCD = "00002902-0000-1000-8000-00805f9b34fb"
GATT_SUCCESS = 0
GATT_REQUEST_NOT_SUPPORTED = 0x06

#: Squeezes, as (start, end) in s after the trainer starts sending: inside the three 5 s maximal squeezes of
#: the quick check (after its first 5 s of rest), a little late as a person is.
SQUEEZES_S = ((5.8, 8.8), (15.8, 18.8), (25.8, 28.8))


def squeeze_level(t_s: float) -> float:
    """0 at rest, 1 while squeezing, with 0.3 s ramps."""
    level = 0.0
    for start, end in SQUEEZES_S:
        rise = min(1.0, max(0.0, (t_s - start) / 0.3))
        fall = min(1.0, max(0.0, (end - t_s) / 0.3))
        level = max(level, min(rise, fall))
    return level


def perifit_payload(t_s: float, rng: np.random.Generator) -> bytes:
    """Big-endian u16 floor (rest ~400 raw, squeezes to ~1400) then u16 abdomen (tip, staying low)."""
    breath = 8 * math.sin(2 * math.pi * t_s / 4)
    floor = 400 + 1000 * squeeze_level(t_s) + breath + rng.normal(0, 4)
    abdomen = 150 + 30 * squeeze_level(t_s) + breath + rng.normal(0, 3)
    return round(floor).to_bytes(2, "big") + round(abdomen).to_bytes(2, "big")


def elvie_payload(t_s: float, rng: np.random.Generator) -> bytes:
    """Seven bytes, pressure in byte 5: about 10 at rest, 20 squeezing (the facts give 9-21 in use)."""
    pressure = 10 + 10 * squeeze_level(t_s) + rng.normal(0, 0.3)
    return bytes([0, 0, 0, 0, 0, round(pressure), 0])


@dataclass
class EmulatedTrainer:
    """One Bluetooth LE trainer emulated by Chromium, answering the page as the real one would.

    ``payload(t_s, rng)`` gives the value of a read ``t_s`` after the first read; ``subscribe_code`` is the
    answer to a subscription (a GATT error code refuses it); while ``answering`` is false, reads get no answer
    (a trainer that hangs with the link still up).
    """

    bluetooth: CDPSession
    address: str  # upper-case hex: Chromium lists nothing in the chooser for a lower-case address
    name: str
    service: str
    characteristic: str
    notify: bool
    read: bool
    payload: Callable[[float, np.random.Generator], bytes] | None = None
    subscribe_code: int = GATT_SUCCESS
    answering: bool = True
    operations: list[str] = field(default_factory=list)
    started: float | None = None
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))

    def install(self) -> None:
        self.bluetooth.send(
            "BluetoothEmulation.simulatePreconnectedPeripheral",
            {"address": self.address, "name": self.name, "manufacturerData": [], "knownServiceUuids": [self.service]},
        )
        self._add_gatt_database()
        self.bluetooth.on("BluetoothEmulation.gattOperationReceived", self._gatt)
        self.bluetooth.on("BluetoothEmulation.characteristicOperationReceived", self._characteristic)

    def drop_link(self) -> None:
        """The trainer goes out of range and comes back."""
        self.bluetooth.send("BluetoothEmulation.simulateGATTDisconnection", {"address": self.address})
        # Chromium forgets an emulated peripheral's services on disconnection; a real trainer still has them.
        self._add_gatt_database()

    def _add_gatt_database(self) -> None:
        bt = self.bluetooth
        service_id = bt.send("BluetoothEmulation.addService", {"address": self.address, "serviceUuid": self.service})
        characteristic = bt.send(
            "BluetoothEmulation.addCharacteristic",
            {
                "serviceId": service_id["serviceId"],
                "characteristicUuid": self.characteristic,
                "properties": {"notify": self.notify, "read": self.read},
            },
        )
        if self.notify:
            bt.send(
                "BluetoothEmulation.addDescriptor",
                {"characteristicId": characteristic["characteristicId"], "descriptorUuid": CCCD},
            )

    def _gatt(self, event: dict[str, Any]) -> None:
        if event["address"] != self.address:
            return
        self.operations.append(event["type"])
        self.bluetooth.send(
            "BluetoothEmulation.simulateGATTOperationResponse",
            {"address": self.address, "type": event["type"], "code": GATT_SUCCESS},
        )

    def _characteristic(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        self.operations.append(kind)
        answer: dict[str, Any] = {"characteristicId": event["characteristicId"], "type": kind, "code": GATT_SUCCESS}
        if kind == "subscribe-to-notifications":
            answer["code"] = self.subscribe_code
        elif kind == "read" and not self.answering:
            self.operations.append("read-unanswered")
            return
        elif kind == "read":
            now = time.monotonic()
            self.started = self.started or now
            value = self.payload(now - self.started, self.rng) if self.payload else b"\x00"
            answer["data"] = base64.b64encode(value).decode()
        try:
            self.bluetooth.send("BluetoothEmulation.simulateCharacteristicOperationResponse", answer)
        except PlaywrightError:
            self.operations.append("answer-after-link-dropped")  # a read still pending when the link went


def wait_for_reads(page: Page, trainer: EmulatedTrainer, count: int, timeout_s: float = 5) -> None:
    """Until the trainer has answered ``count`` reads (the page's waits let DevTools events through)."""
    deadline = time.monotonic() + timeout_s
    while trainer.operations.count("read") < count:
        assert time.monotonic() < deadline, f"{trainer.operations.count('read')} reads answered, not {count}"
        page.wait_for_timeout(100)


class Chooser:
    """The browser's device chooser, answered through DevTools: pick ``address`` once it is listed, or cancel."""

    def __init__(self, page: Page, address: str, *, cancel: bool = False) -> None:
        self.session = page.context.new_cdp_session(page)
        self.address, self.cancel = address, cancel
        self.answered: set[str] = set()
        self.listed: list[list[str]] = []
        self.session.send("DeviceAccess.enable")
        self.session.on("DeviceAccess.deviceRequestPrompted", self._prompted)

    def _prompted(self, event: dict[str, Any]) -> None:
        # The prompt is reported again as devices appear; answering one prompt twice crashes Chromium 156.
        ids = [d["id"] for d in event["devices"]]
        self.listed.append(ids)
        if event["id"] in self.answered:
            return
        if self.cancel:
            self.answered.add(event["id"])
            self.session.send("DeviceAccess.cancelPrompt", {"id": event["id"]})
        elif self.address in ids:
            self.answered.add(event["id"])
            self.session.send("DeviceAccess.selectPrompt", {"id": event["id"], "deviceId": self.address})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with served(tmp_path_factory.mktemp("webble")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium(WEB_BLUETOOTH) as b:
        yield b


@pytest.fixture
def bluetooth(browser: Browser) -> Iterator[CDPSession]:
    """A powered-on emulated adapter (a browser-wide DevTools domain: the page target does not have it)."""
    session = browser.new_browser_cdp_session()
    session.send("BluetoothEmulation.enable", {"state": "powered-on", "leSupported": True})
    yield session
    session.send("BluetoothEmulation.disable")
    session.detach()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, extra_http_headers=server.headers)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    page.close()
    assert not errors, errors


def start_browser_session(page: Page, server: Server, option: str) -> str:
    """From the home page, start a quick check with the trainer ``option`` and return the session id."""
    page.goto(server + "/")
    sensor = page.get_by_label("Sensor")
    expect(sensor.locator("option", has_text=option)).to_be_enabled()
    sensor.select_option(label=option)
    expect(page.get_by_label("Speed")).to_be_disabled()
    page.get_by_label("Routine").select_option("quick-check")
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url("**/live")
    session_id = page.locator("#live").get_attribute("data-session")
    assert session_id
    return session_id


def stop_session(page: Page, said: str = "Session over — the sensor is disconnected.") -> None:
    """Stop as a person would: the session ends and the page lets go of the trainer."""
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_role("link", name="See the summary")).to_be_visible(timeout=10_000)
    expect(page.locator("#sensor-status")).to_have_text(said)
    expect(page.locator("#connect-sensor")).to_be_disabled()


def test_perifit_pairs_subscribes_and_comes_back_after_a_dropped_link(
    page: Page, bluetooth: CDPSession, server: Server
) -> None:
    trainer = EmulatedTrainer(
        bluetooth, "0A:0B:0C:0D:0E:01", "Perifit_o)", PERIFIT_SERVICE, PERIFIT_DATA, notify=True, read=False
    )
    trainer.install()
    session_id = start_browser_session(page, server, "Perifit Care / Care+ — Bluetooth in this browser")
    record = httpx.get(f"{server}/api/sessions/{session_id}", headers=server.headers).json()
    assert (record["source"], record["profile"]) == ("browser", "perifit")
    Chooser(page, trainer.address)
    status = page.get_by_role("status").filter(has_text="trainer")
    expect(status).to_be_visible()
    page.get_by_role("button", name="Connect sensor").focus()
    page.keyboard.press("Enter")  # keyboard works as well as a click
    expect(page.locator("#sensor-status")).to_have_text("Connected to Perifit_o).", timeout=10_000)
    assert trainer.operations[:3] == ["connection", "discovery", "subscribe-to-notifications"]
    expect(page.get_by_role("button", name="Disconnect sensor")).to_be_focused()

    trainer.drop_link()
    expect(page.locator("#sensor-status")).to_contain_text("disconnected — reconnecting", timeout=15_000)
    # Back-off starts at 1 s: the page reconnects by itself and subscribes again.
    expect(page.locator("#sensor-status")).to_have_text("Connected to Perifit_o).", timeout=10_000)
    assert trainer.operations.count("subscribe-to-notifications") == 2
    assert trainer.operations.count("connection") == 2
    stop_session(page)


def test_perifit_squeezes_counted_through_reads(page: Page, bluetooth: CDPSession, server: Server) -> None:
    trainer = EmulatedTrainer(
        bluetooth,
        "0A:0B:0C:0D:0E:02",
        "Perifit_o)",
        PERIFIT_SERVICE,
        PERIFIT_DATA,
        notify=True,
        read=True,
        payload=perifit_payload,
        subscribe_code=GATT_REQUEST_NOT_SUPPORTED,
    )
    connect(page, server, trainer, "Perifit Care / Care+ — Bluetooth in this browser")
    assert "subscribe-to-notifications" in trainer.operations  # refused, so the page reads instead
    expect(page.locator("#count")).to_have_text("3", timeout=45_000)
    assert trainer.operations.count("read") > 200  # polled many times a second
    shot(page, "webble-perifit-live")

    trainer.drop_link()
    expect(page.locator("#sensor-status")).to_contain_text("disconnected — reconnecting", timeout=15_000)
    shot(page, "webble-perifit-reconnecting")
    stop_session(page)


def emulated_elvie(bluetooth: CDPSession, address: str) -> EmulatedTrainer:
    """An Elvie: one characteristic, read (polled), never notifying."""
    return EmulatedTrainer(
        bluetooth, address, "Elvie", ELVIE_SERVICE, ELVIE_DATA, notify=False, read=True, payload=elvie_payload
    )


def connect(page: Page, server: Server, trainer: EmulatedTrainer, choice: str) -> None:
    """Start a browser session for the trainer ``choice`` (its label on the home page), pick the emulated trainer
    in the browser's chooser, and wait until the page says it is connected."""
    trainer.install()
    start_browser_session(page, server, choice)
    Chooser(page, trainer.address)
    page.get_by_role("button", name="Connect sensor").click()
    expect(page.locator("#sensor-status")).to_have_text(f"Connected to {trainer.name}.", timeout=10_000)


def test_elvie_polled_squeezes_counted(page: Page, bluetooth: CDPSession, server: Server) -> None:
    trainer = emulated_elvie(bluetooth, "0A:0B:0C:0D:0E:03")
    connect(page, server, trainer, "Elvie Trainer — Bluetooth in this browser")
    expect(page.locator("#count")).to_have_text("3", timeout=45_000)
    assert "subscribe-to-notifications" not in trainer.operations
    shot(page, "webble-elvie-live")

    dropped_at = len(trainer.operations)
    trainer.drop_link()
    expect(
        page.locator("#sensor-status"),
        "the page never noticed the link drop; the trainer saw since: " + ", ".join(trainer.operations[dropped_at:]),
    ).to_contain_text("disconnected — reconnecting", timeout=15_000)
    expect(page.locator("#sensor-status")).to_have_text("Connected to Elvie.", timeout=10_000)
    stop_session(page)


def test_a_trainer_that_stops_answering_is_connected_again(page: Page, bluetooth: CDPSession, server: Server) -> None:
    """A polled trainer can hang with the link still up: the page gives up on the read and connects again."""
    trainer = emulated_elvie(bluetooth, "0A:0B:0C:0D:0E:05")
    connect(page, server, trainer, "Elvie Trainer — Bluetooth in this browser")
    wait_for_reads(page, trainer, 5)

    trainer.answering = False
    expect(page.locator("#sensor-status")).to_contain_text("disconnected — reconnecting", timeout=10_000)
    assert trainer.operations.count("read-unanswered") == 1, "one read at a time, and none while it hangs"
    trainer.answering = True
    expect(page.locator("#sensor-status")).to_have_text("Connected to Elvie.", timeout=15_000)
    wait_for_reads(page, trainer, trainer.operations.count("read") + 5)
    stop_session(page)


def test_a_cancelled_chooser_is_explained(page: Page, bluetooth: CDPSession, server: Server) -> None:
    trainer = EmulatedTrainer(
        bluetooth, "0A:0B:0C:0D:0E:04", "Perifit_o)", PERIFIT_SERVICE, PERIFIT_DATA, notify=True, read=False
    )
    trainer.install()
    start_browser_session(page, server, "Perifit Care / Care+ — Bluetooth in this browser")
    Chooser(page, trainer.address, cancel=True)
    page.get_by_role("button", name="Connect sensor").click()
    expect(page.locator("#sensor-status")).to_have_text("No trainer chosen. Press Connect sensor to try again.")
    expect(page.get_by_role("button", name="Connect sensor")).to_be_enabled()
    assert "connection" not in trainer.operations
    stop_session(page, "Session over.")


def test_without_web_bluetooth_the_trainers_are_offered_but_disabled(browser: Browser, server: Server) -> None:
    plain = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)  # no Web Bluetooth
    page = plain.new_page(extra_http_headers=server.headers)
    page.goto(server + "/")
    sensor = page.get_by_label("Sensor")
    expect(sensor.locator("option", has_text="Perifit Care / Care+ — Bluetooth in this browser")).to_be_disabled()
    expect(page.locator("#sensor-note")).to_contain_text("use Chrome, Edge or Android Chrome")
    assert sensor.get_attribute("aria-describedby") == "sensor-note"
    plain.close()
