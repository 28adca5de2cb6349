"""What the pipeline reports: contractions, signal problems, and the calibration they imply."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any, Literal, get_args

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

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> Contraction:
        """A contraction as ``to_dict`` wrote it (other keys ignored); ``ValueError`` naming what is missing or
        wrong in anything else (a hand-edited archive, a damaged record)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in stored:
                if f.default is MISSING:
                    raise ValueError(f"a contraction needs {f.name!r}")
                continue
            value = stored[f.name]
            if f.name in _TEXTS:
                ok = isinstance(value, str) and (f.name != "technique" or value in get_args(Technique))
            else:
                ok = (value is None and f.name in _OPTIONAL) or (
                    isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
                )
            if not ok:
                raise ValueError(f"a contraction's {f.name!r} cannot be {value!r}")
            values[f.name] = value
        return cls(**values)


_TEXTS = frozenset({"channel", "unit", "technique"})
_OPTIONAL = frozenset(
    {"release_s", "residual_pct", "decline_pct", "abdominal_rise", "median_freq_hz", "median_freq_slope_hz_per_s"}
)


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
