"""The public Python API: ``pelvicore.__all__``, lazy attribute access and ``pelvicore.analyze``."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import pelvicore
from pelvicore.errors import SignalError

# As built in src/pelvicore/__init__.py: the sorted lazy exports, then ``__version__``.
EXPECTED_ALL = [
    "Analysis",
    "Calibration",
    "Contraction",
    "Frame",
    "PelvicoreError",
    "Pipeline",
    "Recording",
    "SignalProblem",
    "analyze",
    "analyze_recording",
    "read_recording",
    "simulate",
    "write_recording",
    "__version__",
]

# Where each lazily exported name really lives.
HOMES = {
    "analyze": "pelvicore.analysis",
    "analyze_recording": "pelvicore.analysis",
    "Analysis": "pelvicore.analysis",
    "Pipeline": "pelvicore.signal.pipeline",
    "Frame": "pelvicore.signal.frames",
    "Contraction": "pelvicore.signal.events",
    "SignalProblem": "pelvicore.signal.events",
    "Calibration": "pelvicore.signal.events",
    "Recording": "pelvicore.recordings.model",
    "read_recording": "pelvicore.recordings",
    "write_recording": "pelvicore.recordings",
    "simulate": "pelvicore.simulation",
    "PelvicoreError": "pelvicore.errors",
}

FS = 50.0
ONSETS = (10.0, 25.0, 40.0)
SQUEEZE_S = 5.0
RAMP_S = 0.3
AMPLITUDE = 25.0


def test_all_is_the_expected_list() -> None:
    assert pelvicore.__all__ == EXPECTED_ALL
    assert pelvicore.__all__[:-1] == sorted(pelvicore.__all__[:-1])
    assert set(HOMES) | {"__version__"} == set(pelvicore.__all__)


@pytest.mark.parametrize("name", EXPECTED_ALL)
def test_every_exported_name_resolves(name: str) -> None:
    value = getattr(pelvicore, name)
    assert value is not None
    if name == "__version__":
        assert isinstance(value, str) and value
    else:
        assert value is getattr(importlib.import_module(HOMES[name]), name)


def test_star_import_gives_every_name() -> None:
    namespace: dict[str, object] = {}
    exec("from pelvicore import *", namespace)
    assert set(EXPECTED_ALL) <= set(namespace)
    assert namespace["analyze"] is pelvicore.analyze


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = pelvicore.no_such_thing  # type: ignore[attr-defined]
    assert not hasattr(pelvicore, "Analyse")


def test_errors_share_one_base_class() -> None:
    assert issubclass(SignalError, pelvicore.PelvicoreError)


def _squeezes(t: np.ndarray) -> np.ndarray:
    """Three 5 s squeezes of 25 cmH2O with 0.3 s linear ramps, starting at ``ONSETS``."""
    out = np.zeros_like(t)
    for on in ONSETS:
        up = np.clip((t - on) / RAMP_S, 0.0, 1.0)
        down = np.clip((on + SQUEEZE_S - t) / RAMP_S, 0.0, 1.0)
        out += AMPLITUDE * np.minimum(up, down)
    return out


@pytest.fixture
def trace() -> tuple[np.ndarray, np.ndarray]:
    """(floor pressure with noise, the clean squeeze shape) at 50 Hz, 60 s, resting at 20 cmH2O."""
    rng = np.random.default_rng(2024)
    t = np.arange(0.0, 60.0, 1 / FS)
    shape = _squeezes(t)
    return 20.0 + shape + 0.3 * rng.standard_normal(t.size), shape


def test_analyze_finds_the_three_squeezes(trace: tuple[np.ndarray, np.ndarray]) -> None:
    floor, _ = trace
    result = pelvicore.analyze(floor, FS, unit="cmH2O")
    assert isinstance(result, pelvicore.Analysis)
    assert result.channel == "floor" and result.unit == "cmH2O"
    assert result.fs_hz == FS
    assert result.duration_s == pytest.approx(60.0)
    assert len(result.contractions) == 3
    for c, on in zip(result.contractions, ONSETS, strict=True):
        assert isinstance(c, pelvicore.Contraction)
        assert abs(c.onset_s - on) <= 0.3
        assert c.peak == pytest.approx(AMPLITUDE, rel=0.10)
        assert c.offset_s > c.onset_s + 0.5 * SQUEEZE_S
        # One zone cannot tell lifting from pushing.
        assert c.technique == "unknown"
    assert result.calibration is not None
    assert result.calibration.rest == pytest.approx(20.0, abs=1.5)


@pytest.mark.parametrize(("ratio", "technique"), [(1.2, "push"), (0.1, "lift")])
def test_analyze_two_zones_tells_push_from_lift(
    trace: tuple[np.ndarray, np.ndarray], ratio: float, technique: str
) -> None:
    floor, shape = trace
    rng = np.random.default_rng(99)
    abdomen = 25.0 + ratio * shape + 0.3 * rng.standard_normal(shape.size)
    result = pelvicore.analyze({"floor": floor, "abdomen": abdomen}, FS, unit="cmH2O")
    assert result.channel == "floor"
    assert len(result.contractions) == 3
    for c, on in zip(result.contractions, ONSETS, strict=True):
        assert abs(c.onset_s - on) <= 0.3
        assert c.technique == technique
        assert c.abdominal_rise is not None
        assert c.abdominal_rise == pytest.approx(ratio * AMPLITUDE, rel=0.25, abs=1.5)
    summary = result.to_dict()["summary"]
    assert isinstance(summary, dict)
    assert summary["pushes"] == (3 if technique == "push" else 0)


def test_analyze_rejects_a_2d_array() -> None:
    with pytest.raises(SignalError, match="1-D"):
        pelvicore.analyze(np.zeros((100, 2)), FS, unit="cmH2O")


def test_analyze_unknown_channel_raises_signal_error(trace: tuple[np.ndarray, np.ndarray]) -> None:
    floor, _ = trace
    with pytest.raises(SignalError, match="abdomen"):
        pelvicore.analyze(floor, FS, unit="cmH2O", channel="abdomen")
