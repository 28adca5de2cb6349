"""EDF+ and CSV exports of a stored session: what MNE-Python and pelvicore's own readers find in them, that the
analysis finds the session's contractions again, how sensor gaps come out, and the errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import mne
import numpy as np
import pyedflib
import pytest
from numpy.testing import assert_allclose
from stored_sessions import store_simulated
from typer.testing import CliRunner

from pelvicore.analysis import analyze_recording
from pelvicore.cli import app as cli_app
from pelvicore.errors import PelvicoreError
from pelvicore.exports.errors import ExportError
from pelvicore.exports.signals import (
    EVENT_COLUMNS,
    SessionEvent,
    events_path,
    session_csv,
    session_edf,
    session_recording,
    write_session_csv,
    write_session_edf,
)
from pelvicore.recordings import Recording, read_recording
from pelvicore.recordings.edf import MAX_ANNOTATION_BYTES
from pelvicore.simulation import simulate
from pelvicore.store import SessionStore, make_engine, migrate
from pelvicore.training.routines import get_protocol

ROUTINE = "quick-check"
#: (signals, unit) of the sessions every format is checked on: a two-zone pressure trainer, surface EMG, and an
#: uncalibrated trainer reporting its own counts.
KINDS = [("pressure", None), ("emg", None), ("pressure", "raw")]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SessionStore]:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate(engine)
    yield SessionStore(engine)
    engine.dispose()


@pytest.fixture
def user(store: SessionStore) -> int:
    return store.ensure_user("ada")


def store_session(
    store: SessionStore,
    user: int,
    *,
    signals: str = "pressure",
    unit: str | None = None,
    lost_s: tuple[float, float] | None = None,
    nan_s: tuple[float, float] | None = None,
) -> str:
    """A simulated session stored as a finished live session leaves it: samples, a cue per step, contractions.

    ``lost_s`` (start, stop), s: samples never received (the second chunk starts later); ``nan_s``: samples stored
    as NaN. Both should fall in a rest, so that the contractions stay the same.
    """
    rec = simulate("healthy", ROUTINE, seed=0, signals=signals).recording  # type: ignore[arg-type]
    contractions = analyze_recording(rec).contractions
    units = {name: unit or u for name, u in rec.units.items()}
    session_id = store.create_session(
        user, source="simulator", profile="healthy", routine=ROUTINE, speed=1.0, fs_hz=rec.fs_hz, units=units, seed=0
    )
    samples = {name: x.copy() for name, x in rec.signals.items()}
    if nan_s is not None:
        for x in samples.values():
            x[round(nan_s[0] * rec.fs_hz) : round(nan_s[1] * rec.fs_hz)] = np.nan
    cut = (
        (rec.n_samples, rec.n_samples)
        if lost_s is None
        else (round(lost_s[0] * rec.fs_hz), round(lost_s[1] * rec.fs_hz))
    )
    store.append_chunk(session_id, 0, {name: x[: cut[0]] for name, x in samples.items()})
    store.append_chunk(session_id, cut[1], {name: x[cut[1] :] for name, x in samples.items()})
    cues = [
        {"kind": "cue", "t_s": t_s, "action": step.action, "text": step.instruction, "step": step.kind,
         "duration_s": step.duration_s}
        for t_s, step in get_protocol(ROUTINE).cue_times()
    ]  # fmt: skip
    found = [{"kind": "contraction", "t_s": c.onset_s, "type": "contraction"} | c.to_dict() for c in contractions]
    warning = {"kind": "warning", "t_s": 1.0, "warning": "push", "text": "You pushed down — lift and squeeze instead."}
    store.append_events(session_id, sorted([*cues, *found, warning], key=lambda e: float(e["t_s"])))
    store.finish(session_id, "completed", {"count": len(found), "unit": contractions[0].unit})
    return session_id


def stored_onsets(store: SessionStore, session_id: str, user: int) -> list[float]:
    record = store.get(session_id, owner=user)
    assert record is not None
    return [c["onset_s"] for c in record.contractions]


def quantum(path: Path) -> dict[str, float]:
    """One EDF quantisation step of each channel, in its unit: physical range / 65535."""
    reader = pyedflib.EdfReader(str(path))
    try:
        return {
            reader.getLabel(i): (reader.getPhysicalMaximum(i) - reader.getPhysicalMinimum(i)) / 65535
            for i in range(reader.signals_in_file)
        }
    finally:
        reader.close()


def read_mne(path: Path) -> mne.io.BaseRaw:
    # No warning is expected: MNE takes our labels as EEG channel names and leaves units it does not know
    # (cmH2O, raw) as "n/a", silently; pytest's filterwarnings=error would fail the test on any.
    return mne.io.read_raw_edf(path, preload=True, verbose=False)


@pytest.mark.parametrize(("signals", "unit"), KINDS)
def test_edf_opens_in_mne_with_channels_rate_and_one_annotation_per_contraction(
    store: SessionStore, user: int, tmp_path: Path, signals: str, unit: str | None
) -> None:
    session_id = store_session(store, user, signals=signals, unit=unit)
    record = store.get(session_id, owner=user)
    assert record is not None
    path = tmp_path / "session.edf"
    path.write_bytes(session_edf(store, session_id, owner=user))

    raw = read_mne(path)

    assert raw.ch_names == list(record.units)
    assert raw.info["sfreq"] == record.fs_hz
    found = [a for a in raw.annotations if a["description"].startswith("contraction")]
    assert len(found) == record.contraction_count > 0
    assert_allclose([a["onset"] for a in found], stored_onsets(store, session_id, user), atol=1e-3)
    for a, c in zip(found, record.contractions, strict=True):
        assert_allclose(a["duration"], c["offset_s"] - c["onset_s"], atol=1e-3)
    cues = [a for a in raw.annotations if a["description"].startswith("cue: ")]
    assert [a["onset"] for a in cues] == [t for t, _ in get_protocol(ROUTINE).cue_times()]
    assert cues[1]["description"].startswith("cue: squeeze — Squeeze and lift")
    assert all(len(a["description"].encode()) <= MAX_ANNOTATION_BYTES for a in raw.annotations)
    assert not [a for a in raw.annotations if a["description"] == "sensor gap"]
    if signals == "pressure" and unit is None:  # a two-zone trainer tells lifting from pushing
        assert all(a["description"].startswith("contraction lift ") for a in found)
        assert found[0]["description"].endswith(" cmH2O hold " + found[0]["description"].split(" hold ")[1])


@pytest.mark.parametrize(("signals", "unit"), KINDS)
def test_edf_reads_back_with_the_same_units_samples_and_contractions(
    store: SessionStore, user: int, tmp_path: Path, signals: str, unit: str | None
) -> None:
    session_id = store_session(store, user, signals=signals, unit=unit)
    recording, events = session_recording(store, session_id, owner=user)
    path = write_session_edf(store, session_id, owner=user, path=tmp_path / "session.edf")

    back = read_recording(path)

    expected_units = {"pressure": {"floor": "cmH2O", "abdomen": "cmH2O"}, "emg": {"emg": "uV"}}[signals]
    assert back.units == {name: unit or u for name, u in expected_units.items()} == recording.units
    assert back.fs_hz == recording.fs_hz
    assert back.n_samples == recording.n_samples
    _, stored, _ = store.load_trace(session_id, owner=user)
    steps = quantum(path)
    for name, x in stored.items():
        assert_allclose(back.signals[name], x, rtol=0, atol=steps[name])
    assert [a.text for a in back.annotations] == [e.edf_text for e in events]
    assert len(analyze_recording(back).contractions) == len(stored_onsets(store, session_id, user))


def test_a_sensor_gap_is_held_at_the_last_value_and_annotated(store: SessionStore, user: int, tmp_path: Path) -> None:
    # Samples of 31-33 s never arrived, those of 61-62 s arrived as NaN: both in rests of the quick check.
    session_id = store_session(store, user, lost_s=(31.0, 33.0), nan_s=(61.0, 62.0))
    path = write_session_edf(store, session_id, owner=user, path=tmp_path / "gap.edf")

    back = read_recording(path)
    assert back.duration_s == 66.0  # the whole session, the gaps included
    gaps = [(a.onset_s, a.duration_s) for a in back.annotations if a.text == "sensor gap"]
    assert_allclose(gaps, [(31.0, 2.0), (61.0, 1.0)], atol=1e-4)
    step = quantum(path)["floor"]
    floor = back.signals["floor"]
    assert_allclose(floor[1550:1650], floor[1549], atol=step / 2)  # held, not interpolated
    assert_allclose(floor[3050:3100], floor[3049], atol=step / 2)
    assert len(analyze_recording(back).contractions) == len(stored_onsets(store, session_id, user))

    raw = read_mne(path)
    assert raw.n_times == 3300
    assert [(a["onset"], a["duration"]) for a in raw.annotations if a["description"] == "sensor gap"] == gaps

    # The CSV leaves the lost rows out; pelvicore's reader fills them the same way, so both give one signal.
    csv_path, events_file = write_session_csv(store, session_id, owner=user, path=tmp_path / "gap.csv")
    from_csv = read_recording(csv_path)
    assert csv_path.read_text().count("\n") == 1 + 3300 - 100 - 50
    assert_allclose(from_csv.signals["floor"], floor, atol=step)
    rows = list(csv.DictReader(io.StringIO(events_file.read_text(encoding="utf-8"))))
    assert [(float(r["onset_s"]), float(r["duration_s"])) for r in rows if r["kind"] == "sensor gap"] == gaps


def test_csv_and_events_sidecar_round_trip_through_pelvicore_analyze(
    store: SessionStore, user: int, tmp_path: Path
) -> None:
    session_id = store_session(store, user)
    record = store.get(session_id, owner=user)
    assert record is not None
    out = tmp_path / "session.csv"

    paths = write_session_csv(store, session_id, owner=user, path=out)

    assert paths == [out, tmp_path / "session.events.csv"] == [out, events_path(out)]
    trace, events = session_csv(store, session_id, owner=user)
    assert [p.read_text(encoding="utf-8") for p in paths] == [trace, events]
    assert trace.startswith("t_s,floor_cmh2o,abdomen_cmh2o\n0.000000,")
    result = CliRunner().invoke(cli_app, ["analyze", str(out), "--json"])
    assert result.exit_code == 0, result.output
    analysis = json.loads(result.stdout)
    assert_allclose([c["onset_s"] for c in analysis["contractions"]], stored_onsets(store, session_id, user), atol=0.05)

    rows = list(csv.DictReader(io.StringIO(events)))
    assert tuple(rows[0]) == EVENT_COLUMNS
    kinds = [r["kind"] for r in rows]
    assert kinds.count("contraction") == record.contraction_count
    assert kinds.count("cue") == len(get_protocol(ROUTINE).steps)
    assert [r["text"] for r in rows if r["kind"] == "warning"] == [
        "warning: You pushed down — lift and squeeze instead."
    ]
    contraction = next(r for r in rows if r["kind"] == "contraction")
    c = record.contractions[0]
    assert contraction["text"] == f"contraction lift {c['peak']:.1f} cmH2O hold {c['hold_s']:.1f} s"
    assert float(contraction["onset_s"]) == pytest.approx(c["onset_s"], abs=1e-6)
    assert float(contraction["duration_s"]) == pytest.approx(c["offset_s"] - c["onset_s"], abs=1e-6)
    cue = next(r for r in rows if r["kind"] == "cue" and r["text"].startswith("cue: squeeze"))
    assert cue["text"] == "cue: squeeze — Squeeze and lift, hold for 5 s"  # whole in the CSV
    assert [float(r["onset_s"]) for r in rows] == sorted(float(r["onset_s"]) for r in rows)


def test_a_session_stored_by_the_web_helper_exports_too(store: SessionStore, user: int) -> None:
    """Sessions without cues (as ``store_simulated`` leaves them) export their contractions alone."""
    session_id = store_simulated(store, user, ROUTINE, signals="both")
    recording, events = session_recording(store, session_id, owner=user)
    assert isinstance(recording, Recording)
    assert recording.channel_names == ["floor", "abdomen", "emg"]
    assert {e.kind for e in events} == {"contraction"}
    assert recording.meta["start_datetime"][:4].isdigit()


def test_edf_text_is_cut_to_40_bytes_on_a_character_boundary() -> None:
    long = SessionEvent(0.0, 1.0, "cue", "cue: squeeze — Squeeze and lift, hold for 10 s, then let go slowly")
    text = long.edf_text
    assert len(text.encode("utf-8")) <= MAX_ANNOTATION_BYTES
    assert text.startswith("cue: squeeze — Squeeze and lift") and text.endswith("…")
    assert SessionEvent(0.0, 0.0, "problem", "problem:\tline\nbreak").edf_text == "problem: line break"
    assert SessionEvent(0.0, 0.0, "sensor gap", "sensor gap").edf_text == "sensor gap"


def test_missing_running_and_empty_sessions_are_export_errors(store: SessionStore, user: int, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"^no session 'nope'$"):
        session_edf(store, "nope", owner=user)
    finished = store_simulated(store, user, ROUTINE)
    someone = store.ensure_user("eve")
    with pytest.raises(ExportError, match=f"^no session '{finished}'$"):  # hers is unknown to anyone else
        session_csv(store, finished, owner=someone)

    running = store.create_session(
        user, source="simulator", profile="healthy", routine=ROUTINE, speed=1.0, fs_hz=50.0, units={"floor": "cmH2O"}
    )
    with pytest.raises(ExportError, match="is still running: it can be exported when it ends"):
        write_session_edf(store, running, owner=user, path=tmp_path / "running.edf")
    assert not (tmp_path / "running.edf").exists()

    store.finish(running, "stopped", None)
    with pytest.raises(ExportError, match=r"has 0 recorded sample\(s\): nothing to export") as caught:
        write_session_csv(store, running, owner=user, path=tmp_path / "empty.csv")
    assert isinstance(caught.value, PelvicoreError)
    assert not list(tmp_path.glob("empty*"))
