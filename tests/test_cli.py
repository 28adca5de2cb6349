"""The ``pelvicore`` command line: simulate -> analyze round trips, table and JSON output, one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from pelvicore.cli import app
from pelvicore.recordings import write_recording
from pelvicore.simulation import simulate
from pelvicore.training.routines import get_protocol

BIOSPPY_EMG = Path("/work/shared/data/biosppy_emg_1000hz.txt")
CONTRACTION_KEYS = {"onset_s", "offset_s", "peak", "channel", "technique"}

runner = CliRunner()


def run_cli(*args: str, cwd: Path, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """``python -m pelvicore ARGS`` in a fresh interpreter."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pelvicore", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *phrases: str) -> str:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("pelvicore: error: ")
    for phrase in phrases:
        assert phrase in line, f"{phrase!r} not in {line!r}"
    return line


@pytest.fixture(scope="module")
def weak_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pelvicore simulate --out x.csv --profile weak --protocol quick-check --seed 1``."""
    out = tmp_path_factory.mktemp("sim") / "x.csv"
    args = ["simulate", "--out", str(out), "--profile", "weak", "--protocol", "quick-check", "--seed", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def analyze_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["analyze", *args, "--json"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert isinstance(data, dict)
    return data


# --- simulate ----------------------------------------------------------------------------------------------


def test_simulate_writes_recording_sidecar_and_truth(weak_csv: Path) -> None:
    sidecar = weak_csv.with_name("x.annotations.json")
    truth_path = weak_csv.with_name("x.truth.json")
    assert weak_csv.is_file() and sidecar.is_file() and truth_path.is_file()
    assert weak_csv.read_text().splitlines()[0] == "t_s,floor_cmh2o,abdomen_cmh2o"

    truth = json.loads(truth_path.read_text())
    expected = simulate("weak", "quick-check", seed=1).truth_dict()
    assert truth == json.loads(json.dumps(expected))
    assert truth["profile"] == "weak" and truth["seed"] == 1
    assert len(truth["contractions"]) == 9

    annotations = json.loads(sidecar.read_text())["annotations"]
    texts = [a["text"] for a in annotations]
    assert sum(t.startswith("cue ") for t in texts) == len(get_protocol("quick-check").steps)
    assert sum(t.startswith(("truth lift", "truth push")) for t in texts) == 9


def test_simulate_reports_what_it_wrote(tmp_path: Path) -> None:
    out = tmp_path / "h.csv"
    result = runner.invoke(app, ["simulate", "--out", str(out), "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "50 Hz" in result.stdout and "cmH2O" in result.stdout
    assert f"{len(simulate('healthy', 'quick-check', seed=2).contractions)} contractions" in result.stdout


def test_simulate_same_seed_same_file(tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv"):
        result = runner.invoke(app, ["simulate", "--out", str(tmp_path / name), "--seed", "7"])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


# --- analyze -----------------------------------------------------------------------------------------------


def test_analyze_json_finds_the_true_contractions(weak_csv: Path) -> None:
    data = analyze_json(str(weak_csv))
    assert data["channel"] == "floor" and data["unit"] == "cmH2O" and data["fs_hz"] == 50.0
    contractions = data["contractions"]
    assert isinstance(contractions, list)
    for c in contractions:
        assert CONTRACTION_KEYS <= set(c)
        assert c["channel"] == "floor"
        assert c["technique"] in ("lift", "push", "mixed", "unknown")
        assert c["offset_s"] > c["onset_s"]
        assert c["peak"] > 0
    truth = json.loads(weak_csv.with_name("x.truth.json").read_text())["contractions"]
    assert len(contractions) == len(truth)
    detected = np.array([c["onset_s"] for c in contractions])
    for t in truth:
        assert np.min(np.abs(detected - t["onset_s"])) <= 0.3, t
    summary = data["summary"]
    assert isinstance(summary, dict) and summary["count"] == len(truth)


def test_analyze_channel_option_switches_channel(weak_csv: Path) -> None:
    data = analyze_json(str(weak_csv), "--channel", "abdomen")
    assert data["channel"] == "abdomen" and data["unit"] == "cmH2O"
    assert all(c["channel"] == "abdomen" for c in data["contractions"])  # type: ignore[attr-defined]


def test_analyze_table_has_units_and_columns(weak_csv: Path) -> None:
    result = runner.invoke(app, ["analyze", str(weak_csv)], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "cmH2O" in out
    for column in ("onset", "offset", "peak", "mean", "rise", "hold", "release", "technique"):
        assert column in out, column
    assert re.search(r"9 contractions; resting level [\d.]+ cmH2O; strongest [\d.]+ cmH2O above rest", out)


def test_analyze_table_title_shows_the_unit(weak_csv: Path) -> None:
    """The table title is ``<file> — channel floor [cmH2O], 50 Hz, ...``; the unit must not vanish."""
    result = runner.invoke(app, ["analyze", str(weak_csv)], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert "channel floor [cmH2O]" in result.stdout


@pytest.mark.parametrize("profile", ["weak", "healthy"])
def test_simulate_and_analyze_edf_emg(tmp_path: Path, profile: str) -> None:
    out = tmp_path / "y.edf"
    args = ["simulate", "--out", str(out), "--signals", "emg", "--protocol", "quick-check", "--profile", profile]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.with_name("y.truth.json").is_file()
    data = analyze_json(str(out))
    assert data["channel"] == "emg" and data["unit"] == "uV" and data["fs_hz"] == 2000.0
    truth = json.loads(out.with_name("y.truth.json").read_text())["contractions"]
    contractions = data["contractions"]
    assert isinstance(contractions, list) and len(contractions) == len(truth)
    assert all(c["channel"] == "emg" for c in contractions)


@pytest.mark.skipif(not BIOSPPY_EMG.is_file(), reason="shared BioSPPy EMG file not present")
def test_analyze_real_biosppy_emg(tmp_path: Path) -> None:
    proc = run_cli("analyze", str(BIOSPPY_EMG), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["channel"] == "emg" and data["fs_hz"] == 1000.0
    assert 2 <= len(data["contractions"]) <= 6


# --- bad inputs: one line on stderr, no traceback, non-zero exit ---------------------------------------------


def _edf_bytes(tmp_path: Path) -> bytes:
    rec = simulate("weak", "cough", seed=0, signals="emg", fs_hz=500.0).recording
    path = tmp_path / "valid.edf"
    write_recording(rec, path)
    return path.read_bytes()


BAD_FILES = {
    "empty.csv": lambda _: b"",
    "text.csv": lambda _: b"t_s,floor_cmh2o\n0.00,1\n0.02,abc\n0.04,3\n",
    "nan.csv": lambda _: b"t_s,floor_cmh2o\n0.00,1\n0.02,nan\n0.04,3\n",
    "unsorted.csv": lambda _: b"t_s,floor_cmh2o\n0.00,1\n0.04,2\n0.02,3\n0.06,3\n",
    "duplicate.csv": lambda _: b"t_s,floor_cmh2o\n0.00,1\n0.02,2\n0.02,3\n0.04,3\n",
    "psi.csv": lambda _: b"t_s,floor_psi\n0.00,1\n0.02,2\n0.04,3\n",
    "truncated.edf": lambda tmp: (lambda d: d[: len(d) // 2])(_edf_bytes(tmp)),
    "random.edf": lambda _: np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes(),
    "sheet.xlsx": lambda _: b"PK\x03\x04 not really a spreadsheet",
}
PHRASES = {
    "empty.csv": ["empty"],
    "text.csv": ["line 3", "abc"],
    "nan.csv": ["line 3", "NaN"],
    "unsorted.csv": ["line 4", "not sorted"],
    "duplicate.csv": ["line 4", "duplicate"],
    "psi.csv": ["psi"],
    "truncated.edf": ["truncated"],
    "random.edf": ["EDF"],
    "sheet.xlsx": [".xlsx"],
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_analyze_bad_file_is_one_line_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name](tmp_path))
    proc = run_cli("analyze", str(path), cwd=tmp_path)
    assert proc.stdout == ""
    assert_one_line_error(proc, name, *PHRASES[name])


def test_analyze_missing_file(tmp_path: Path) -> None:
    proc = run_cli("analyze", "missing.csv", cwd=tmp_path)
    assert_one_line_error(proc, "missing.csv", "no such file")


def test_analyze_unknown_channel(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    write_recording(simulate("healthy", "cough", seed=0).recording, path)
    proc = run_cli("analyze", str(path), "--channel", "perineum", cwd=tmp_path)
    line = assert_one_line_error(proc, "'perineum'")
    assert "floor" in line and "abdomen" in line  # the channels there are


def test_simulate_unknown_profile(tmp_path: Path) -> None:
    proc = run_cli("simulate", "--out", "z.csv", "--profile", "athlete", cwd=tmp_path)
    assert_one_line_error(proc, "athlete", "healthy", "bearing-down")
    assert not (tmp_path / "z.csv").exists()


def test_simulate_unsupported_output_extension(tmp_path: Path) -> None:
    proc = run_cli("simulate", "--out", "z.xlsx", cwd=tmp_path)
    assert_one_line_error(proc, "z.xlsx", ".csv", ".edf")


# --- help and live -----------------------------------------------------------------------------------------


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("analyze", "simulate", "live"):
        assert command in result.stdout


def test_help_in_a_subprocess(tmp_path: Path) -> None:
    proc = run_cli("--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for command in ("analyze", "simulate", "live"):
        assert re.search(rf"\b{command}\b", proc.stdout), command


def test_live_runs_to_completion(tmp_path: Path) -> None:
    proc = run_cli("live", "--speed", "0", "--protocol", "quick-check", cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    *_, counts, last = [line for line in proc.stdout.splitlines() if line.strip()]
    match = re.search(r"(\d+) contractions", counts)
    assert match, counts
    assert int(match.group(1)) == len(simulate("healthy", "quick-check", seed=0).contractions)
    # The last line says what happened, then how it went (training/feedback.py).
    assert last.startswith("Session complete. Good lifts:") and "well done" in last, last


def test_live_unknown_protocol_is_one_line_error(tmp_path: Path) -> None:
    proc = run_cli("live", "--speed", "0", "--protocol", "marathon", cwd=tmp_path)
    assert_one_line_error(proc, "marathon", "quick-check")


# --- narrow terminals and bad options ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def glazer_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 340 s Glazer session: onsets past 100 s, the widest numbers a table shows."""
    out = tmp_path_factory.mktemp("glazer") / "g.csv"
    result = runner.invoke(app, ["simulate", "--out", str(out), "--protocol", "glazer", "--seed", "2"])
    assert result.exit_code == 0, result.output
    return out


def test_analyze_at_80_columns_shows_every_onset_in_full(glazer_csv: Path) -> None:
    onsets = [f"{c['onset_s']:.2f}" for c in analyze_json(str(glazer_csv))["contractions"]]  # type: ignore[union-attr]
    assert any(float(o) >= 100 for o in onsets)
    result = runner.invoke(app, ["analyze", str(glazer_csv)], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.stdout
    rows = [line for line in lines if re.match(r"^│\s*\d+ │", line)]
    assert [row.split("│")[2].strip() for row in rows] == onsets
    assert "every column: --wide" in result.stdout


def test_analyze_wide_shows_every_column_however_narrow(glazer_csv: Path) -> None:
    result = runner.invoke(app, ["analyze", str(glazer_csv), "--wide"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    for column in ("mean", "rise", "release", "resid.", "decline"):
        assert column in result.stdout, column
    assert "…" not in result.stdout


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--fs", "-5"], "1-1000 Hz"),
        (["--fs", "0"], "1-1000 Hz"),
        (["--fs", "1e9"], "1-1000 Hz"),
        (["--fs", "nan"], "1-1000 Hz"),
        (["--signals", "emg", "--fs", "100"], "500-10000 Hz"),
        (["--seed", "-1"], "seed must be"),
        (["--fs", "fast"], "--fs"),
        (["--no-such-option"], "--no-such-option"),
    ],
)
def test_simulate_bad_option_exits_2_with_one_line(tmp_path: Path, args: list[str], phrase: str) -> None:
    proc = run_cli("simulate", "--out", str(tmp_path / "x.csv"), *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert_one_line_error(proc, phrase)
    assert proc.stdout == ""
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("args", "phrase"), [(["live", "--speed", "-2"], "--speed"), (["serve", "--port", "0"], "--port")]
)
def test_other_bad_options_are_one_line(tmp_path: Path, args: list[str], phrase: str) -> None:
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert_one_line_error(proc, phrase)
