"""The pipeline: stream == batch for random chunking, dropouts, invalid samples and bad frames."""

from __future__ import annotations

import numpy as np
import pytest

from pelvicore.devices.simulator.bursts import emg_bursts
from pelvicore.errors import SignalError
from pelvicore.recordings import read_recording
from pelvicore.recordings.model import Recording
from pelvicore.signal.events import Contraction, SignalProblem
from pelvicore.signal.frames import Frame
from pelvicore.signal.pipeline import Pipeline, smallest_steps
from pelvicore.simulation import simulate

REAL_EMG = read_recording(__import__("pathlib").Path(__file__).parents[1] / "data" / "biosppy_emg_1000hz.txt")


def batch(rec: Recording, channel: str | None = None) -> list[object]:
    p = Pipeline(rec.fs_hz, rec.units, channel=channel)
    return p.feed(Frame(0, rec.fs_hz, rec.signals, rec.units)) + p.finish()


def streamed(rec: Recording, rng: np.random.Generator, max_chunk: int, channel: str | None = None) -> list[object]:
    p = Pipeline(rec.fs_hz, rec.units, channel=channel)
    events: list[object] = []
    i = 0
    while i < rec.n_samples:
        n = int(rng.integers(1, max_chunk))
        events += p.feed(Frame(i, rec.fs_hz, {k: v[i : i + n] for k, v in rec.signals.items()}, rec.units))
        i += n
    return events + p.finish()


@pytest.mark.parametrize(
    ("profile", "signals", "max_chunk"),
    [
        ("healthy", "pressure", 40),
        ("hypertonic", "pressure", 7),
        ("bearing-down", "pressure", 300),
        ("fatiguing", "emg", 900),
    ],
)
def test_stream_equals_batch_on_simulated_sessions(profile: str, signals: str, max_chunk: int) -> None:
    rec = simulate(profile, "quick-check", seed=4, signals=signals).recording  # type: ignore[arg-type]
    expected = batch(rec)
    assert sum(isinstance(e, Contraction) for e in expected) >= 8
    assert streamed(rec, np.random.default_rng(0), max_chunk) == expected


def test_stream_equals_batch_on_emg_bursts_and_real_emg() -> None:
    b = emg_bursts(60, 2000.0, seed=3)
    rec = Recording(2000.0, {"emg": b.emg_uv}, {"emg": "uV"})
    assert streamed(rec, np.random.default_rng(1), 3000) == batch(rec)
    assert streamed(REAL_EMG, np.random.default_rng(2), 2500) == batch(REAL_EMG)


def test_a_lost_stretch_is_reported_and_bridged() -> None:
    rec = simulate("healthy", "quick-check", seed=2, dropouts=False).recording
    p = Pipeline(rec.fs_hz, rec.units)
    first = {k: v[:1000] for k, v in rec.signals.items()}
    later = {k: v[1100:] for k, v in rec.signals.items()}  # 100 samples (2 s) never arrive
    events = p.feed(Frame(0, rec.fs_hz, first, rec.units)) + p.feed(Frame(1100, rec.fs_hz, later, rec.units))
    events += p.finish()
    (gap,) = [e for e in events if isinstance(e, SignalProblem)]
    assert gap.kind == "dropout" and gap.start_s == pytest.approx(20.0) and gap.duration_s == pytest.approx(2.0)
    assert sum(isinstance(e, Contraction) for e in events) >= 7


def test_non_finite_samples_are_replaced_and_reported() -> None:
    rec = simulate("healthy", "quick-check", seed=2, dropouts=False).recording
    floor = rec.signals["floor"].copy()
    floor[500:510] = np.nan
    floor[900] = np.inf
    bad = Recording(rec.fs_hz, {"floor": floor, "abdomen": rec.signals["abdomen"]}, rec.units)
    events = batch(bad)
    problems = [e for e in events if isinstance(e, SignalProblem)]
    assert problems and problems[0].kind == "invalid" and "11 non-finite" in problems[0].message
    good = [e for e in batch(rec) if isinstance(e, Contraction)]
    assert len([e for e in events if isinstance(e, Contraction)]) == len(good)


def test_bad_frames_are_refused_with_a_clear_error() -> None:
    p = Pipeline(50.0, {"floor": "cmH2O", "abdomen": "cmH2O"})
    with pytest.raises(SignalError, match=r"25\.0 Hz"):
        p.feed(Frame(0, 25.0, {"floor": np.zeros(5), "abdomen": np.zeros(5)}, p.units))
    with pytest.raises(SignalError, match="abdomen"):
        p.feed(Frame(0, 50.0, {"floor": np.zeros(5)}, {"floor": "cmH2O"}))
    with pytest.raises(SignalError, match="no channel 'emg'"):
        Pipeline(50.0, {"floor": "cmH2O"}, channel="emg")
    with pytest.raises(SignalError, match="sampling rate"):
        Pipeline(0.0, {"floor": "cmH2O"})
    with pytest.raises(SignalError, match="no finite samples"):
        Pipeline(50.0, {"floor": "cmH2O"}).feed(Frame(0, 50.0, {"floor": np.full(5, np.nan)}, {"floor": "cmH2O"}))


def test_calibration_is_learnt_from_contractions() -> None:
    sim = simulate("healthy", "quick-check", seed=5, dropouts=False, artefacts=False)
    p = Pipeline(sim.recording.fs_hz, sim.recording.units)
    p.feed(Frame(0, sim.recording.fs_hz, sim.recording.signals, sim.recording.units))
    p.finish()
    cal = p.calibration
    assert cal is not None and cal.unit == "cmH2O"
    assert cal.mvc == pytest.approx(max(c.peak_cmh2o for c in sim.contractions), rel=0.15)
    assert 15.0 < cal.rest < 35.0


@pytest.mark.parametrize("cut", [0, 1, 5, 39, 40, 41, 200, 299, 300, 301])
def test_flat_emg_stretches_are_handled_the_same_for_any_chunk_boundary(cut: int) -> None:
    b = emg_bursts(40, 1000.0, seed=5)
    x = b.emg_uv.copy()
    x[10_000:10_300] = x[9_999]  # a 0.3 s held stretch, as in a dropout
    x[20_000:20_040] = x[19_999]  # exactly at the 20 ms threshold, twice as long
    rec = Recording(1000.0, {"emg": x}, {"emg": "uV"})
    expected = batch(rec)
    for boundary in (10_000 + cut, 20_000 + cut):
        p = Pipeline(1000.0, rec.units)
        got = p.feed(Frame(0, 1000.0, {"emg": x[:boundary]}, rec.units))
        got += p.feed(Frame(boundary, 1000.0, {"emg": x[boundary:]}, rec.units)) + p.finish()
        assert got == expected


def test_times_are_absolute_when_the_stream_starts_late() -> None:
    rec = simulate("healthy", "quick-check", seed=2, dropouts=False).recording
    start = 1500  # 30 s in
    p = Pipeline(rec.fs_hz, rec.units)
    late = p.feed(Frame(start, rec.fs_hz, {k: v[start:] for k, v in rec.signals.items()}, rec.units)) + p.finish()
    whole = [c.onset_s for c in batch(rec) if isinstance(c, Contraction) and c.onset_s > 32.0]
    got = [c.onset_s for c in late if isinstance(c, Contraction) and c.onset_s > 32.0]
    assert got == pytest.approx(whole, abs=0.05)


def coarse(rec: Recording, counts_per_cmh2o: float) -> Recording:
    """The floor pressure as a one-byte trainer (the Elvie: about 9-21 counts in use) would send it."""
    counts = np.round(9.0 + counts_per_cmh2o * rec.signals["floor"])
    return Recording(rec.fs_hz, {"floor": counts}, {"floor": "raw"})


def test_smallest_steps_settle_at_one_count_and_carry_across_chunks() -> None:
    x = np.array([10.0, 10.0, 12.0, 11.0, 11.0, 14.0])
    whole = smallest_steps(x, np.nan, np.inf)
    np.testing.assert_array_equal(whole, [np.inf, np.inf, 2.0, 1.0, 1.0, 1.0])
    first = smallest_steps(x[:3], np.nan, np.inf)
    np.testing.assert_array_equal(np.concatenate([first, smallest_steps(x[3:], x[2], first[-1])]), whole)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_coarse_trainer_counts_squeezes_not_its_one_count_steps(seed: int) -> None:
    rec = coarse(simulate("healthy", "quick-check", seed=seed, dropouts=False).recording, 0.25)
    assert sum(isinstance(e, Contraction) for e in batch(rec)) == 9
    assert streamed(rec, np.random.default_rng(seed), 30) == batch(rec)


def test_a_coarse_trainer_at_rest_finds_nothing() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(0, 300, 1 / 20)
    for noise_cmh2o in (0.2, 0.4, 1.2, 2.0):  # from rare one-count flickers to steady ones
        x = 50.0 + 1.2 * np.sin(2 * np.pi * t / 4) + rng.normal(0, noise_cmh2o, t.size)
        rec = coarse(Recording(20.0, {"floor": x}, {"floor": "cmH2O"}), 0.25)
        assert not [e for e in batch(rec) if isinstance(e, Contraction)], noise_cmh2o
