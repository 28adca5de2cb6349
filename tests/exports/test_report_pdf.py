"""The PDF reports: what a physical therapist reads on them (pdftotext), that every page renders (pdftoppm), and
their ways in: ``GET /api/sessions/{id}/report.pdf`` and ``pelvicore report``."""

from __future__ import annotations

import math
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from signed_in import BASE_URL, LocalClient, bearer, user_token
from stored_sessions import store_simulated
from typer.testing import CliRunner

from pelvicore.analysis import analyze_recording
from pelvicore.care.diary import DiaryEntry
from pelvicore.care.records import CareRecords
from pelvicore.cli import app as cli_app
from pelvicore.exports.report_pdf import ReportError, period_report_pdf, session_report_pdf
from pelvicore.recordings.model import Recording
from pelvicore.simulation import simulate
from pelvicore.store import SessionStore, make_engine, migrate
from pelvicore.store.care import CareStore
from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings

TODAY = date(2025, 3, 31)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


@pytest.fixture
def store(url: str) -> Iterator[SessionStore]:
    engine = make_engine(url)
    migrate(engine)
    yield SessionStore(engine)
    engine.dispose()


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pages_of(pdf: bytes, tmp_path: Path) -> list[Path]:
    """Every page as a PNG at 60 dpi: A4 is about 496 x 702 pixels."""
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "page")], check=True, timeout=60)
    return sorted(tmp_path.glob("page*.png"))


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def store_single_zone(store: SessionStore, user: int, *, strongest: float | None = None) -> str:
    """A quick check on a trainer with one pressure zone (no abdominal channel), calibrated in cmH2O
    (``strongest``: her strongest squeeze above rest, stored with the trainer's calibration)."""
    full = simulate("healthy", "quick-check", seed=3).recording
    rec = Recording(full.fs_hz, {"floor": full.signals["floor"]}, {"floor": "cmH2O"}, full.annotations)
    analysis = analyze_recording(rec)
    session_id = store.create_session(
        user, source="device", profile="perifit", routine="quick-check", speed=1.0, fs_hz=rec.fs_hz, units=rec.units
    )
    store.append_chunk(session_id, 0, rec.signals)
    contractions = [c.to_dict() for c in analysis.contractions]
    store.append_events(session_id, [{"kind": "contraction", "t_s": c["onset_s"], **c} for c in contractions])
    peaks = [float(c["peak"]) for c in contractions]  # type: ignore[arg-type]
    summary = {"count": len(contractions), "unit": "cmH2O", "max_peak": max(peaks), "longest_hold_s": 5.0}
    if strongest is not None:
        summary |= {"mvc": strongest, "mvc_unit": "cmH2O"}
    store.finish(session_id, "completed", summary)
    return session_id


def test_a_perfect_session_reads_with_units_classes_and_sources(store: SessionStore, tmp_path: Path) -> None:
    user = store.ensure_user()
    session_id = store_simulated(store, user, "perfect", profile="healthy", seed=1)
    pdf = session_report_pdf(store, session_id, owner=user, patient_label="Ann Example")
    assert pdf.startswith(b"%PDF")
    pages = pages_of(pdf, tmp_path)
    assert 1 <= len(pages) <= 6
    for page in pages:
        width, height = png_size(page)
        assert 480 <= width <= 510 and 690 <= height <= 720, (page, width, height)  # A4 portrait at 60 dpi
    text = text_of(pdf, tmp_path)
    assert "Ann Example" in text
    assert "completed" in text
    assert "cmH2O" in text and " s " in text
    assert "Onset" in text and "Peak" in text and "Hold" in text
    assert "lift" in text
    assert text.count("Training feedback, not a diagnosis.") >= len(pages)
    assert f"page 1 of {len(pages)}" in text
    assert "PERFECT" in text
    assert "(Angelo 2017)" in text
    assert any(k in text for k in ("very weak", "weak", "moderate", "good", "strong"))
    assert "Laycock & Jerwood 2001" in text
    assert "Sources" in text


def test_a_raw_session_says_raw_and_never_cmh2o(store: SessionStore, tmp_path: Path) -> None:
    user = store.ensure_user()
    session_id = store_simulated(store, user, "quick-check", unit="raw", seed=2)
    text = text_of(session_report_pdf(store, session_id, owner=user), tmp_path)
    assert "not calibrated: raw" in text
    assert "raw units" in text
    assert "cmH2O" not in text


def test_a_single_zone_trainer_does_not_measure_technique(store: SessionStore, tmp_path: Path) -> None:
    user = store.ensure_user()
    session_id = store_single_zone(store, user)
    text = text_of(session_report_pdf(store, session_id, owner=user), tmp_path)
    assert "not measured" in text
    assert " lift " not in text and " push " not in text
    assert "perifit" in text


def test_no_report_of_anothers_session_nor_of_a_running_one(store: SessionStore) -> None:
    her, other = store.ensure_user(), store.ensure_user("other")
    session_id = store_simulated(store, her, "quick-check")
    with pytest.raises(ReportError, match="no session"):
        session_report_pdf(store, session_id, owner=other)
    running = store.create_session(
        her,
        source="simulator",
        profile="healthy",
        routine="quick-check",
        speed=1.0,
        fs_hz=50.0,
        units={"floor": "cmH2O"},
    )
    with pytest.raises(ReportError, match="still running"):
        session_report_pdf(store, running, owner=her)


def test_the_route_gives_her_the_pdf_and_nobody_else(url: str, store: SessionStore) -> None:
    her_token = user_token(url)
    other_token = user_token(url, "other@example.org")
    session_id = store_simulated(store, store.ensure_user(), "quick-check")
    with LocalClient(create_app(Settings(database_url=url, ble="none")), base_url=BASE_URL) as client:
        response = client.get(f"/api/sessions/{session_id}/report.pdf", headers=bearer(her_token))
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == f'attachment; filename="pelvicore-session-{session_id}.pdf"'
        assert response.content.startswith(b"%PDF")
        assert client.get(f"/api/sessions/{session_id}/report.pdf", headers=bearer(other_token)).status_code == 404
        page = client.get(f"/sessions/{session_id}", headers=bearer(her_token))
        assert f'href="/api/sessions/{session_id}/report.pdf" download' in page.text


def test_the_cli_writes_the_report_and_refuses_an_unknown_session(
    url: str, store: SessionStore, tmp_path: Path
) -> None:
    user_token(url)  # the local owner's account
    session_id = store_simulated(store, store.ensure_user(), "quick-check")
    out = tmp_path / "session.pdf"
    runner = CliRunner()
    result = runner.invoke(cli_app, ["report", session_id, "--out", str(out), "--database-url", url])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    result = runner.invoke(cli_app, ["report", "nope", "--out", str(tmp_path / "x.pdf"), "--database-url", url])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pelvicore: error: no session 'nope'")
    assert not (tmp_path / "x.pdf").exists()


def _her_period(store: SessionStore) -> int:
    user = store.ensure_user()
    start = datetime(2025, 1, 20, 9, tzinfo=UTC)
    for i, routine in enumerate(("perfect", "daily", "daily", "perfect")):
        at = start + timedelta(days=14 * i)
        store_simulated(store, user, routine, seed=i, engine=store.engine, created_at=at)
    care = CareRecords(CareStore(store.engine))
    for k in range(6):
        care.add_entry(user, DiaryEntry(TODAY - timedelta(days=40 - 5 * k), pain=5, leaking_episodes=1))
    # A new warning sign ticked in the diary is a red flag (NICE CKS: cauda equina syndrome).
    care.add_entry(user, DiaryEntry(TODAY - timedelta(days=3), pain=6, signs=("saddle_numbness",)))
    return user


def test_the_period_report_shows_care_only_when_its_scope_allows(store: SessionStore, tmp_path: Path) -> None:
    user = _her_period(store)
    both = period_report_pdf(store, user_id=user, today=TODAY, patient_label="Ann Example", days=90)
    assert both.startswith(b"%PDF")
    assert pages_of(both, tmp_path)
    text = " ".join(text_of(both, tmp_path).split())  # table cells wrap
    for phrase in ("Ann Example", "Training adherence", "4 of 90 days", "Strongest squeeze", "cmH2O", "PERFECT"):
        assert phrase in text, phrase
    assert "moderate (Angelo" in text or "good (Angelo" in text  # PERFECT's power class, with its source
    assert "Angelo et al. 2017" in text and "Laycock & Jerwood 2001" in text
    assert "Symptom diary" in text and "NPRS" in text
    assert "Red flags" in text and "emergency" in text
    assert "cauda equina" in text.lower()
    assert "Training feedback, not a diagnosis." in text

    training = text_of(
        period_report_pdf(store, user_id=user, today=TODAY, patient_label="Ann Example", scope=frozenset({"training"})),
        tmp_path,
    )
    assert "Training adherence" in training
    assert "Symptom diary" not in training and "Red flags" not in training and "NPRS" not in training
    care = text_of(
        period_report_pdf(store, user_id=user, today=TODAY, patient_label="Ann Example", scope=frozenset({"care"})),
        tmp_path,
    )
    assert "Red flags" in care
    assert "Training adherence" not in care and "PERFECT" not in care


def test_the_period_report_refuses_a_bad_period_or_scope(store: SessionStore) -> None:
    user = store.ensure_user()
    with pytest.raises(ReportError, match="days"):
        period_report_pdf(store, user_id=user, today=TODAY, patient_label="x", days=0)
    with pytest.raises(ReportError, match="scope"):
        period_report_pdf(store, user_id=user, today=TODAY, patient_label="x", scope=frozenset({"messages"}))


def test_a_calibrated_trainers_peaks_also_read_as_percent_of_her_strongest(store: SessionStore, tmp_path: Path) -> None:
    user = store.ensure_user()
    plain = store_single_zone(store, user)
    assert "% of the strongest" not in text_of(session_report_pdf(store, plain, owner=user), tmp_path)
    # A session on a trainer calibrated at 40 cmH2O above rest stores that strongest in its summary.
    session_id = store_single_zone(store, user, strongest=40.0)
    record = store.get(session_id, owner=user)
    assert record is not None
    text = " ".join(text_of(session_report_pdf(store, session_id, owner=user), tmp_path).split())
    assert "as % of the strongest squeeze stored for this trainer when the session began, 40.0 cmH2O above rest" in text
    for c in record.contractions:
        peak = float(c["peak"])
        assert f"{peak:.1f} cmH2O ({math.floor(100 * peak / 40.0 + 0.5)} %" in text
