"""Streaming filters give the one-shot result for any chunking."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import signal as sps

from pelvicore.signal.filters import CausalMedian, Decimator, bandpass, lowpass, median, notch


def chunks(n: int, rng: np.random.Generator) -> list[slice]:
    edges = np.unique(np.concatenate([[0, n], rng.integers(0, n, 12)]))
    return [slice(a, b) for a, b in itertools.pairwise(edges)]


@pytest.mark.parametrize("make", [lambda: lowpass(8.0, 50.0), lambda: bandpass(20.0, 450.0, 2000.0)])
def test_sos_filter_chunked_is_bit_identical(make) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    x = 100 + rng.standard_normal(5000)
    whole = make().feed(x)
    f = make()
    parts = np.concatenate([f.feed(x[s]) for s in chunks(x.size, rng)])
    assert_array_equal(parts, whole)


def test_sos_filter_starts_in_steady_state_for_a_dc_offset() -> None:
    y = bandpass(20.0, 450.0, 1000.0).feed(np.full(500, 2055.0))
    assert np.abs(y).max() < 1e-9
    assert_allclose(lowpass(5.0, 50.0).feed(np.full(50, 20.0)), 20.0)


def test_notch_removes_mains_and_keeps_nearby_content() -> None:
    fs = 2000.0
    t = np.arange(8000) / fs
    hum = notch(50.0, fs).feed(np.sin(2 * np.pi * 50 * t))
    other = notch(50.0, fs).feed(np.sin(2 * np.pi * 120 * t))
    assert np.abs(hum[-2000:]).max() < 0.05
    assert np.abs(other[-2000:]).max() > 0.9


def test_group_delay_matches_scipy() -> None:
    f = lowpass(8.0, 100.0)
    b, a = sps.butter(2, 8.0, fs=100.0)
    _, gd = sps.group_delay((b, a), w=[0.5], fs=100.0)
    assert f.delay_s(100.0) == pytest.approx(gd[0] / 100.0)


def test_decimator_keeps_phase_across_chunks() -> None:
    rng = np.random.default_rng(1)
    x = np.arange(1000.0)
    d = Decimator(7)
    kept = np.concatenate([d.feed(x[s]) for s in chunks(x.size, rng)])
    assert_array_equal(kept, x[::7])
    with pytest.raises(ValueError, match="decimation factor"):
        Decimator(0)


def test_causal_median_matches_naive_and_any_chunking() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal(400)
    width = 7
    padded = np.concatenate([np.full(width - 1, x[0]), x])
    naive = np.array([np.median(padded[i : i + width]) for i in range(x.size)])
    assert_array_equal(CausalMedian(width).feed(x), naive)
    m = CausalMedian(width)
    assert_array_equal(np.concatenate([m.feed(x[s]) for s in chunks(x.size, rng)]), naive)


def test_causal_median_removes_a_short_spike() -> None:
    x = np.zeros(100)
    x[50:53] = 40.0
    assert CausalMedian(9).feed(x).max() == 0.0


def test_median_matches_numpy() -> None:
    rng = np.random.default_rng(3)
    for n in (1, 2, 3, 10, 11, 500):
        x = rng.standard_normal(n)
        assert median(x) == np.median(x)
    assert np.isnan(median(np.empty(0)))


def test_causal_median_is_the_same_for_live_frames_and_whole_recordings() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    whole = CausalMedian(25).feed(x)
    padded = np.concatenate([np.full(24, x[0]), x])
    reference = np.array([np.median(padded[i : i + 25]) for i in range(x.size)])
    np.testing.assert_array_equal(whole, reference)
    live, out, i = CausalMedian(25), [], 0
    while i < x.size:  # frames of 1 to 40 samples: both paths of the filter, one state
        n = int(rng.integers(1, 41))
        out.append(live.feed(x[i : i + n]))
        i += n
    np.testing.assert_array_equal(np.concatenate(out), whole)
