"""``pelvicore assess``: JSON exactly the assessment's dict, tables with units and sources, one-line errors."""

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

from pelvicore.assess.cough import assess_cough
from pelvicore.assess.glazer import assess_glazer
from pelvicore.cli import app
from pelvicore.recordings import read_recording, write_recording
from pelvicore.recordings.model import Recording
from pelvicore.simulation import simulate

runner = CliRunner()
WIDE = {"COLUMNS": "220", "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("assess")
    made = {
        "glazer": (simulate("healthy", "glazer", seed=2, signals="both", fs_hz=1000.0).recording, "glazer.edf"),
        "perfect": (simulate("weak", "perfect", seed=2).recording, "perfect.csv"),
        "cough": (simulate("healthy", "cough", seed=2).recording, "cough.csv"),
        "relaxation": (simulate("hypertonic", "quick-check", seed=2).recording, "tight.csv"),
        "pressure-glazer": (simulate("healthy", "glazer", seed=2).recording, "pglazer.csv"),
    }
    out = {}
    for name, (rec, filename) in made.items():
        write_recording(rec, folder / filename)
        out[name] = folder / filename
    return out


def assess_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["assess", *args, "--json"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert isinstance(data, dict)
    return data


def test_glazer_json_is_the_assessment(files: dict[str, Path]) -> None:
    data = assess_json(str(files["glazer"]), "--protocol", "glazer")
    expected = assess_glazer(read_recording(files["glazer"])).to_dict()
    assert data == json.loads(json.dumps(expected))
    assert set(data) == {"protocol", "phases", "normalised", "norms", "units", "sources"}


def test_glazer_pressure_variant_by_channel(files: dict[str, Path]) -> None:
    data = assess_json(str(files["glazer"]), "--protocol", "glazer", "--channel", "floor")
    assert data["units"]["amplitude"] == "cmH2O" and data["norms"] == {}  # type: ignore[index]


@pytest.mark.parametrize("protocol", ["perfect", "cough", "relaxation"])
def test_pressure_assessments_json(files: dict[str, Path], protocol: str) -> None:
    data = assess_json(str(files[protocol]), "--protocol", protocol)
    assert data["protocol"] == protocol and data["sources"]
    if protocol == "perfect":
        assert data["power_class"] == "very weak"
    elif protocol == "cough":
        assert data["knack_pct"] == 100.0
        assert data == json.loads(json.dumps(assess_cough(read_recording(files["cough"])).to_dict()))
    else:
        assert data["over_tight"] is True


def table(*args: str) -> str:
    result = runner.invoke(app, ["assess", *args], env=WIDE)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_glazer_table(files: dict[str, Path]) -> None:
    out = table(str(files["glazer"]), "--protocol", "glazer")
    for phrase in ("pre-baseline rest", "5 quick flicks", "5 tonic holds", "endurance hold", "post-baseline rest"):
        assert phrase in out
    row = next(line for line in out.splitlines() if "tonic holds" in line)
    numbers = re.findall(r"\d+\.\d+(?: ± [\d.]+)? ?(µV|s|%)?", row)
    assert numbers and all(unit for unit in numbers), row  # every number carries its unit
    assert "Hz/s" in out and "Oleksy et al. 2021" in out and "Oleksy et al. 2020" in out and "Sources:" in out


def test_perfect_table(files: dict[str, Path]) -> None:
    out = table(str(files["perfect"]), "--protocol", "perfect")
    assert re.search(r"[\d.]+ cmH2O — very weak \(Angelo 2017\)", out)
    assert "5 holds" in out and "10 contractions" in out
    assert "every contraction timed" in out and "Laycock & Jerwood 2001" in out


def test_cough_and_relaxation_tables(files: dict[str, Path]) -> None:
    out = table(str(files["cough"]), "--protocol", "cough")
    assert "The Knack in 3 of 3 coughs (100 %)" in out and "Miller et al. 1998" in out
    out = table(str(files["relaxation"]), "--protocol", "relaxation")
    assert "physiotherapist can check" in out and "Glazer 1995" in out


def error_line(*args: str) -> str:
    result = runner.invoke(app, ["assess", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pelvicore: error: ")
    return lines[0]


def test_glazer_on_a_pressure_only_file(files: dict[str, Path]) -> None:
    line = error_line(str(files["pressure-glazer"]), "--protocol", "glazer")
    assert str(files["pressure-glazer"]) in line and "surface-EMG" in line and "--channel" in line


def test_file_shorter_than_the_protocol(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    write_recording(Recording(1000.0, {"emg": np.random.default_rng(0).normal(0, 3, 100_000)}, {"emg": "uV"}), path)
    line = error_line(str(path), "--protocol", "glazer")
    assert "short.csv" in line and "lasts 100.0 s, shorter than the 340 s" in line


@pytest.mark.parametrize("protocol", ["perfect", "cough"])
def test_pressure_assessment_on_emg(files: dict[str, Path], protocol: str) -> None:
    line = error_line(str(files["glazer"]), "--protocol", protocol, "--channel", "emg")
    assert "calibrated pressure" in line


def test_unknown_channel_and_missing_file(files: dict[str, Path], tmp_path: Path) -> None:
    assert "'perineum'" in error_line(str(files["cough"]), "--protocol", "cough", "--channel", "perineum")
    assert "no such file" in error_line(str(tmp_path / "gone.edf"), "--protocol", "glazer")


def test_unknown_protocol_is_refused(files: dict[str, Path]) -> None:
    result = runner.invoke(app, ["assess", str(files["cough"]), "--protocol", "marathon"])
    assert result.exit_code == 2 and "marathon" in result.output


def test_in_a_fresh_interpreter(files: dict[str, Path], tmp_path: Path) -> None:
    env = {**os.environ, **WIDE}
    args = [sys.executable, "-m", "pelvicore", "assess", str(files["cough"]), "--protocol", "cough", "--json"]
    proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["knack_pct"] == 100.0
    bad = tmp_path / "bad.csv"
    bad.write_text("t_s,floor_cmh2o\n0.00,1\n0.02,abc\n")
    args = [sys.executable, "-m", "pelvicore", "assess", str(bad), "--protocol", "perfect"]
    proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False)
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("pelvicore: error: ") and "bad.csv" in line and "abc" in line
