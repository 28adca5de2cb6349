"""``pelvicore devices scan`` and ``pelvicore record`` end to end, on virtual trainers over Bumble."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pelvicore.recordings import read_recording


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pelvicore", *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=env
    )


def test_scan_lists_trainers_with_kind_signal_and_battery(tmp_path: Path) -> None:
    out = cli("devices", "scan", "--transport", "virtual", "--seconds", "0.5", "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    rows = {r["profile"]: r for r in map(json.loads, out.stdout.splitlines())}
    assert set(rows) == {"perifit", "kgoal", "kgoal-boost", "elvie", "magic-motion", "femfit", "open"}
    assert rows["perifit"]["name"] == "Perifit_o)" and rows["perifit"]["rssi"] == -50
    assert rows["kgoal-boost"]["battery"] == 76 and rows["elvie"]["battery"] is None
    table = cli("devices", "scan", "--transport", "virtual", "--seconds", "0.5", "--no-battery", cwd=tmp_path)
    assert "Perifit_o)" in table.stdout and "C0:FF:EE:00:00:01" in table.stdout and "signal (dBm)" in table.stdout


def test_record_a_virtual_perifit_to_edf_then_analyse_it(tmp_path: Path) -> None:
    out = cli(
        "record", "--transport", "virtual", "--device", "C0:FF:EE:00:00:01", "--seconds", "3",
        "--out", "perifit.edf", cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Connected to the Perifit" in out.stderr and "wrote perifit.edf" in out.stdout
    rec = read_recording(tmp_path / "perifit.edf")
    assert rec.fs_hz == 50.0 and rec.units == {"floor": "raw", "abdomen": "raw"}
    assert 2.5 <= rec.duration_s <= 4.5


def test_record_the_simulator_and_replay_a_file(tmp_path: Path) -> None:
    assert cli("record", "--device", "sim", "--out", "sim.csv", cwd=tmp_path).returncode == 0
    out = cli("record", "--device", "sim.csv", "--out", "copy.edf", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert read_recording(tmp_path / "copy.edf").n_samples == read_recording(tmp_path / "sim.csv").n_samples


def test_record_errors_are_one_clear_line(tmp_path: Path) -> None:
    nobody = cli(
        "record", "--transport", "virtual", "--device", "C0:FF:EE:00:00:99", "--seconds", "1", "--out", "x.csv",
        cwd=tmp_path,
    )  # fmt: skip
    assert nobody.returncode == 2
    assert nobody.stderr.strip().splitlines()[-1] == (
        "pelvicore: error: no device C0:FF:EE:00:00:99 heard in 3 s: is it switched on and in range?"
    )
    bad = cli("record", "--device", "sim", "--out", "x.wav", cwd=tmp_path)
    assert bad.returncode == 2 and "choose a .csv or .edf" in bad.stderr
    assert not (tmp_path / "x.csv").exists()
