"""Per-contraction metrics measured on a detection's trace segment.

Definitions (all times in s, amplitudes above the pre-contraction level, in the channel's unit):
- ``peak``: highest point between onset and offset; ``mean``: mean over the same span.
- ``rise_s``: onset to the first sample at >= 90% of the peak (Glazer "time before peak", Oleksy 2021).
- ``hold_s``: time at >= 75% of the peak — Perifit's endurance rule (facts/devices.md).
- ``release_s``: from the last sample at >= 75% of the peak to the first at <= 25% of it; ``None`` when the trace
  never gets that low within the release window (an incomplete release).
- ``residual_pct``: level in the last second of the release window, % of the peak (0 = complete release).
- ``decline_pct``: fall from the first to the last fifth of the hold, % (fatigue within a hold; holds >= 3 s).
- EMG only: ``median_freq_hz`` of the contraction's spectrum and its slope over 0.5 s windows, Hz/s — the median
  frequency falls as a muscle fatigues (facts/clinical.md, Glazer metrics).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pelvicore.signal.contractions import Detection
from pelvicore.signal.filters import median


@dataclass(frozen=True, slots=True)
class Shape:
    peak: float
    peak_at: int
    mean: float
    rise_s: float
    hold_s: float
    release_s: float | None
    residual_pct: float | None
    decline_pct: float | None
    floor_rise: float
    abdomen_rise: float | None


def measure_shape(det: Detection, fs_hz: float, *, reference_row: int | None = None) -> Shape:
    """Measure one detection on ``det.segment`` row 0; ``reference_row`` is the abdominal zone, if any."""
    x = det.segment[0] - det.ref_primary
    on, off = det.onset - det.start, max(det.offset - det.start, det.onset - det.start + 1)
    body = x[on:off]
    i_peak = int(np.argmax(body))
    peak = float(body[i_peak])
    scale = peak if peak > 0 else 1.0

    def at_least(frac: float) -> np.ndarray:
        hits = np.flatnonzero(body >= frac * peak)
        return hits if hits.size else np.array([i_peak])

    above90, above75 = at_least(0.9), at_least(0.75)
    hold_end = on + int(above75[-1])
    after = x[hold_end:]
    low = np.flatnonzero(after <= 0.25 * scale)
    release_s = float(low[0]) / fs_hz if low.size else None
    tail = x[max(off, x.size - round(fs_hz)) :]
    residual_pct = float(max(0.0, median(tail)) / scale * 100.0) if tail.size else None
    decline_pct = None
    hold = body[int(above90[0]) : int(above75[-1]) + 1]
    if hold.size >= 3 * fs_hz:
        fifth = hold.size // 5
        early, late = float(hold[:fifth].mean()), float(hold[-fifth:].mean())
        decline_pct = (early - late) / early * 100.0 if early > 0 else None
    half = at_least(0.5)
    window = slice(on + int(half[0]), on + int(half[-1]) + 1)
    floor_rise = float(x[window].mean())
    abdomen_rise = None
    if reference_row is not None:
        abd = det.segment[reference_row]
        pre = abd[max(0, on - round(fs_hz)) : on + 1]
        abdomen_rise = float(abd[window].mean() - median(pre))
    return Shape(
        peak,
        on + i_peak,
        float(body.mean()),
        float(above90[0]) / fs_hz,
        above75.size / fs_hz,
        release_s,
        residual_pct,
        decline_pct,
        floor_rise,
        abdomen_rise,
    )


@lru_cache(maxsize=16)
def _window_and_freqs(n: int, fs_hz: float) -> tuple[np.ndarray, np.ndarray]:
    return np.hanning(n), np.fft.rfftfreq(n, 1.0 / fs_hz)


def median_frequency(x: np.ndarray, fs_hz: float, *, window_s: float = 0.5) -> tuple[float | None, float | None]:
    """Median frequency, Hz, of band-passed EMG ``x`` and its slope over consecutive windows, Hz/s."""
    n = max(16, round(window_s * fs_hz))
    k = x.size // n
    if k < 1:
        return None, None
    window, freqs = _window_and_freqs(n, fs_hz)
    spectrum = np.fft.rfft(x[: k * n].reshape(k, n) * window, axis=1)
    power = spectrum.real**2 + spectrum.imag**2

    def mf(p: np.ndarray) -> np.ndarray:
        c = np.cumsum(p, axis=-1)
        return freqs[np.argmax(c >= 0.5 * c[..., -1:], axis=-1)]

    overall = float(mf(power.sum(axis=0)))
    if k < 3:
        return overall, None
    per_window = mf(power)
    t = np.arange(k) * n / fs_hz
    t = t - t.mean()
    slope = float(np.dot(t, per_window - per_window.mean()) / np.dot(t, t))  # least-squares line
    return overall, slope
