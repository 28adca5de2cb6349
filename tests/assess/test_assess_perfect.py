"""PERFECT: squeeze power and its Angelo 2017 class on independent signals and the simulator; E, R, F, timing."""

from __future__ import annotations

import numpy as np
import pytest
from assess_synth import squeezes

from pelvicore.assess.norms import power_class
from pelvicore.assess.perfect import assess_perfect
from pelvicore.errors import SignalError
from pelvicore.recordings.model import Recording
from pelvicore.simulation import simulate

#: Issue 5: maximal squeezes of these heights above rest must give these classes, power within ±10 %.
EXPECTED = {10.0: "very weak", 20.0: "weak", 33.0: "moderate", 50.0: "good", 72.0: "strong"}
#: cmH2O per unit, to write the same signal in other units.
PER_UNIT = {"cmH2O": 1.0, "mmHg": 1.35951, "kPa": 10.1972}


def pressure(floor: np.ndarray, abdomen: np.ndarray, fs_hz: float, unit: str = "cmH2O") -> Recording:
    k = PER_UNIT[unit]
    return Recording(fs_hz, {"floor": floor / k, "abdomen": abdomen / k}, {"floor": unit, "abdomen": unit})


@pytest.mark.parametrize("max_cmh2o", list(EXPECTED))
@pytest.mark.parametrize(("seed", "fs_hz", "unit"), [(0, 50.0, "cmH2O"), (1, 20.0, "mmHg"), (2, 100.0, "kPa")])
def test_power_and_class_on_an_independent_generator(max_cmh2o: float, seed: int, fs_hz: float, unit: str) -> None:
    floor, abdomen = squeezes(seed, fs_hz, max_cmh2o)
    p = assess_perfect(pressure(floor, abdomen, fs_hz, unit))
    assert p.power_cmh2o == pytest.approx(max_cmh2o, rel=0.1)
    assert p.power_class == EXPECTED[max_cmh2o]
    assert p.unit_in_file == unit
    assert len(p.contractions) == 3
    assert p.endurance_s == pytest.approx(5.0, abs=0.6)  # 5 s holds, fading by at most 8 %
    assert p.repetitions == 3 and p.fast == 0


def test_power_is_steady_across_seeds() -> None:
    errors = []
    for seed in range(3, 9):
        for max_cmh2o in (10.0, 72.0):
            p = assess_perfect(pressure(*squeezes(seed, 50.0, max_cmh2o), 50.0))
            errors.append(100 * (p.power_cmh2o / max_cmh2o - 1))  # type: ignore[operator]
    assert max(np.abs(errors)) < 10


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7.4, None),
        (7.5, "very weak"),
        (14.5, "very weak"),
        (14.6, "weak"),
        (26.5, "weak"),
        (26.6, "moderate"),
        (41.5, "moderate"),
        (41.6, "good"),
        (60.5, "good"),
        (60.6, "strong"),
        (None, None),
    ],
)
def test_angelo_class_boundaries(value: float | None, expected: str | None) -> None:
    assert power_class(value) == expected


@pytest.mark.parametrize(("profile", "seed"), [("healthy", 0), ("healthy", 1), ("weak", 0), ("bearing-down", 0)])
def test_simulated_perfect_session(profile: str, seed: int) -> None:
    """3 maximal squeezes, 5 holds of 10 s, 10 fast contractions (training/protocols.py)."""
    sim = simulate(profile, "perfect", seed=seed)
    p = assess_perfect(sim.recording)
    assert p.power_cmh2o == pytest.approx(max(c.peak_cmh2o for c in sim.contractions), rel=0.1)
    assert p.endurance_s == pytest.approx(10.0, abs=1.0)
    assert p.repetitions == 5 and p.fast == 10
    onsets = np.array([c.onset_s for c in p.contractions])
    assert onsets.size == len(sim.contractions)
    for truth in sim.contractions:
        assert np.min(np.abs(onsets - truth.onset_s)) < 0.3
    for c in p.contractions:
        assert c.onset_s < c.peak_s < c.offset_s


def test_json_shape() -> None:
    data = assess_perfect(simulate("healthy", "perfect", seed=0).recording).to_dict()
    assert data["protocol"] == "perfect"
    for key in ("power_cmh2o", "power_class", "endurance_s", "repetitions", "fast", "contractions", "units", "sources"):
        assert key in data
    contraction = data["contractions"][0]  # type: ignore[index]
    assert {"onset_s", "peak_s", "duration_s", "peak_cmh2o", "hold_s", "counted_as"} <= set(contraction)
    assert any("Angelo" in s for s in data["sources"])  # type: ignore[union-attr]


def test_no_contraction() -> None:
    rest = 20 + np.random.default_rng(0).normal(0, 0.2, 3000)
    p = assess_perfect(Recording(50.0, {"floor": rest}, {"floor": "cmH2O"}))
    assert p.power_cmh2o is None and p.power_class is None and p.endurance_s == 0 and p.contractions == ()


def test_raw_pressure_and_emg_are_refused() -> None:
    with pytest.raises(SignalError, match="calibrated pressure"):
        assess_perfect(Recording(50.0, {"floor": np.zeros(500)}, {"floor": "raw"}))
    with pytest.raises(SignalError, match="needs a pressure channel"):
        assess_perfect(Recording(1000.0, {"emg": np.zeros(5000)}, {"emg": "uV"}))
