"""The home page finds the trainers the server's Bluetooth hears (virtual ones here, over Bumble) and a session
with a virtual Perifit runs live in Chromium like a simulated one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from web_server import Server, chromium, served, shot


@pytest.fixture(scope="module")
def virtual_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with served(tmp_path_factory.mktemp("trainers"), "--ble", "virtual", "--ble-speed", "10") as url:
        yield url


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_find_a_virtual_perifit_and_train_with_it(chromium_browser: Browser, virtual_server: Server) -> None:
    page = chromium_browser.new_page(viewport={"width": 1000, "height": 900}, extra_http_headers=virtual_server.headers)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(virtual_server + "/")
    page.get_by_role("button", name="Find trainers near this computer").click()
    expect(page.locator("#find-status")).to_contain_text("Found 7 trainers", timeout=10_000)
    page.get_by_label("Sensor").select_option("device:C0:FF:EE:00:00:01|perifit")
    expect(page.get_by_label("Speed")).to_be_disabled()
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url("**/live", timeout=15_000)
    expect(page.locator("#sensor-status")).to_contain_text("Perifit", timeout=10_000)
    expect(page.locator("#count")).not_to_have_text("0", timeout=15_000)
    shot(page, "live-virtual-perifit")
    expect(page.get_by_role("link", name="See the summary")).to_be_visible(timeout=20_000)
    assert int(page.locator("#count").inner_text()) >= 8
    assert not errors, errors
    page.close()
