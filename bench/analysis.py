"""Offline EMG analysis benchmark: pelvicore against NeuroKit2, BioSPPy and a bare SciPy pass.

Every method sees the same signals in one run, and is timed and scored on them:

* NeuroKit2   ``nk.emg_process(x, sampling_rate=fs)``; onsets where ``EMG_Onsets == 1``.
* BioSPPy     ``biosppy.signals.emg.emg(signal=x, sampling_rate=fs, show=False)["onsets"]``.
* SciPy floor a few vectorised lines: band-pass, rectify, low-pass, rest-level threshold, crossings.
* pelvicore   ``pelvicore.analyze(x, fs, unit="uV").contractions[i].onset_s``.

Signals, each ``--minutes`` long at ``--fs``, for each seed:

* ``nk``      ``nk.emg_simulate`` with 6 bursts of 1 s per minute. NeuroKit2 does not return its burst
              times; they follow from its construction (equal quiet gaps at 1 kHz, then resampled), which is
              recomputed here and checked against the noise-free signal.
* ``bursts``  ``pelvicore.devices.simulator.bursts.emg_bursts``: bursts of 0.6-8 s, 20-80 uV over a 3 uV
              rest, with 50 Hz hum and baseline wander; its onsets are the truth.

Run from the repository root::

    .venv/bin/python bench/analysis.py                # 10 min x 3 seeds, about 5 min on 2 cores
    .venv/bin/python bench/analysis.py --quick        # 1 min x 1 seed smoke run
    .venv/bin/python bench/analysis.py --out docs/analysis-bench.md
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import signal as sps

try:
    import pelvicore
except ImportError:  # running from a checkout without an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import pelvicore

from fingerprint import finish_report, loaded_sources, source_fingerprint
from pelvicore.devices.simulator.bursts import emg_bursts
from pelvicore.signal.scoring import score_onsets

TOLERANCE_S = 0.1
BURSTS_PER_MINUTE = 6
FAST_REPEATS = 3

Detector = Callable[[np.ndarray, float], np.ndarray]


# --------------------------------------------------------------------------------------------- methods


def run_neurokit(x: np.ndarray, fs: float) -> np.ndarray:
    import neurokit2 as nk

    signals, _ = nk.emg_process(x, sampling_rate=_nk_rate(fs))
    return np.flatnonzero(signals["EMG_Onsets"].to_numpy() == 1) / fs


def run_biosppy(x: np.ndarray, fs: float) -> np.ndarray:
    from biosppy.signals import emg

    out = emg.emg(signal=x, sampling_rate=fs, show=False)
    return np.asarray(out["onsets"], dtype=float) / fs


def run_scipy_floor(x: np.ndarray, fs: float, k: float = 3.0, min_duration_s: float = 0.2) -> np.ndarray:
    """The floor: 20-450 Hz band-pass, |.|, 6 Hz low-pass, threshold = quiet mean + k std, rising crossings."""
    band = sps.butter(4, [20.0, min(450.0, 0.45 * fs)], btype="bandpass", fs=fs, output="sos")
    smooth = sps.butter(4, 6.0, fs=fs, output="sos")
    env = sps.sosfiltfilt(smooth, np.abs(sps.sosfiltfilt(band, x)))
    w = int(fs)
    windows = env[: env.size // w * w].reshape(-1, w)  # 1 s windows
    quiet = windows[np.argsort(windows.mean(axis=1))[: max(1, len(windows) // 10)]]  # lowest-energy 10 %
    above = env > quiet.mean() + k * quiet.std()
    edges = np.diff(above.astype(np.int8), prepend=0, append=0)
    on, off = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return on[off - on >= min_duration_s * fs] / fs


def run_pelvicore(x: np.ndarray, fs: float) -> np.ndarray:
    a = pelvicore.analyze(x, fs, unit="uV")
    return np.array([c.onset_s for c in a.contractions])


#: name, detector, timed runs (best of); NeuroKit2 takes about a minute per 10 min of 2 kHz EMG, so one run.
METHODS: list[tuple[str, Detector, int]] = [
    ("NeuroKit2", run_neurokit, 1),
    ("BioSPPy", run_biosppy, FAST_REPEATS),
    ("SciPy floor", run_scipy_floor, FAST_REPEATS),
    ("pelvicore", run_pelvicore, FAST_REPEATS),
]


# --------------------------------------------------------------------------------------------- signals


def _nk_rate(fs: float) -> float | int:
    return int(fs) if float(fs).is_integer() else fs


def nk_signal(minutes: float, fs: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``nk.emg_simulate`` and its burst onsets, s (recomputed from how NeuroKit2 builds the signal)."""
    import neurokit2 as nk

    duration = round(minutes * 60)
    n_bursts = max(1, round(BURSTS_PER_MINUTE * minutes))
    x = nk.emg_simulate(duration=duration, sampling_rate=_nk_rate(fs), burst_number=n_bursts, random_state=seed)
    # emg_simulate (0.2.13) works at 1 kHz: n_bursts+1 quiet stretches of int(1000 * quiet_s) samples around
    # bursts of int(1000 * 1.0) samples, then resamples the whole to duration * fs samples with
    # scipy.ndimage.zoom, which maps input sample i to output sample i * (n_out - 1) / (n_in - 1).
    burst_s = np.repeat(1.0, n_bursts)
    quiet_n = int(1000 * ((duration - np.sum(burst_s)) / (n_bursts + 1)))
    burst_n = [int(1000 * b) for b in burst_s]
    n_in = (n_bursts + 1) * quiet_n + sum(burst_n)
    starts = np.array([(i + 1) * quiet_n + sum(burst_n[:i]) for i in range(n_bursts)], dtype=float)
    scale = 1.0 if n_in == x.size else (x.size - 1) / (n_in - 1)
    return x, starts * scale / fs


def check_nk_truth(minutes: float, fs: float, seed: int, truth_s: np.ndarray) -> float:
    """Largest gap, s, between a recomputed onset and the first burst-sized sample of the noise-free signal."""
    import neurokit2 as nk

    duration = round(minutes * 60)
    clean = nk.emg_simulate(
        duration=duration, sampling_rate=_nk_rate(fs), burst_number=truth_s.size, noise=0.0, random_state=seed
    )
    loud = np.abs(clean - 0.08) > 0.15  # quiet stretches stay within 0.08 +- 0.05, bursts span 0.08 +- 1
    worst = 0.0
    for t in truth_s:
        i0 = int(t * fs)
        lo = max(0, i0 - int(0.05 * fs))
        hits = np.flatnonzero(loud[lo : i0 + int(0.05 * fs)])
        if hits.size == 0:
            return float("inf")
        worst = max(worst, abs((lo + hits[0]) / fs - t))
    return worst


def make_signals(minutes: float, fs: float, seed: int) -> tuple[list[tuple[str, np.ndarray, np.ndarray]], float]:
    """The signals with their true onsets, and the check gap of the recomputed nk.emg_simulate onsets, s."""
    x_nk, truth_nk = nk_signal(minutes, fs, seed)
    gap = check_nk_truth(minutes, fs, seed, truth_nk)
    if gap > 0.005:
        raise SystemExit(f"recomputed nk.emg_simulate onsets are off by {gap * 1000:.1f} ms (seed {seed})")
    train = emg_bursts(minutes * 60, fs, seed=seed)
    return [("nk.emg_simulate", x_nk, truth_nk), ("emg_bursts", train.emg_uv, train.onsets_s)], gap


# --------------------------------------------------------------------------------------------- running


@dataclass
class Tally:
    """Times and onset matches of one method on one kind of signal, over the seeds."""

    seconds: float = 0.0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors_s: list[float] = field(default_factory=list)

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp + self.fp + self.fn else 1.0

    @property
    def median_abs_error_ms(self) -> float:
        return 1000 * float(np.median(np.abs(self.errors_s))) if self.errors_s else float("nan")

    @property
    def median_error_ms(self) -> float:
        """Median signed onset error (detected - true), ms: negative = early."""
        return 1000 * float(np.median(self.errors_s)) if self.errors_s else float("nan")


def time_best(fn: Detector, x: np.ndarray, fs: float, repeats: int) -> tuple[float, np.ndarray]:
    best, out = float("inf"), np.empty(0)
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn(x, fs)
        best = min(best, time.perf_counter() - t0)
    return best, np.sort(np.asarray(out, dtype=float))


def unmatched(detected: np.ndarray, truth: np.ndarray, tol: float) -> tuple[list[float], list[float]]:
    """Missed true onsets and extra detections, with the same nearest-first one-to-one matching as scoring."""
    if detected.size == 0 or truth.size == 0:
        return list(truth), list(detected)
    dist = np.abs(detected[:, None] - truth[None, :])
    pairs = np.argwhere(dist <= tol)
    used_d, used_t = set(), set()
    for i, j in pairs[np.argsort(dist[pairs[:, 0], pairs[:, 1]], kind="stable")]:
        if i not in used_d and j not in used_t:
            used_d.add(int(i))
            used_t.add(int(j))
    missed = [float(t) for j, t in enumerate(truth) if j not in used_t]
    extra = [float(d) for i, d in enumerate(detected) if i not in used_d]
    return missed, extra


def times(ratio: float) -> str:
    """A ratio with about three significant digits, never in exponent notation: 0.523, 1.41, 24.6, 1003."""
    return f"{ratio:.0f}" if ratio >= 100 else f"{ratio:.3g}"


def ratio_text(method: str, seconds: float, ref_seconds: float) -> str:
    if seconds >= ref_seconds:
        return f"{method} / pelvicore = {times(seconds / ref_seconds)}x"
    return f"pelvicore / {method} = {times(ref_seconds / seconds)}x"


def versions() -> str:
    names = ["numpy", "scipy", "neurokit2", "biosppy", "pandas"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join([f"pelvicore {pelvicore.__version__}", *found])


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=(
            "Time and score EMG onset detection by NeuroKit2, BioSPPy, a bare SciPy pass (the speed floor) "
            "and pelvicore on the same simulated signals (nk.emg_simulate and pelvicore's emg_bursts, whose "
            "true onsets are known). Prints a Markdown report: machine facts, one row per signal, seed and "
            "method (wall time, time relative to pelvicore, onset precision/recall/F1 within +-0.1 s, median "
            "absolute onset error), a summary over seeds, and the onsets pelvicore missed or added."
        ),
        epilog=(
            "Times are time.perf_counter wall times after one warm-up call per method: best of "
            f"{FAST_REPEATS} runs for BioSPPy, SciPy and pelvicore, a single run for NeuroKit2. "
            "Defaults take about 5 minutes on 2 cores, most of it in NeuroKit2."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--minutes", type=float, default=10.0, help="length of each simulated signal, minutes")
    p.add_argument("--fs", type=float, default=2000.0, help="sampling rate, Hz")
    p.add_argument("--seeds", type=int, default=3, help="number of random seeds (0, 1, ...) per signal kind")
    p.add_argument("--quick", action="store_true", help="smoke run: 1-minute signals, 1 seed")
    p.add_argument("--out", type=Path, help="also write the Markdown report to this file")
    args = p.parse_args(argv)
    if args.quick:
        args.minutes, args.seeds = 1.0, 1
    if args.minutes * 60 < 20 or args.seeds < 1 or args.fs < 1000:
        p.error("need --minutes >= 1/3, --seeds >= 1 and --fs >= 1000 (the band-pass reaches 450 Hz)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fs, minutes = args.fs, args.minutes
    lines: list[str] = []

    def say(text: str = "") -> None:
        lines.append(text)
        print(text, flush=True)

    def progress(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    warm = emg_bursts(20.0, fs, seed=12345).emg_uv
    for name, fn, _ in METHODS:
        progress(f"warming up {name}")
        fn(warm, fs)
    sources = loaded_sources()
    fingerprint = source_fingerprint(sources)

    say("# pelvicore analysis benchmark")
    say()
    say(f"- Machine: {os.cpu_count()} CPUs ({cpu_model()}), {platform.system()} {platform.release()}")
    say(f"- Python {platform.python_version()}; {versions()}")
    kernel = "compiled _iir" if "pelvicore.signal._iir" in sys.modules else "scipy.signal.sosfilt fallback"
    say(f"- pelvicore code under test: {len(sources)} modules, sha256 {fingerprint}; IIR kernel: {kernel}")
    if hasattr(os, "getloadavg"):
        say(f"- Load average at start (1/5/15 min): {' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
    say(
        f"- Signals: {minutes:g} min at {fs:g} Hz, seeds 0..{args.seeds - 1}; onsets matched one-to-one "
        f"within +-{TOLERANCE_S} s"
    )
    say(f"- Wall time (perf_counter) after a warm-up call; best of {FAST_REPEATS} runs, NeuroKit2 a single run")
    say()

    tallies: dict[tuple[str, str], Tally] = {}
    kinds: list[str] = []
    rows: list[str] = []
    misses: list[str] = []
    worst_gap = 0.0
    for seed in range(args.seeds):
        progress(f"seed {seed}: simulating")
        signals, gap = make_signals(minutes, fs, seed)
        worst_gap = max(worst_gap, gap)
        for kind, x, truth in signals:
            if kind not in kinds:
                kinds.append(kind)
            results = {}
            for name, fn, repeats in METHODS:
                progress(f"seed {seed}: {kind}: {name}")
                results[name] = time_best(fn, x, fs, repeats)
            ref = results["pelvicore"][0]
            for name, _, _ in METHODS:
                seconds, onsets = results[name]
                score = score_onsets(onsets, truth, tolerance_s=TOLERANCE_S)
                tally = tallies.setdefault((kind, name), Tally())
                tally.seconds += seconds
                tally.tp += score.true_positives
                tally.fp += score.false_positives
                tally.fn += score.false_negatives
                tally.errors_s.extend(score.errors_s)
                rows.append(
                    f"| {kind} | {seed} | {name} | {seconds:.3f} | {times(seconds / ref)} | {score.f1:.3f} | "
                    f"{score.precision:.3f} | {score.recall:.3f} | {1000 * score.median_abs_error_s:.1f} | "
                    f"{onsets.size} / {truth.size} |"
                )
                if name == "pelvicore":
                    missed, extra = unmatched(onsets, np.sort(truth), TOLERANCE_S)
                    for t in missed:
                        near = onsets[np.argmin(np.abs(onsets - t))] if onsets.size else float("nan")
                        misses.append(f"| {kind} | {seed} | missed | {t:.3f} | nearest detection {near:.3f} |")
                    for d in extra:
                        near = truth[np.argmin(np.abs(truth - d))]
                        misses.append(f"| {kind} | {seed} | extra | {d:.3f} | nearest true onset {near:.3f} |")

    say("## Summary over seeds")
    say()
    say(
        "| signal | method | total time (s) | time ratio | onset F1 | median abs onset error (ms) "
        "| median signed error (ms) |"
    )
    say("|---|---|---:|---|---:|---:|---:|")
    ratio_lines = []
    for kind in kinds:
        ref = tallies[(kind, "pelvicore")].seconds
        for name, _, _ in METHODS:
            t = tallies[(kind, name)]
            ratio = "1x" if name == "pelvicore" else ratio_text(name, t.seconds, ref)
            if name != "pelvicore":
                ratio_lines.append(f"- {kind}: {ratio}")
            errors = f"{t.median_abs_error_ms:.1f} | {t.median_error_ms:+.1f}"
            say(f"| {kind} | {name} | {t.seconds:.3f} | {ratio} | {t.f1:.3f} | {errors} |")
    say()
    say(
        "F1 from the onsets pooled over seeds; time = sum over seeds; signed error = detected - true, over "
        "matched onsets (negative = early). The recomputed nk.emg_simulate onsets "
        f"agree with its noise-free signal within {1000 * worst_gap:.1f} ms."
    )
    say()
    for line in ratio_lines:
        say(line)
    say()
    say("## Per signal and seed")
    say()
    say(
        "| signal | seed | method | time (s) | time / pelvicore | F1 | precision | recall | "
        "median abs error (ms) | detected / true |"
    )
    say("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        say(row)
    say()
    say("## pelvicore onsets not matched within +-0.1 s")
    say()
    if misses:
        say("| signal | seed | kind | time (s) | context (s) |")
        say("|---|---:|---|---:|---|")
        for row in misses:
            say(row)
    else:
        say("None.")

    finish_report(lines, sources, fingerprint, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
