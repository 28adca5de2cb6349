"""The simulator: determinism, ground truth, signal contract and the behaviour of each virtual person."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import signal as sps

from pelvicore.devices.simulator import PERSONS, Simulation
from pelvicore.devices.simulator.bursts import emg_bursts
from pelvicore.errors import ProtocolError
from pelvicore.simulation import simulate
from pelvicore.training.protocols import PROTOCOLS
from pelvicore.training.routines import get_protocol


def _same(a: Simulation, b: Simulation) -> bool:
    ra, rb = a.recording, b.recording
    return (
        ra.fs_hz == rb.fs_hz
        and ra.units == rb.units
        and list(ra.signals) == list(rb.signals)
        and all(np.array_equal(ra.signals[n], rb.signals[n]) for n in ra.signals)
        and ra.annotations == rb.annotations
        and a.contractions == b.contractions
        and a.events == b.events
    )


def _squeeze_cues(protocol: str) -> list[tuple[float, float]]:
    """(cue start, cue end), s, of every squeeze step."""
    return [(t, t + s.duration_s) for t, s in get_protocol(protocol).cue_times() if s.action == "squeeze"]


# --- determinism -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("signals", ["pressure", "both"])
def test_same_seed_gives_identical_recording_and_truth(signals: str) -> None:
    a = simulate("healthy", "quick-check", seed=11, signals=signals)  # type: ignore[arg-type]
    b = simulate("healthy", "quick-check", seed=11, signals=signals)  # type: ignore[arg-type]
    assert _same(a, b)
    assert a.truth_dict() == b.truth_dict()


def test_different_seed_gives_different_recording_and_truth() -> None:
    a = simulate("healthy", "quick-check", seed=1)
    b = simulate("healthy", "quick-check", seed=2)
    for name in a.recording.signals:
        assert not np.array_equal(a.recording.signals[name], b.recording.signals[name])
    assert [c.onset_s for c in a.contractions] != [c.onset_s for c in b.contractions]
    assert a.truth_dict() != b.truth_dict()


def test_seed_is_recorded_in_the_truth() -> None:
    sim = simulate("weak", "cough", seed=5)
    truth = sim.truth_dict()
    assert (truth["profile"], truth["protocol"], truth["seed"]) == ("weak", "cough", 5)
    assert truth["fs_hz"] == sim.recording.fs_hz


# --- ground truth ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["quick-check", "cough", "daily"])
@pytest.mark.parametrize("profile", list(PERSONS))
def test_every_profile_follows_the_protocol(profile: str, protocol: str) -> None:
    sim = simulate(profile, protocol, seed=3)
    proto = get_protocol(protocol)
    steps = [s for _, s in proto.cue_times()]
    n_squeeze = sum(s.action == "squeeze" for s in steps)
    n_cough = sum(s.action == "cough" for s in steps)
    expected = n_squeeze + (n_cough if PERSONS[profile].knack else 0)

    truth = json.loads(json.dumps(sim.truth_dict()))
    assert len(truth["contractions"]) == expected == len(sim.contractions)
    assert sum(c["kind"] == "knack" for c in truth["contractions"]) == (n_cough if PERSONS[profile].knack else 0)
    assert [c.kind for c in sim.contractions if c.kind != "knack"] == [s.kind for s in steps if s.action == "squeeze"]
    assert sum(e.kind == "cough" for e in sim.events) == n_cough
    duration = proto.duration_s
    assert sim.recording.duration_s == pytest.approx(duration)
    for c in sim.contractions:
        assert 0 < c.onset_s < c.offset_s < duration
        assert c.peak_cmh2o > 0
        assert c.technique in ("lift", "push")
    onsets = [c.onset_s for c in sim.contractions]
    assert onsets == sorted(onsets)
    # Squeezes start after their cue (a reaction time) and not after the cue ends.
    squeezes = [c for c in sim.contractions if c.kind != "knack"]
    for c, (start, end) in zip(squeezes, _squeeze_cues(protocol), strict=True):
        assert start < c.onset_s < end
        assert c.offset_s > end
    for name, x in sim.recording.signals.items():
        assert np.isfinite(x).all(), name


def test_truth_dict_is_json_serialisable_and_complete() -> None:
    sim = simulate("bearing-down", "perfect", seed=4)
    truth = sim.truth_dict()
    round_trip = json.loads(json.dumps(truth, allow_nan=False))
    assert round_trip == truth
    assert len(truth["contractions"]) == len(sim.contractions)  # type: ignore[arg-type]
    assert len(truth["events"]) == len(sim.events)  # type: ignore[arg-type]
    first = truth["contractions"][0]  # type: ignore[index]
    assert set(first) == {"onset_s", "offset_s", "peak_cmh2o", "peak_uv", "technique", "kind"}
    assert first["onset_s"] == pytest.approx(sim.contractions[0].onset_s, abs=1e-4)


def test_truth_is_also_in_the_annotations() -> None:
    sim = simulate("healthy", "quick-check", seed=8)
    texts = [a.text for a in sim.recording.annotations]
    assert sum(t.startswith(("truth lift", "truth push")) for t in texts) == len(sim.contractions)
    assert sum(t.startswith("cue ") for t in texts) == len(get_protocol("quick-check").steps)
    assert sum(t == "dropout" for t in texts) == sum(e.kind == "dropout" for e in sim.events)
    onsets = [a.onset_s for a in sim.recording.annotations]
    assert onsets == sorted(onsets)


def test_cough_protocol_makes_cough_events_with_a_knack_before_each() -> None:
    sim = simulate("healthy", "cough", seed=2)
    coughs = [e for e in sim.events if e.kind == "cough"]
    cues = [t for t, s in get_protocol("cough").cue_times() if s.action == "cough"]
    assert len(coughs) == len(cues) == 3
    knacks = [c for c in sim.contractions if c.kind == "knack"]
    assert len(knacks) == 3
    for cough, cue, knack in zip(coughs, cues, knacks, strict=True):
        assert cue < cough.onset_s < cue + 2.0
        assert knack.onset_s < cough.onset_s < knack.offset_s
        assert cough.detail == "knack"
    # The cough is a sharp abdominal spike well above rest.
    rec = sim.recording
    fs = rec.fs_hz
    abdomen = rec.signals["abdomen"]
    for cough in coughs:
        i = round((cough.onset_s + cough.duration_s / 2) * fs)
        before = abdomen[round((cough.onset_s - 2.0) * fs) : round((cough.onset_s - 1.0) * fs)]
        assert abdomen[i - 3 : i + 4].max() - before.mean() > 20.0


def test_cough_without_knack_has_no_contraction() -> None:
    sim = simulate("weak", "cough", seed=2)
    assert sim.contractions == ()
    coughs = [e for e in sim.events if e.kind == "cough"]
    assert len(coughs) == 3
    assert all(e.detail == "no knack" for e in coughs)


# --- signal contract ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signals", "fs", "units"),
    [
        ("pressure", 50.0, {"floor": "cmH2O", "abdomen": "cmH2O"}),
        ("emg", 2000.0, {"emg": "uV"}),
        ("both", 2000.0, {"floor": "cmH2O", "abdomen": "cmH2O", "emg": "uV"}),
    ],
)
def test_channels_units_and_default_rates(signals: str, fs: float, units: dict[str, str]) -> None:
    sim = simulate("healthy", "quick-check", seed=0, signals=signals)  # type: ignore[arg-type]
    rec = sim.recording
    assert rec.fs_hz == fs
    assert rec.units == units
    assert list(rec.signals) == list(units)
    n = round(get_protocol("quick-check").duration_s * fs)
    for x in rec.signals.values():
        assert x.shape == (n,)
        assert x.dtype == np.float64
    assert rec.start_s == 0.0
    assert rec.meta == {"profile": "healthy", "protocol": "quick-check"}


def test_explicit_sampling_rate() -> None:
    rec = simulate("healthy", "quick-check", seed=0, fs_hz=100.0).recording
    assert rec.fs_hz == 100.0
    assert rec.n_samples == round(get_protocol("quick-check").duration_s * 100)


def test_protocol_object_is_accepted() -> None:
    by_name = simulate("healthy", "cough", seed=6)
    by_object = simulate("healthy", PROTOCOLS["cough"], seed=6)
    assert _same(by_name, by_object)


def test_pressure_and_emg_levels_are_plausible() -> None:
    sim = simulate("healthy", "quick-check", seed=0, signals="both")
    rec = sim.recording
    fs = rec.fs_hz
    rest = slice(0, round(4.0 * fs))
    assert 15.0 < np.median(rec.signals["floor"][rest]) < 35.0
    # Surface EMG at rest: a few uV after removing wander and hum; much more during a maximal squeeze.
    sos = sps.butter(4, [20.0, 450.0], btype="bandpass", fs=fs, output="sos")
    emg = sps.sosfiltfilt(sos, rec.signals["emg"])
    b, a = sps.iirnotch(50.0, 30.0, fs)
    emg = sps.filtfilt(b, a, emg)
    rms_rest = float(np.sqrt(np.mean(emg[round(0.5 * fs) : round(4.5 * fs)] ** 2)))
    first = sim.contractions[0]
    hold = emg[round((first.onset_s + 1.0) * fs) : round((first.offset_s - 1.0) * fs)]
    rms_hold = float(np.sqrt(np.mean(hold**2)))
    assert 1.0 < rms_rest < 6.0
    assert rms_hold > 5 * rms_rest


# --- the virtual people ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_weak_profile_peaks(seed: int) -> None:
    sim = simulate("weak", "perfect", seed=seed)
    maximal = [c.peak_cmh2o for c in sim.contractions if c.kind == "maximal"]
    assert len(maximal) == 3
    assert all(5.0 <= p <= 15.0 for p in maximal), maximal


def test_healthy_is_stronger_than_weak() -> None:
    for seed in range(3):
        weak = max(c.peak_cmh2o for c in simulate("weak", "quick-check", seed=seed).contractions)
        healthy = max(c.peak_cmh2o for c in simulate("healthy", "quick-check", seed=seed).contractions)
        assert healthy > 25.0 > 15.0 > weak


def _resting_floor(sim: Simulation) -> float:
    """Median floor pressure over the opening rest (before the first cue's reaction time)."""
    first_cue = _squeeze_cues(sim.protocol)[0][0]
    rec = sim.recording
    return float(np.median(rec.signals["floor"][: round(first_cue * rec.fs_hz)]))


def _mean_release_delay(sim: Simulation) -> float:
    """Mean time from the end of each squeeze cue to the truth offset, s."""
    squeezes = [c for c in sim.contractions if c.kind != "knack"]
    cues = _squeeze_cues(sim.protocol)
    return float(np.mean([c.offset_s - end for c, (_, end) in zip(squeezes, cues, strict=True)]))


@pytest.mark.parametrize("seed", range(3))
def test_hypertonic_has_higher_rest_and_slower_release(seed: int) -> None:
    healthy = simulate("healthy", "quick-check", seed=seed)
    hyper = simulate("hypertonic", "quick-check", seed=seed)
    assert _resting_floor(hyper) > _resting_floor(healthy) + 5.0
    assert _resting_floor(hyper) > 35.0
    assert _mean_release_delay(hyper) > _mean_release_delay(healthy) + 1.0


def _rises(sim: Simulation) -> list[tuple[str, float, float]]:
    """(technique, floor rise, abdomen rise) per contraction, measured on the recording."""
    rec = sim.recording
    fs = rec.fs_hz
    out = []
    for c in sim.contractions:
        pre = slice(round((c.onset_s - 1.0) * fs), round(c.onset_s * fs))
        span = c.offset_s - c.onset_s
        mid = slice(round((c.onset_s + 0.25 * span) * fs), round((c.onset_s + 0.75 * span) * fs) + 1)
        rise = {n: float(rec.signals[n][mid].mean() - rec.signals[n][pre].mean()) for n in ("floor", "abdomen")}
        out.append((c.technique, rise["floor"], rise["abdomen"]))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_bearing_down_pushes_raise_the_abdomen(seed: int) -> None:
    sim = simulate("bearing-down", "quick-check", seed=seed)
    rises = _rises(sim)
    techniques = {t for t, _, _ in rises}
    assert techniques == {"lift", "push"}
    for technique, floor, abdomen in rises:
        assert floor > 3.0
        if technique == "push":
            assert abdomen >= floor
        else:
            assert abdomen < 0.5 * floor


def test_healthy_always_lifts() -> None:
    sim = simulate("healthy", "perfect", seed=0)
    assert {c.technique for c in sim.contractions} == {"lift"}
    for _, floor, abdomen in _rises(sim):
        assert abdomen < 0.5 * floor


def test_fatiguing_fades_from_squeeze_to_squeeze() -> None:
    sim = simulate("fatiguing", "daily", seed=0)
    holds = [c.peak_cmh2o for c in sim.contractions if c.kind == "hold"]
    assert len(holds) == 10
    assert np.mean(holds[-3:]) < np.mean(holds[:3])


# --- errors ------------------------------------------------------------------------------------------------


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ProtocolError, match="unknown profile 'athlete'") as excinfo:
        simulate("athlete", "quick-check")
    for name in PERSONS:
        assert name in str(excinfo.value)


def test_unknown_protocol_names_the_known_ones() -> None:
    with pytest.raises(ProtocolError, match="unknown protocol 'marathon'") as excinfo:
        simulate("healthy", "marathon")
    for name in PROTOCOLS:
        assert name in str(excinfo.value)


# --- EMG burst trains --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_emg_bursts_truth_and_levels(seed: int) -> None:
    duration, fs = 60.0, 2000.0
    train = emg_bursts(duration, fs, seed=seed)
    assert train.fs_hz == fs
    assert train.emg_uv.shape == (round(duration * fs),)
    assert np.isfinite(train.emg_uv).all()
    on, off = train.onsets_s, train.offsets_s
    assert on.size >= 3 and on.size == off.size
    assert np.all(np.diff(on) > 0)
    lengths = off - on
    assert np.all((lengths >= 0.6) & (lengths <= 8.0))
    assert np.all(on[1:] - off[:-1] >= 1.5)  # gaps between bursts
    assert on[0] >= 1.5 and off[-1] <= duration - 1.0

    # Measured on the band-passed, notch-filtered signal: ~3 uV at rest, 20-80 uV (give or take) in bursts.
    x = sps.sosfiltfilt(sps.butter(4, [20.0, 350.0], btype="bandpass", fs=fs, output="sos"), train.emg_uv)
    b, a = sps.iirnotch(50.0, 30.0, fs)
    x = sps.filtfilt(b, a, x)
    t = np.arange(x.size) / fs
    rest = (t > 1.0) & (t < duration - 1.0)
    for o, f in zip(on, off, strict=True):
        rest &= ~((t > o - 0.3) & (t < f + 0.3))
    rms_rest = float(np.sqrt(np.mean(x[rest] ** 2)))
    assert 2.0 < rms_rest < 4.5
    for o, f in zip(on, off, strict=True):
        inside = x[(t > o + 0.1) & (t < f - 0.1)]
        assert 12.0 < float(np.sqrt(np.mean(inside**2))) < 90.0


def test_emg_bursts_is_seeded() -> None:
    a, b, c = emg_bursts(20.0, 1000.0, seed=4), emg_bursts(20.0, 1000.0, seed=4), emg_bursts(20.0, 1000.0, seed=5)
    assert np.array_equal(a.emg_uv, b.emg_uv) and np.array_equal(a.onsets_s, b.onsets_s)
    assert not np.array_equal(a.emg_uv, c.emg_uv)
