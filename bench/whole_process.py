"""Whole-process benchmark: analyse an EDF+ file from a fresh Python process, as a user would.

Writes a 340 s, 2 kHz surface-EMG recording (pelvicore's ``emg_bursts``, seed 0, channel ``emg`` in uV) to
EDF+ in a temporary directory, then times three commands, each in a new interpreter from this venv:

1. ``pelvicore analyze FILE --json`` (the console script, else ``python -m pelvicore``);
2. a script that reads the EDF with pyedflib and runs ``neurokit2.emg_process``;
3. a script that reads the EDF with pyedflib and runs a bare SciPy band-pass, envelope and threshold pass.

Each time is wall clock around ``subprocess.run`` (interpreter start, imports, file reading, analysis,
output), best of ``--repeats``. Every command's onsets are also scored against the known burst onsets.

Run from the repository root::

    .venv/bin/python bench/whole_process.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

try:
    import pelvicore
except ImportError:  # running from a checkout without an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import pelvicore

from fingerprint import finish_report, loaded_sources, source_fingerprint
from pelvicore.devices.simulator.bursts import emg_bursts
from pelvicore.signal.scoring import score_onsets

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

DURATION_S = 340.0
FS_HZ = 2000.0
TARGET_NK_OVER_PELVICORE = 30.0
TARGET_PELVICORE_OVER_SCIPY = 2.0

READ_EDF = """\
import json
import sys

import numpy as np
import pyedflib

reader = pyedflib.EdfReader(sys.argv[1])
try:
    channel = reader.getSignalLabels().index("emg")
    fs = reader.getSampleFrequency(channel)
    x = reader.readSignal(channel)
finally:
    reader.close()
"""

NEUROKIT_SCRIPT = (
    READ_EDF
    + """
import neurokit2 as nk

signals, _ = nk.emg_process(x, sampling_rate=int(fs))
onsets = np.flatnonzero(signals["EMG_Onsets"].to_numpy() == 1) / fs
print(json.dumps({"onsets_s": onsets.tolist()}))
"""
)

SCIPY_SCRIPT = (
    READ_EDF
    + """
from scipy import signal as sps

band = sps.butter(4, [20.0, 450.0], btype="bandpass", fs=fs, output="sos")
smooth = sps.butter(4, 6.0, fs=fs, output="sos")
env = sps.sosfiltfilt(smooth, np.abs(sps.sosfiltfilt(band, x)))
w = int(fs)
windows = env[: env.size // w * w].reshape(-1, w)
quiet = windows[np.argsort(windows.mean(axis=1))[: max(1, len(windows) // 10)]]
edges = np.diff((env > quiet.mean() + 3.0 * quiet.std()).astype(np.int8), prepend=0, append=0)
on, off = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
print(json.dumps({"onsets_s": (on[off - on >= 0.2 * fs] / fs).tolist()}))
"""
)


def write_edf(path: Path, x: np.ndarray, fs: float) -> None:
    """The recording as EDF+ through pelvicore's writer, or pyedflib directly if that is unavailable."""
    try:
        from pelvicore.recordings import write_recording
        from pelvicore.recordings.model import Recording
    except ImportError:
        import pyedflib

        header = {
            "label": "emg",
            "dimension": "uV",
            "sample_frequency": fs,
            "physical_min": float(np.floor(x.min())) - 1,
            "physical_max": float(np.ceil(x.max())) + 1,
            "digital_min": -32768,
            "digital_max": 32767,
        }
        pyedflib.highlevel.write_edf(str(path), [x], [header], file_type=pyedflib.FILETYPE_EDFPLUS)
        return
    write_recording(Recording(fs, {"emg": x}, {"emg": "uV"}), path)


def pelvicore_command(venv_bin: Path) -> tuple[str, list[str]] | None:
    """How a user starts pelvicore: the console script, else ``python -m pelvicore``; None if neither exists."""
    script = venv_bin / "pelvicore"
    if script.exists():
        return "pelvicore", [str(script)]
    if (Path(pelvicore.__file__).parent / "__main__.py").exists():
        return "python -m pelvicore", [str(venv_bin / "python"), "-m", "pelvicore"]
    return None


def time_command(cmd: list[str], env: dict[str, str], repeats: int) -> tuple[list[float], str]:
    times, out = [], ""
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
        out = proc.stdout
    return times, out


def onsets_from(stdout: str) -> list[float]:
    data = json.loads(stdout)
    if "onsets_s" in data:
        return [float(t) for t in data["onsets_s"]]
    return [float(c["onset_s"]) for c in data["contractions"]]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=(
            "Whole-process timing as a user sees it: write a 340 s, 2 kHz EMG recording to EDF+, then time "
            "`pelvicore analyze FILE --json`, a pyedflib + NeuroKit2 emg_process script and a pyedflib + bare "
            "SciPy script, each in a fresh Python process (wall clock, best of --repeats). Prints the times, "
            "the ratios NeuroKit2/pelvicore (target >= 30x) and pelvicore/SciPy (target <= 2x), and each "
            "command's onset F1 against the known bursts."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--repeats", type=int, default=5, help="runs per command; the best is reported")
    p.add_argument("--out", type=Path, help="also write the Markdown report to this file")
    p.add_argument("--keep", type=Path, help="write the EDF and scripts here (kept) instead of a temp dir")
    args = p.parse_args(argv)

    lines: list[str] = []

    def say(text: str = "") -> None:
        lines.append(text)
        print(text, flush=True)

    venv_bin = Path(sys.executable).parent
    python = str(venv_bin / "python")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))

    # The modules `pelvicore analyze` runs, for the fingerprint.
    import pelvicore.analysis
    import pelvicore.cli
    import pelvicore.recordings

    sources = loaded_sources()
    fingerprint = source_fingerprint(sources)
    train = emg_bursts(DURATION_S, FS_HZ, seed=0)
    with tempfile.TemporaryDirectory(prefix="pelvicore-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        edf = work / "emg_bursts_340s.edf"
        write_edf(edf, train.emg_uv, FS_HZ)
        (work / "neurokit_emg.py").write_text(NEUROKIT_SCRIPT)
        (work / "scipy_floor.py").write_text(SCIPY_SCRIPT)

        pc = pelvicore_command(venv_bin)
        pc_label = f"{pc[0] if pc else 'pelvicore'} analyze FILE --json"
        commands: list[tuple[str, str, list[str] | None]] = [
            ("pelvicore", pc_label, None if pc is None else [*pc[1], "analyze", str(edf), "--json"]),
            ("NeuroKit2", "python neurokit_emg.py FILE", [python, str(work / "neurokit_emg.py"), str(edf)]),
            ("SciPy floor", "python scipy_floor.py FILE", [python, str(work / "scipy_floor.py"), str(edf)]),
        ]

        say("# pelvicore whole-process benchmark")
        say()
        say(f"- Machine: {os.cpu_count()} CPUs, {platform.system()} {platform.release()}")
        say(f"- Python {platform.python_version()}; pelvicore {pelvicore.__version__}")
        kernel = "compiled _iir" if "pelvicore.signal._iir" in sys.modules else "scipy.signal.sosfilt fallback"
        say(f"- pelvicore code under test: {len(sources)} modules, sha256 {fingerprint}; IIR kernel: {kernel}")
        if hasattr(os, "getloadavg"):
            say(f"- Load average at start (1/5/15 min): {' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
        say(
            f"- Input: {DURATION_S:g} s EDF+ at {FS_HZ:g} Hz ({edf.stat().st_size / 1e6:.1f} MB), "
            f"{train.onsets_s.size} bursts; wall clock per fresh process, best of {args.repeats}"
        )
        say()
        say("| method | command | best (s) | median (s) | onsets found / true | onset F1 |")
        say("|---|---|---:|---:|---:|---:|")
        best: dict[str, float] = {}
        for name, shown, cmd in commands:
            if cmd is None:
                say(f"| {name} | {shown} | (run pending: no pelvicore command) | | | |")
                continue
            print(f"timing {name}: {' '.join(cmd)}", file=sys.stderr, flush=True)
            times, out = time_command(cmd, env, args.repeats)
            onsets = onsets_from(out)
            score = score_onsets(onsets, train.onsets_s, tolerance_s=0.1)
            best[name] = min(times)
            say(
                f"| {name} | `{shown}` | {min(times):.3f} | {statistics.median(times):.3f} | "
                f"{len(onsets)} / {train.onsets_s.size} | {score.f1:.3f} |"
            )
        say()
        if "pelvicore" in best:
            nk_ratio = best["NeuroKit2"] / best["pelvicore"]
            sp_ratio = best["pelvicore"] / best["SciPy floor"]
            nk_ok = "meets" if nk_ratio >= TARGET_NK_OVER_PELVICORE else "misses"
            sp_ok = "meets" if sp_ratio <= TARGET_PELVICORE_OVER_SCIPY else "misses"
            say(f"- NeuroKit2 / pelvicore = {nk_ratio:.1f}x ({nk_ok} the target >= {TARGET_NK_OVER_PELVICORE:g}x)")
            say(f"- pelvicore / SciPy floor = {sp_ratio:.2f}x ({sp_ok} the target <= {TARGET_PELVICORE_OVER_SCIPY:g}x)")
        else:
            say("- Ratios pending: pelvicore's command line is not available yet.")

    finish_report(lines, sources, fingerprint, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
