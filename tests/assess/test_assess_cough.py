"""Cough test (the Knack) against the simulator's ground truth and on hand-made coughs."""

from __future__ import annotations

import numpy as np
import pytest

from pelvicore.assess.cough import assess_cough
from pelvicore.devices.simulator import PERSONS
from pelvicore.errors import SignalError
from pelvicore.recordings.model import Recording
from pelvicore.simulation import simulate


@pytest.mark.parametrize("profile", list(PERSONS))
def test_knack_matches_the_simulator(profile: str) -> None:
    """Healthy people in the simulator do the Knack before every cough; the others never do."""
    knack = PERSONS[profile].knack
    for seed in range(4):
        sim = simulate(profile, "cough", seed=seed)
        truth = [e.onset_s + 0.15 for e in sim.events if e.kind == "cough"]  # the cough peaks
        for rec in (sim.recording, Recording(50.0, {"floor": sim.recording.signals["floor"]}, {"floor": "cmH2O"})):
            result = assess_cough(rec)
            assert [c.peak_s for c in result.coughs] == pytest.approx(truth, abs=0.05)
            assert [c.knack for c in result.coughs] == [knack] * len(truth)
            assert result.knack_pct == (100.0 if knack else 0.0)
            if knack:
                assert all(0.3 < c.lead_s < 1.0 for c in result.coughs)  # type: ignore[operator]


def handmade(kind: str, fs_hz: float = 100.0) -> Recording:
    """One cough at 10 s (abdomen +60, floor +30 cmH2O, 0.1 s SD) after a floor squeeze of 15 cmH2O."""
    rng = np.random.default_rng(1)
    t = np.arange(0, 20, 1 / fs_hz)
    spike = 60 * np.exp(-0.5 * ((t - 10) / 0.1) ** 2)
    squeeze = {"knack": (9.0, 11.0), "early release": (9.0, 9.9), "none": (0.0, 0.0)}[kind]
    on, off = squeeze
    floor = 25 + 15 * np.clip(np.minimum((t - on) / 0.2, (off - t) / 0.2), 0, 1) + 0.5 * spike
    abdomen = 30 + spike + 1.5 * np.sin(2 * np.pi * 0.25 * t)
    noise = rng.normal(0, 0.3, (2, t.size))
    return Recording(
        fs_hz, {"floor": floor + noise[0], "abdomen": abdomen + noise[1]}, {"floor": "mmHg", "abdomen": "mmHg"}
    )


@pytest.mark.parametrize(
    ("kind", "pre", "held"), [("knack", True, True), ("early release", True, False), ("none", False, False)]
)
def test_handmade_coughs(kind: str, pre: bool, held: bool) -> None:
    result = assess_cough(handmade(kind))
    (cough,) = result.coughs
    assert cough.peak_s == pytest.approx(10.0, abs=0.02)
    assert cough.spike_cmh2o == pytest.approx(60 * 1.35951, rel=0.1)  # mmHg converted
    assert (cough.pre_contraction, cough.held, cough.knack) == (pre, held, pre and held)
    assert result.to_dict()["knack_pct"] == (100.0 if pre and held else 0.0)


def test_no_cough() -> None:
    rec = Recording(50.0, {"floor": 25 + np.zeros(1000)}, {"floor": "cmH2O"})
    result = assess_cough(rec)
    assert result.coughs == () and result.knack_pct is None


def test_needs_calibrated_pressure() -> None:
    with pytest.raises(SignalError, match="needs a pressure channel"):
        assess_cough(Recording(1000.0, {"emg": np.zeros(5000)}, {"emg": "uV"}))
    with pytest.raises(SignalError, match="calibrated pressure"):
        assess_cough(Recording(50.0, {"floor": np.zeros(500)}, {"floor": "raw"}))
