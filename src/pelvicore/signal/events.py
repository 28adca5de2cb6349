"""What the pipeline reports: contractions, signal problems, and the calibration they imply."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from pelvicore.signal.technique import Technique


@dataclass(frozen=True, slots=True)
class Contraction:
    """One contraction. Amplitudes are above the pre-contraction level, in ``unit``; times in s.

    See ``pelvicore.signal.metrics`` for the definition of each measure.
    """

    channel: str
    unit: str
    onset_s: float
    offset_s: float
    peak: float
    peak_s: float
    mean: float
    rise_s: float
    hold_s: float
    release_s: float | None
    residual_pct: float | None
    decline_pct: float | None
    technique: Technique
    abdominal_rise: float | None
    rest_level: float
    median_freq_hz: float | None = None
    median_freq_slope_hz_per_s: float | None = None

    @property
    def duration_s(self) -> float:
        return self.offset_s - self.onset_s

    def to_dict(self) -> dict[str, object]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class SignalProblem:
    """Something wrong with the signal itself: lost samples or invalid (non-finite) values."""

    kind: Literal["dropout", "invalid"]
    start_s: float
    duration_s: float
    message: str

    def to_dict(self) -> dict[str, object]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


Event = Contraction | SignalProblem


@dataclass(frozen=True, slots=True)
class Calibration:
    """Rest baseline (resting tone) and maximum voluntary contraction above it, both in ``unit``."""

    rest: float
    mvc: float
    unit: str

    def percent_of_max(self, value: float) -> float:
        return 100.0 * value / self.mvc if self.mvc > 0 else float("nan")
