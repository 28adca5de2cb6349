"""The contraction detector: onsets, offsets, drift, artefacts, re-squeezes, and chunk independence."""

from __future__ import annotations

import numpy as np
import pytest

from pelvicore.signal.contractions import ContractionDetector, DetectorSettings
from pelvicore.signal.onsets import knee, rise_start

FS = 50.0


def trapezoid(t: np.ndarray, on: float, off: float, height: float, ramp: float = 0.3) -> np.ndarray:
    up = np.clip((t - on) / ramp, 0, 1)
    down = np.clip((off + ramp - t) / ramp, 0, 1)
    return height * np.minimum(up, down)


def detect(x: np.ndarray, settings: DetectorSettings | None = None) -> list[tuple[float, float]]:
    d = ContractionDetector(FS, settings or DetectorSettings(min_delta=2.0))
    found = d.feed(x) + d.finish()
    return [(det.onset / FS, det.offset / FS) for det in found]


def test_knee_finds_the_turn_of_a_ramp() -> None:
    y = np.concatenate([np.zeros(40), np.linspace(0, 10, 21)[1:]])
    assert knee(y) in (39, 40, 41)
    noisy = y + np.random.default_rng(0).normal(0, 0.2, y.size)
    assert abs(knee(noisy) - 40) <= 3


def test_rise_start_ignores_the_plateau_after_a_fast_rise() -> None:
    y = np.concatenate([np.ones(60), np.linspace(1, 20, 10), np.full(40, 20.0)])
    assert abs(rise_start(y) - 60) <= 2


def test_three_squeezes_on_drift_and_breathing() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(0, 60, 1 / FS)
    x = 20 + 0.05 * t + 0.4 * np.sin(2 * np.pi * 0.25 * t) + rng.normal(0, 0.15, t.size)
    for on in (10.0, 25.0, 40.0):
        x += trapezoid(t, on, on + 5, 15.0)
    found = detect(x)
    assert len(found) == 3
    for (onset, offset), on in zip(found, (10.0, 25.0, 40.0), strict=True):
        assert abs(onset - on) < 0.15
        assert on + 5 < offset < on + 5.6


def test_a_motion_spike_is_not_a_contraction() -> None:
    t = np.arange(0, 30, 1 / FS)
    x = 20 + np.random.default_rng(1).normal(0, 0.15, t.size)
    x[(t > 10) & (t < 10.1)] += 25.0  # 0.1 s spike, shorter than the minimum duration
    x[(t > 14) & (t < 14.1)] -= 25.0
    assert detect(x) == []


def test_a_second_squeeze_before_a_slow_release_ends_is_split_off() -> None:
    t = np.arange(0, 30, 1 / FS)
    x = np.full(t.size, 40.0)
    first = (t >= 5.0) & (t < 8.0)
    x[first] = 40 + 15 * np.clip((t[first] - 5.0) / 0.3, 0, 1)
    release = (t >= 8.0) & (t < 11.0)
    x[release] = 40 + 15 * np.exp(-(t[release] - 8.0) / 2.0)  # slow, still 3.3 cmH2O up at 11 s
    second = (t >= 11.0) & (t < 14.0)
    start = 40 + 15 * np.exp(-3.0 / 2.0)
    x[second] = start + (55 - start) * np.clip((t[second] - 11.0) / 0.3, 0, 1)
    after = t >= 14.0
    x[after] = 40 + 15 * np.exp(-(t[after] - 14.0) / 0.3)
    x += np.random.default_rng(2).normal(0, 0.1, t.size)
    onsets = [on for on, _ in detect(x)]
    assert len(onsets) == 2
    assert abs(onsets[0] - 5.0) < 0.2 and abs(onsets[1] - 11.0) < 0.3


def test_a_baseline_shift_is_abandoned_not_reported() -> None:
    t = np.arange(0, 240, 1 / FS)
    x = 20 + 10.0 * (t > 20) + np.random.default_rng(3).normal(0, 0.1, t.size)
    x += trapezoid(t, 200.0, 205.0, 15.0)
    settings = DetectorSettings(min_delta=2.0, max_duration_s=60.0)
    onsets = [on for on, _ in detect(x, settings)]
    assert len(onsets) == 1 and abs(onsets[0] - 200.0) < 0.2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_chunking_gives_identical_detections(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.arange(0, 120, 1 / FS)
    x = 20 + 0.5 * np.sin(2 * np.pi * 0.2 * t) + rng.normal(0, 0.2, t.size)
    for on in rng.uniform(5, 110, 8):
        x += trapezoid(t, on, on + rng.uniform(0.5, 6), rng.uniform(5, 40))
    whole = ContractionDetector(FS, DetectorSettings(min_delta=2.0))
    expected = whole.feed(x) + whole.finish()
    d = ContractionDetector(FS, DetectorSettings(min_delta=2.0))
    got = []
    i = 0
    while i < x.size:
        n = int(rng.integers(1, 200))
        got += d.feed(x[i : i + n])
        i += n
    got += d.finish()
    assert [(g.onset, g.offset, g.end, g.ref) for g in got] == [(e.onset, e.offset, e.end, e.ref) for e in expected]
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g.segment, e.segment)


def test_feed_checks_the_row_count() -> None:
    with pytest.raises(ValueError, match="row"):
        ContractionDetector(FS, n_rows=2).feed(np.zeros(10))
