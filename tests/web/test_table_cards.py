"""On a phone (375 px) the tables too wide for it show each row as a card, in Chromium against a real server: no
sideways scrolling, every value beside its column's label, the card's title first, the heading row kept for screen
readers and the history's size toggle still there; at 1280 px they are tables as before, and the tables that fit a
phone (a session's contractions, the bone screen) stay tables.

Screenshots at both widths land in ``test-artifacts/table-cards-*.png``.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from care_history import simulated_history
from clinic_accounts import clinician_token
from playwright.sync_api import Browser, Locator, Page, expect
from signed_in import bearer
from stored_sessions import store_simulated
from web_server import Server, chromium, served, shot

from pelvicore.store import SessionStore, make_engine

PHONE, DESKTOP = {"width": 375, "height": 800}, {"width": 1280, "height": 900}
PERIFIT, KGOAL, PT = "C0:FF:EE:00:00:01", "C0:FF:EE:00:00:02", "pt@clinic.example"
ROUTINES = ("perfect", "glazer", "cough")
BONE = "/care/bone?age=62&weight_kg=58&estrogen=no&black=no&rheumatoid_arthritis=no&fractures_after_45=0"


@dataclass(frozen=True)
class Data:
    server: Server
    pt_headers: dict[str, str]
    calibrated: str  # a finished session on the calibrated virtual Perifit
    one_zone: str  # on a kGoal: one zone, so lifting and pushing look alike
    simulated: str
    perfect: str
    glazer: str
    cough: str
    me: int


def finish(http: httpx.Client, body: dict[str, object]) -> str:
    r = http.post("/api/sessions", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Data]:
    with served(tmp_path_factory.mktemp("cards"), "--ble", "virtual", "--ble-speed", "20") as server:
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as http:
            # Her strongest above the virtual Perifit's squeezes, so its session's strongest reads as a %.
            r = http.put(
                f"/api/devices/perifit/{PERIFIT}/calibration", json={"rest": 1360.0, "mvc": 1400.0, "unit": "raw"}
            )
            assert r.status_code == 200, r.text
            calibrated = finish(http, {"source": "device", "device_address": PERIFIT, "routine": "quick-check"})
            one_zone = finish(http, {"source": "device", "device_address": KGOAL, "routine": "quick-check"})
            simulated = finish(http, {"source": "simulator", "routine": "quick-check", "speed": 20})
            for entry in simulated_history(dt.date.today(), weeks=2).entries:
                assert http.post("/api/care/diary", json=entry).status_code == 200
            engine = make_engine(server.database_url)
            store = SessionStore(engine)
            user = store.ensure_user()
            perfect, glazer, cough = (store_simulated(store, user, r, seed=k) for k, r in enumerate(ROUTINES))
            engine.dispose()
            pt_headers = bearer(clinician_token(server.database_url, PT))
            made = http.post("/api/shares", json={"clinician_email": PT, "scope": ["training", "care"]})
            assert made.status_code == 201, made.text
            me = int(http.get("/api/me").json()["id"])
            assert httpx.get(f"{server}/clinic/patients/{me}", headers=pt_headers).status_code == 200  # audited
            deadline = time.monotonic() + 30
            while any(
                http.get(f"/api/sessions/{s}").json()["status"] == "running" for s in (calibrated, one_zone, simulated)
            ):
                assert time.monotonic() < deadline, "the sessions did not end"
                time.sleep(0.2)
        yield Data(server, pt_headers, calibrated, one_zone, simulated, perfect, glazer, cough, me)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


# (screenshot name, page, table, seen by the clinician)
CARDS = [
    ("history", "/history", "#history-table", False),
    ("progress", "/progress", "#assessments-table", False),
    ("perfect", "/sessions/{perfect}/assessment", "#contractions", False),
    ("glazer", "/sessions/{glazer}/assessment", "#glazer-phases", False),
    ("cough", "/sessions/{cough}/assessment", "#coughs", False),
    ("diary", "/care/diary", "#diary-table", False),
    ("insight", "/care/insight", "#weeks-table", False),
    ("audit", "/account/audit", "#audit-table", False),
    ("clinic-assessments", "/clinic/patients/{me}", "#assessments-table", True),
    ("clinic-sessions", "/clinic/patients/{me}", "#sessions-table", True),
    ("clinic-diary", "/clinic/patients/{me}", "#diary-table", True),
    ("clinic-weeks", "/clinic/patients/{me}", "#weeks-table", True),
]
# Tables that fit a phone whole stay tables there.
TABLES = [
    ("summary", "/sessions/{simulated}", "#main table"),
    ("power-classes", "/sessions/{perfect}/assessment", "#power-classes"),
    ("bone", BONE, "#bone-result-h ~ .table-wrap table"),
]

# Each body cell as laid out: its label, its column's heading, what its ::before shows, and where it is.
CELLS = """(table) => {
  const heads = [...table.tHead.rows[0].cells].map((th) => th.textContent.trim());
  return [...table.tBodies[0].rows].flatMap((tr, row) => {
    let column = 0;
    return [...tr.cells].map((cell) => {
      const box = cell.getBoundingClientRect();
      const said = {row, label: cell.dataset.label ?? null, title: cell.classList.contains("card-title"),
        heading: heads[column], before: getComputedStyle(cell, "::before").content, text: cell.innerText.trim(),
        left: box.left, right: box.right, top: box.top, height: box.height, rowDisplay: getComputedStyle(tr).display};
      column += cell.colSpan;
      return said;
    });
  });
}"""
HEADINGS = """(table) => [...table.tHead.rows[0].cells].map((th) => {
  const box = th.getBoundingClientRect();
  return {text: th.textContent.trim(), display: getComputedStyle(th).display, width: box.width,
          button: th.querySelector("button") !== null};
})"""
OPEN_DETAILS = "(t) => { for (let d = t.closest('details'); d; d = d.parentElement.closest('details')) d.open = true; }"
WRAP_SCROLLS = "(t) => { const wrap = t.closest('.table-wrap'); return wrap.scrollWidth > wrap.clientWidth; }"


def open_page(browser: Browser, data: Data, path: str, clinician: bool, viewport: dict[str, int]) -> Page:
    headers = data.pt_headers if clinician else data.server.headers
    page = browser.new_page(viewport=viewport, extra_http_headers=headers)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(data.server + path.format(**vars(data)))
    assert not errors, errors
    return page


def show(page: Page, selector: str) -> None:
    """Open the <details> a table sits in (a raw-numbers table is folded away)."""
    page.locator(selector).evaluate(OPEN_DETAILS)


ROLES = """t => ({
  table: t.getAttribute("role"),
  rows: [...t.querySelectorAll("tr")].map(r => r.getAttribute("role")),
  cells: [...t.querySelectorAll("td")].map(c => c.getAttribute("role")),
  headings: [...t.querySelectorAll("thead th")].map(h => h.getAttribute("role")),
})"""


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def scrolls_sideways(page: Page, selector: str) -> bool:
    return bool(page.locator(selector).evaluate(WRAP_SCROLLS))


@pytest.mark.parametrize(("name", "path", "table", "clinician"), CARDS, ids=[c[0] for c in CARDS])
def test_a_wide_table_is_a_card_a_row_on_a_phone(
    browser: Browser, data: Data, name: str, path: str, table: str, clinician: bool
) -> None:
    page = open_page(browser, data, path, clinician, PHONE)
    show(page, table)
    assert fits(page), f"{path} scrolls sideways"
    assert not scrolls_sideways(page, table), f"{table} scrolls sideways"
    cells = page.locator(table).evaluate(CELLS)
    assert cells, f"{table} has no rows"
    width = PHONE["width"]
    for cell in cells:
        assert cell["rowDisplay"] == "flex", cell
        assert cell["text"] and cell["height"] > 0 and 0 <= cell["left"] and cell["right"] <= width, cell  # in sight
        assert cell["title"] or cell["label"], f"{table}: a value without a label: {cell}"
        if cell["label"]:  # the label repeats its column's heading ("Strongest" for "Strongest (%)")
            assert cell["heading"].startswith(cell["label"]), cell
            assert cell["before"] == (f'"{cell["label"]} "' if cell["title"] else f'"{cell["label"]}: "'), cell
        else:
            assert cell["before"] == "none", cell
    for row in {c["row"] for c in cells}:  # the title first
        titles = [c["top"] for c in cells if c["row"] == row and c["title"]]
        lines = [c["top"] for c in cells if c["row"] == row and not c["title"]]
        assert titles and max(titles) < min(lines), (table, row)
    # The heading row stays for screen readers, out of sight; a heading with a button stays in sight.
    for heading in page.locator(table).evaluate(HEADINGS):
        assert heading["display"] != "none" and heading["text"], heading
        assert (heading["width"] > 1) == heading["button"], heading
    expect(page.locator(f"{table} caption")).to_be_visible()
    # Its roles are said outright (static/cards.js): WebKit drops a restyled table's own semantics.
    roles = page.locator(table).evaluate(ROLES)
    assert roles["table"] == "table" and roles["rows"] and set(roles["rows"]) == {"row"}, roles
    assert set(roles["cells"]) == {"cell"} and set(roles["headings"]) == {"columnheader"}, roles
    page.locator(table).scroll_into_view_if_needed()
    shot(page, f"table-cards-{name}-375")
    page.close()


@pytest.mark.parametrize(("name", "path", "table", "clinician"), CARDS, ids=[c[0] for c in CARDS])
def test_the_same_table_is_a_table_on_a_desktop(
    browser: Browser, data: Data, name: str, path: str, table: str, clinician: bool
) -> None:
    page = open_page(browser, data, path, clinician, DESKTOP)
    show(page, table)
    assert fits(page)
    for cell in page.locator(table).evaluate(CELLS):
        assert cell["rowDisplay"] == "table-row" and cell["before"] == "none", cell
    assert all(h["width"] > 1 for h in page.locator(table).evaluate(HEADINGS))
    expect(page.locator(f"{table} thead")).to_be_visible()
    if name == "history":  # her own list fits its box whole, "not measured on this trainer" and all
        assert not scrolls_sideways(page, table)
    if name in ("history", "perfect", "clinic-sessions", "audit"):
        page.locator(table).scroll_into_view_if_needed()
        shot(page, f"table-cards-{name}-1280")
    page.close()


@pytest.mark.parametrize(("name", "path", "table"), TABLES, ids=[t[0] for t in TABLES])
def test_a_table_that_fits_a_phone_stays_a_table(
    browser: Browser, data: Data, name: str, path: str, table: str
) -> None:
    page = open_page(browser, data, path, False, PHONE)
    assert fits(page) and not scrolls_sideways(page, table)
    assert page.locator(f"{table} tbody tr").first.evaluate("(tr) => getComputedStyle(tr).display") == "table-row"
    page.close()


def test_the_history_cards_keep_the_size_toggle_and_what_was_not_measured(browser: Browser, data: Data) -> None:
    page = open_page(browser, data, "/history", False, PHONE)
    toggle = page.get_by_role("button", name="Strongest (%); tap to show in the trainer's unit")
    toggle.scroll_into_view_if_needed()
    expect(toggle).to_be_visible()

    def card_of(session: str) -> Locator:
        return page.locator("#history-table tbody tr").filter(has=page.locator(f'a[href="/sessions/{session}"]'))

    card, one_zone = card_of(data.calibrated), card_of(data.one_zone)
    size = card.locator("td.size")
    pct, unit = size.get_attribute("data-pct"), size.get_attribute("data-unit")
    assert pct and re.fullmatch(r"\d+ %(, a new strongest)?", pct), pct
    assert unit and unit.endswith(" raw above rest"), unit
    expect(size).to_have_text(pct)
    assert size.get_attribute("data-label") == "Strongest"
    # A one-zone trainer cannot tell a lift from a push: its card says so in the table's own words.
    expect(one_zone.locator('td[data-label="Lifted correctly"]')).to_have_text("not measured on this trainer")
    one_zone_size = one_zone.locator('td[data-label="Strongest"]')
    expect(one_zone_size).to_have_text(re.compile(r"^\d+\.\d raw above rest$"))  # not calibrated: in its own unit
    before = one_zone_size.inner_text()
    shot(page, "table-cards-history-toggle-375-percent")
    toggle.click()
    expect(size).to_have_text(unit)
    expect(one_zone_size).to_have_text(before)
    expect(page.get_by_role("button", name="Strongest (unit); tap to show as % of your strongest")).to_be_visible()
    assert fits(page) and not scrolls_sideways(page, "#history-table")
    shot(page, "table-cards-history-toggle-375-unit")
    page.get_by_role("button", name="Strongest (unit); tap to show as % of your strongest").click()
    expect(size).to_have_text(pct)
    page.close()
