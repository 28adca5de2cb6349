"""PERFECT on squeeze pressure: power and its Angelo 2017 class, endurance, repetitions, fast, each contraction timed.

Definitions (PERFECT scheme: Laycock & Jerwood 2001, Physiotherapy 87(12):631-642; classes: Angelo et al. 2017,
PLoS ONE 12(10):e0187045). Pressure is in cmH2O (mmHg, kPa and Pa are converted), on the conditioned floor trace
(8 Hz low-pass, 0.5 s running median); contractions are those the analysis pipeline finds.
- Each contraction's height is the level of its top minus its rest level. The rest level is the median of the
  3 s before the onset (from 0.5 s after the previous contraction ended, up to 0.25 s before the onset; the
  detector's pre-contraction level if less than 1 s of rest is left). The top is the median of the samples
  within 10 % of the squeeze, or within 1.5 x the resting trace's breathing swing (peak to peak, taken as
  2 sqrt(2) x its SD), whichever is wider, of the highest one: a single crest would add breathing to the squeeze.
- ``power_cmh2o``: the highest contraction height; ``power_class`` its Angelo 2017 class (very weak 7.5-14.5,
  weak 14.6-26.5, moderate 26.6-41.5, good 41.6-60.5, strong > 60.6 cmH2O); ``None`` below 7.5 cmH2O.
- ``endurance_s`` (E): the longest time one contraction stays at >= 50 % of ``power_cmh2o`` — PERFECT times how
  long a maximal contraction is held; pelvicore ends the hold when the squeeze has lost half the power. Not capped
  (PERFECT scores at most 10 s).
- ``repetitions`` (R): the number of contractions, the first included, that hold >= 50 % of the power for at
  least 80 % of E (E counted up to 10 s) and at least 2 s.
- ``fast`` (F): the number of contractions lasting <= 2 s (onset to end of release) that reach >= 50 % of the
  power.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from pelvicore.analysis import analyze_recording
from pelvicore.assess._trace import Trace, pick_channel, pressure_trace, rounded, with_calibrated_units
from pelvicore.assess.norms import ANGELO_2017, PERFECT_SOURCE, PowerClass, power_class
from pelvicore.errors import SignalError
from pelvicore.recordings.model import Recording
from pelvicore.signal.events import Contraction

HOLD_FRACTION = 0.5
REPETITION_FRACTION = 0.8
MIN_REPETITION_S = 2.0
PERFECT_MAX_S = 10.0
FAST_MAX_S = 2.0
REST_BEFORE_S = 3.0
TOP_FRACTION = 0.9


@dataclass(frozen=True, slots=True)
class TimedContraction:
    """One contraction: times in s from the first sample, height above its rest level in cmH2O."""

    onset_s: float
    peak_s: float
    offset_s: float
    height_cmh2o: float
    rest_cmh2o: float
    hold_s: float
    counted_as: Literal["repetition", "fast"] | None = None

    @property
    def duration_s(self) -> float:
        return self.offset_s - self.onset_s

    def to_dict(self) -> dict[str, object]:
        return {
            "onset_s": rounded(self.onset_s, 3),
            "peak_s": rounded(self.peak_s, 3),
            "offset_s": rounded(self.offset_s, 3),
            "duration_s": rounded(self.duration_s, 3),
            "peak_cmh2o": rounded(self.height_cmh2o),
            "rest_cmh2o": rounded(self.rest_cmh2o),
            "hold_s": rounded(self.hold_s, 2),
            "counted_as": self.counted_as,
        }


@dataclass(frozen=True, slots=True)
class PerfectAssessment:
    channel: str
    unit_in_file: str
    power_cmh2o: float | None
    power_class: PowerClass | None
    endurance_s: float
    repetitions: int
    fast: int
    contractions: tuple[TimedContraction, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "protocol": "perfect",
            "channel": self.channel,
            "power_cmh2o": rounded(self.power_cmh2o),
            "power_class": self.power_class,
            "endurance_s": rounded(self.endurance_s, 2),
            "repetitions": self.repetitions,
            "fast": self.fast,
            "contractions": [c.to_dict() for c in self.contractions],
            "criteria": {
                "rest": "median of the 3 s before each onset",
                "endurance": f"longest time at >= {HOLD_FRACTION:.0%} of power",
                "repetition": (
                    f"held at >= {HOLD_FRACTION:.0%} of power for >= {REPETITION_FRACTION:.0%} of the endurance "
                    f"time (up to {PERFECT_MAX_S:g} s) and >= {MIN_REPETITION_S:g} s"
                ),
                "fast": f"lasting <= {FAST_MAX_S:g} s and reaching >= {HOLD_FRACTION:.0%} of power",
                "power_class": "Angelo 2017: very weak 7.5-14.5, weak 14.6-26.5, moderate 26.6-41.5, "
                "good 41.6-60.5, strong > 60.6 cmH2O above rest; none below 7.5",
            },
            "units": {
                "pressure": "cmH2O"
                + (f" (converted from {self.unit_in_file})" if self.unit_in_file != "cmH2O" else ""),
                "time": "s",
                "repetitions": "count",
                "fast": "count",
            },
            "sources": self.sources(),
        }

    def sources(self) -> list[str]:
        return [PERFECT_SOURCE, f"Power classes: {ANGELO_2017}"]


def _longest_run(mask: np.ndarray) -> int:
    if not mask.any():
        return 0
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return int(np.max(np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)))


def _height(trace: Trace, c: Contraction, previous_offset_s: float) -> tuple[float, float, float]:
    """Rest level, height above it, and the time of the peak."""
    start = max(c.onset_s - REST_BEFORE_S, previous_offset_s + 0.5)
    before = trace.between(start, c.onset_s - 0.25) if c.onset_s - start >= 1.0 else np.empty(0)
    rest = float(np.median(before)) if before.size else c.rest_level
    # Breathing swings the resting trace by about 2 sqrt(2) SD peak to peak (a sine's SD is its amplitude
    # / sqrt 2), and the top of the squeeze as much; 1.5 x that keeps whole breaths in the top's median.
    swing = 1.5 * 2 * np.sqrt(2) * float(before.std()) if before.size else 0.0
    i0, i1 = trace.index(c.onset_s), max(trace.index(c.offset_s), trace.index(c.onset_s) + 1)
    body = trace.values[i0:i1]
    if body.size == 0:
        return rest, 0.0, c.onset_s
    k = int(np.argmax(body))
    top = body[body >= body[k] - max((1 - TOP_FRACTION) * (body[k] - rest), swing)]
    return rest, float(np.median(top)) - rest, trace.time(i0 + k)


def assess_perfect(rec: Recording, *, channel: str | None = None) -> PerfectAssessment:
    """Run the PERFECT assessment on a pressure channel (default ``floor``, else the first pressure channel).

    Raises
    ------
    SignalError
        No pressure channel, or a pressure channel in raw (uncalibrated) units.
    """
    name = pick_channel(rec, channel, want="pressure", purpose="PERFECT (squeeze pressure)")
    unit = rec.units[name]
    if unit not in ("cmH2O", "mmHg", "kPa", "Pa"):
        raise SignalError(
            f"channel {name!r} is in {unit!r}; PERFECT classes need a calibrated pressure in cmH2O, mmHg, kPa or Pa"
        )
    calibrated = with_calibrated_units(rec)
    found = analyze_recording(calibrated, channel=name).contractions
    trace = pressure_trace(calibrated.signals[name], rec.fs_hz)
    measured = []
    previous_offset = -np.inf
    for c in found:
        rest, height, peak_s = _height(trace, c, previous_offset)
        measured.append((c, rest, height, peak_s))
        previous_offset = c.offset_s
    power = max((m[2] for m in measured), default=None)
    level = HOLD_FRACTION * (power or 0.0)
    holds = []
    for c, rest, _, _ in measured:
        above = trace.between(c.onset_s, c.offset_s + 1.0) - rest >= level
        holds.append(_longest_run(above) / trace.fs_hz)
    endurance = max(holds, default=0.0)
    needed = max(MIN_REPETITION_S, REPETITION_FRACTION * min(endurance, PERFECT_MAX_S))
    timed = []
    for (c, rest, height, peak_s), hold in zip(measured, holds, strict=True):
        counted: Literal["repetition", "fast"] | None = None
        if power and hold >= needed:
            counted = "repetition"
        elif power and c.duration_s <= FAST_MAX_S and height >= level:
            counted = "fast"
        timed.append(TimedContraction(c.onset_s, peak_s, c.offset_s, height, rest, hold, counted))
    return PerfectAssessment(
        name,
        unit,
        power,
        power_class(power),
        endurance,
        sum(t.counted_as == "repetition" for t in timed),
        sum(t.counted_as == "fast" for t in timed),
        tuple(timed),
    )
