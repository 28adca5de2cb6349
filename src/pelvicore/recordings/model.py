"""The in-memory recording: uniformly sampled named channels with units, plus annotations."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pelvicore.errors import RecordingError

#: Units pelvicore understands, as written in CSV headers and EDF+ physical dimensions.
KNOWN_UNITS: dict[str, str] = {
    "cmh2o": "cmH2O",
    "mmhg": "mmHg",
    "pa": "Pa",
    "kpa": "kPa",
    "uv": "uV",
    "mv": "mV",
    "raw": "raw",
    "degc": "degC",
}


def canonical_unit(unit: str) -> str:
    """Return the canonical spelling of ``unit`` (``"cmh2o"`` -> ``"cmH2O"``, ``"µV"`` -> ``"uV"``).

    Raises ``RecordingError`` for a unit pelvicore does not know.
    """
    key = unit.strip().replace("µ", "u").replace("μ", "u").lower()
    if key not in KNOWN_UNITS:
        known = ", ".join(sorted(set(KNOWN_UNITS.values())))
        raise RecordingError(f"unknown unit {unit!r} (expected one of: {known})")
    return KNOWN_UNITS[key]


@dataclass(frozen=True, slots=True)
class Annotation:
    """A labelled moment or interval in a recording (a cue, a ground-truth contraction, a dropout)."""

    onset_s: float
    duration_s: float
    text: str


@dataclass(frozen=True, slots=True)
class Recording:
    """Uniformly sampled channels sharing one sampling rate.

    Parameters
    ----------
    fs_hz : float
        Sampling rate, Hz.
    signals : dict of str to ndarray, each shape (n_samples,)
        Channel name (``floor``, ``abdomen``, ``emg``...) to float64 samples.
    units : dict of str to str
        Channel name to canonical unit (see ``KNOWN_UNITS``).
    annotations : tuple of Annotation
        Cues, ground truth and signal problems, times relative to the first sample.
    start_s : float
        Time of the first sample, s.
    """

    fs_hz: float
    signals: dict[str, np.ndarray]
    units: dict[str, str]
    annotations: tuple[Annotation, ...] = ()
    start_s: float = 0.0
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not np.isfinite(self.fs_hz) or self.fs_hz <= 0:
            raise RecordingError(f"sampling rate must be > 0 Hz, got {self.fs_hz!r}")
        if not self.signals:
            raise RecordingError("a recording needs at least one channel")
        lengths = {name: len(x) for name, x in self.signals.items()}
        if len(set(lengths.values())) != 1:
            raise RecordingError(f"channels differ in length: {lengths}")
        missing = set(self.signals) - set(self.units)
        if missing:
            raise RecordingError(f"no unit given for channel(s) {sorted(missing)}")

    @property
    def n_samples(self) -> int:
        return len(next(iter(self.signals.values())))

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs_hz

    @property
    def channel_names(self) -> list[str]:
        return list(self.signals)

    def times_s(self) -> np.ndarray:
        """Sample times, s, shape (n_samples,)."""
        return self.start_s + np.arange(self.n_samples) / self.fs_hz
