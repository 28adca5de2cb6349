"""Relaxation: resting tone, how fast and how fully the floor lets go after each contraction.

Definitions, on the conditioned trace of a pressure channel (cmH2O; 8 Hz low-pass, 0.5 s running median) or the
6 Hz amplitude envelope of a surface-EMG channel (uV); contractions are those the analysis pipeline finds.
- ``resting_tone``: median of the trace outside contractions (from 0.5 s before each onset until 3 s after its
  release began); ``rest_pct_of_max``: that level as % of the highest level reached (calibrated units only).
- Per contraction, its rest level is the median of the 3 s before the onset, its top the highest level in the
  last 1.5 s before it ended, both as in ``perfect``. ``release_s``: from the last sample at >= 90 % of the top
  to the first at <= 10 % (above the rest level), searched until the next contraction or for 10 s; ``None``
  when the floor never got that low: an incomplete release.
- ``residual_pct``: the median level 2-3 s after the release began, above the rest level, as % of the top
  (0 = fully let go); ``None`` when the next contraction starts before then.
- The over-tight note appears when the median release is slower than 1 s (pressure; 0.6 s on the faster EMG
  envelope), when most releases never reach 10 %, when the median residual is above 10 %, or (EMG only) when the
  resting tone is above 15 % of the maximum. Resting pressure is reported but not judged: it carries abdominal
  pressure and the probe's fit as much as muscle tone. These are pelvicore's own screening thresholds, set on
  simulated people, not published cut-offs; resting tone and release time are the measures down-training
  follows (Glazer 1995, facts/clinical.md). The note never diagnoses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from pelvicore.analysis import analyze_recording
from pelvicore.assess._trace import (
    Trace,
    emg_envelope,
    pick_channel,
    pressure_trace,
    rounded,
    with_calibrated_units,
)
from pelvicore.assess.norms import DOWN_TRAINING_SOURCE
from pelvicore.recordings.model import Recording
from pelvicore.signal.frames import channel_kind

REST_BEFORE_S = 3.0
TOP_WINDOW_S = 1.5
RELEASE_LIMIT_S = 10.0
RESIDUAL_WINDOW_S = (2.0, 3.0)
#: Slower than this (median, 90 -> 10 %) is a slow release. The EMG envelope falls faster than pressure.
SLOW_RELEASE_S = {"pressure": 1.0, "emg": 0.6}
HIGH_RESIDUAL_PCT = 10.0
#: Resting EMG above this % of the maximum is a high resting tone. Resting pressure is reported, not judged:
#: it carries abdominal pressure and the probe's fit as much as the muscle's tone.
HIGH_REST_PCT: dict[str, float | None] = {"pressure": None, "emg": 15.0}

NOTE = (
    "This pattern can go with an over-active (over-tight) pelvic floor; a pelvic-health physiotherapist can check. "
    "Slow, full let-go after each squeeze and relaxed breathing are what relaxation training practises."
)


@dataclass(frozen=True, slots=True)
class Release:
    """How one contraction was let go: times in s, levels in the channel's unit."""

    onset_s: float
    release_start_s: float
    rest: float
    top: float
    release_s: float | None
    residual_pct: float | None

    def to_dict(self) -> dict[str, object]:
        return {
            "onset_s": rounded(self.onset_s, 3),
            "release_start_s": rounded(self.release_start_s, 3),
            "rest": rounded(self.rest),
            "top": rounded(self.top),
            "release_s": rounded(self.release_s, 2),
            "residual_pct": rounded(self.residual_pct, 1),
        }


@dataclass(frozen=True, slots=True)
class RelaxationAssessment:
    channel: str
    unit: str
    kind: Literal["pressure", "emg"]
    resting_tone: float
    maximum: float | None
    rest_pct_of_max: float | None
    releases: tuple[Release, ...]

    @property
    def release_s(self) -> float | None:
        """Median release time of the releases that finished, s."""
        done = [r.release_s for r in self.releases if r.release_s is not None]
        return float(np.median(done)) if done else None

    @property
    def incomplete(self) -> int:
        return sum(r.release_s is None for r in self.releases)

    @property
    def residual_pct(self) -> float | None:
        kept = [r.residual_pct for r in self.releases if r.residual_pct is not None]
        return float(np.median(kept)) if kept else None

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the over-tight note appears, in plain words; empty when it does not."""
        out = []
        u = self.unit
        high_rest = HIGH_REST_PCT[self.kind]
        if self.rest_pct_of_max is not None and high_rest is not None and self.rest_pct_of_max > high_rest:
            out.append(
                f"resting tone is high: {self.resting_tone:.1f} {u}, {self.rest_pct_of_max:.0f} % of the highest level"
            )
        if self.release_s is not None and self.release_s > SLOW_RELEASE_S[self.kind]:
            out.append(f"releases are slow: median {self.release_s:.1f} s from 90 % to 10 %")
        if self.releases and self.incomplete > len(self.releases) / 2:
            out.append(f"{self.incomplete} of {len(self.releases)} releases never came down to 10 %")
        if self.residual_pct is not None and self.residual_pct > HIGH_RESIDUAL_PCT:
            out.append(f"releases are incomplete: median {self.residual_pct:.0f} % of the squeeze left after 2-3 s")
        return tuple(out)

    def criterion(self) -> str:
        high_rest = HIGH_REST_PCT[self.kind]
        return (
            f"median release > {SLOW_RELEASE_S[self.kind]:g} s, most releases incomplete, median residual > "
            f"{HIGH_RESIDUAL_PCT:g} %"
            + (f", or resting tone > {high_rest:g} % of the maximum" if high_rest else "")
            + " (pelvicore's screening thresholds, not published cut-offs)"
        )

    @property
    def over_tight(self) -> bool:
        return bool(self.reasons)

    def to_dict(self) -> dict[str, object]:
        return {
            "protocol": "relaxation",
            "channel": self.channel,
            "resting_tone": rounded(self.resting_tone),
            "maximum": rounded(self.maximum),
            "rest_pct_of_max": rounded(self.rest_pct_of_max, 1),
            "release_s": rounded(self.release_s, 2),
            "incomplete_releases": self.incomplete,
            "residual_pct": rounded(self.residual_pct, 1),
            "releases": [r.to_dict() for r in self.releases],
            "over_tight": self.over_tight,
            "reasons": list(self.reasons),
            "note": self.note,
            "criteria": {
                "release": "90 % -> 10 % of the squeeze above its rest level",
                "residual": "level 2-3 s after the release began, % of the squeeze",
                "over_tight": self.criterion(),
            },
            "units": {
                "level": self.unit,
                "time": "s",
                "rest_pct_of_max": "% of the highest level",
                "residual_pct": "% of the squeeze",
            },
            "sources": self.sources(),
        }

    @property
    def note(self) -> str | None:
        """What the pattern may mean and who can check it — never a diagnosis; ``None`` without a pattern."""
        return NOTE if self.over_tight else None

    def sources(self) -> list[str]:
        return [DOWN_TRAINING_SOURCE]


def assess_relaxation(rec: Recording, *, channel: str | None = None) -> RelaxationAssessment:
    """Measure resting tone and releases on ``channel`` (default ``floor``, else ``emg``, else the first)."""
    calibrated = with_calibrated_units(rec)
    if channel is None:
        channel = next((n for n in ("floor", "emg") if n in rec.units), None)
    name = pick_channel(rec, channel, want="pressure", purpose="the relaxation assessment")
    unit = calibrated.units[name]
    kind: Literal["pressure", "emg"] = "emg" if channel_kind(name, unit) == "emg" else "pressure"
    x = calibrated.signals[name]
    trace = emg_envelope(x, rec.fs_hz) if kind == "emg" else pressure_trace(x, rec.fs_hz)
    found = analyze_recording(calibrated, channel=name).contractions
    releases = []
    busy = np.zeros(trace.values.size, dtype=bool)
    previous_offset = -np.inf
    for k, c in enumerate(found):
        next_onset = found[k + 1].onset_s if k + 1 < len(found) else np.inf
        releases.append(_release(trace, c.onset_s, c.offset_s, c.rest_level, previous_offset, next_onset))
        previous_offset = c.offset_s
        busy[trace.index(c.onset_s - 0.5) : trace.index(releases[-1].release_start_s + RESIDUAL_WINDOW_S[1])] = True
    quiet = trace.values[~busy]
    if quiet.size >= 2 * trace.fs_hz or not releases:
        resting = float(np.median(quiet if quiet.size else trace.values))
    else:
        resting = float(np.median([r.rest for r in releases]))
    calibrated_unit = unit in ("cmH2O", "uV")
    maximum = float(np.max(trace.values)) if releases else None
    rest_pct = 100.0 * resting / maximum if calibrated_unit and maximum and maximum > 0 else None
    return RelaxationAssessment(name, unit, kind, resting, maximum, rest_pct, tuple(releases))


def _release(
    trace: Trace, onset_s: float, offset_s: float, fallback_rest: float, previous_offset_s: float, next_onset_s: float
) -> Release:
    start = max(onset_s - REST_BEFORE_S, previous_offset_s + 0.5)
    rest = trace.median(start, onset_s) if onset_s - start >= 1.0 else None
    rest = fallback_rest if rest is None else rest
    i0 = trace.index(max(onset_s, offset_s - TOP_WINDOW_S))
    i1 = max(trace.index(offset_s), i0 + 1)
    top_part = trace.values[i0:i1]
    top = float(top_part.max()) - rest if top_part.size else 0.0
    if top <= 0:
        return Release(onset_s, offset_s, rest, top, None, None)
    j90 = i0 + int(np.flatnonzero(top_part >= rest + 0.9 * top)[-1])
    t90 = trace.time(j90)
    after = trace.values[j90 : trace.index(min(next_onset_s, t90 + RELEASE_LIMIT_S))]
    low = np.flatnonzero(after <= rest + 0.1 * top)
    release_s = float(low[0]) / trace.fs_hz if low.size else None
    residual = None
    r0, r1 = t90 + RESIDUAL_WINDOW_S[0], t90 + RESIDUAL_WINDOW_S[1]
    if r1 <= next_onset_s - 0.25:
        level = trace.median(r0, r1)
        residual = None if level is None else 100.0 * max(0.0, level - rest) / top
    return Release(onset_s, t90, rest, top, release_s, residual)
