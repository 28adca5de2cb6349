"""Per-contraction measures on shapes whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

import pelvicore
from pelvicore.signal.metrics import median_frequency

FS = 50.0


def one_squeeze(*, rise_s: float, hold_s: float, release_s: float, residual: float = 0.0, fade: float = 0.0):  # type: ignore[no-untyped-def]
    """Rest 20 cmH2O, a 30 cmH2O squeeze at t = 5 s: linear rise, hold (fading by ``fade``), linear release."""
    t = np.arange(0, 30, 1 / FS)
    x = np.full(t.size, 20.0)
    on, top = 5.0, 5.0 + rise_s
    end = top + hold_s
    x[(t >= on) & (t < top)] = 20 + 30 * (t[(t >= on) & (t < top)] - on) / rise_s
    hold = (t >= top) & (t < end)
    x[hold] = 20 + 30 * (1 - fade * (t[hold] - top) / hold_s)
    level = 30 * (1 - fade)
    fall = (t >= end) & (t < end + release_s)
    x[fall] = 20 + level - (level - 30 * residual) * (t[fall] - end) / release_s
    x[t >= end + release_s] = 20 + 30 * residual
    return x + np.random.default_rng(0).normal(0, 0.05, t.size)


def test_timings_of_a_clean_squeeze() -> None:
    (c,) = pelvicore.analyze(one_squeeze(rise_s=0.5, hold_s=5.0, release_s=0.5), FS, unit="cmH2O").contractions
    assert c.onset_s == pytest.approx(5.0, abs=0.1)
    assert c.peak == pytest.approx(30.0, rel=0.03)
    assert c.rise_s == pytest.approx(0.45, abs=0.1)  # to 90 % of the peak
    assert c.hold_s == pytest.approx(5.0 + 0.25 + 0.125, abs=0.2)  # time at >= 75 % of the peak
    assert c.release_s == pytest.approx(0.33, abs=0.1)  # 75 % -> 25 %
    assert c.residual_pct == pytest.approx(0.0, abs=2.0)
    assert c.decline_pct == pytest.approx(0.0, abs=3.0)
    assert c.unit == "cmH2O" and c.channel == "floor" and c.technique == "unknown"


def test_incomplete_release_and_fading_hold() -> None:
    x = one_squeeze(rise_s=0.5, hold_s=8.0, release_s=3.0, residual=0.4, fade=0.2)
    (c,) = pelvicore.analyze(x, FS, unit="cmH2O").contractions
    assert c.release_s is None  # never reaches 25 % of the peak
    assert c.residual_pct == pytest.approx(40.0, abs=5.0)
    assert c.decline_pct == pytest.approx(16.0, abs=6.0)  # first fifth vs last fifth of the hold


def test_median_frequency_of_a_tone_and_its_fall() -> None:
    fs = 1000.0
    t = np.arange(0, 4, 1 / fs)
    chirp = np.sin(2 * np.pi * (120 * t - 10 * t**2))  # 120 Hz falling by 20 Hz/s
    mf, slope = median_frequency(chirp, fs)
    assert mf == pytest.approx(80.0, abs=6.0)
    assert slope == pytest.approx(-20.0, abs=3.0)
    assert median_frequency(chirp[:100], fs) == (None, None)
