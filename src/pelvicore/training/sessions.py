"""What a plan learns from a training session: the target it asked for and each contraction's peak, hold and form.

A session summary comes from a live session, from ``pelvicore analyze`` of a recording (``session_from_analysis``
labels each contraction with the cue it answered), or from a JSON file (``sessions_from_json``)::

    [{"date": "2025-03-03", "target_hold_s": 5, "target_reps": 8, "rest_level": 24.1,
      "contractions": [{"peak": 9.1, "hold_s": 4.6, "technique": "lift", "kind": "hold"}, ...]}, ...]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, get_args

from pelvicore.signal.technique import Technique
from pelvicore.training.errors import PlanError
from pelvicore.training.protocols import Protocol, Step

if TYPE_CHECKING:
    from pelvicore.analysis import Analysis

# Cue kinds whose contractions are the session's target holds (see library.py).
HOLD_KINDS = frozenset({"hold", "gentle", "lift"})
# Cue kinds of voluntary squeezes; the strongest of them is the session's maximum.
SQUEEZE_KINDS = HOLD_KINDS | {"fast", "maximal", "endurance", "elevator"}
# A contraction that starts this long after its cue ended still answers that cue (reaction time).
CUE_GRACE_S = 1.5

_SESSION_KEYS = ("date", "target_hold_s", "target_reps", "contractions", "rest_level")


@dataclass(frozen=True, slots=True)
class RepSummary:
    """One contraction of a session. ``peak`` is above rest in the session's unit; ``hold_s`` is time at >= 75 % of
    the peak (the analysis' measure); ``kind`` is the cue it answered (``hold``, ``fast``...), if known."""

    peak: float
    hold_s: float
    technique: Technique = "unknown"
    kind: str | None = None
    release_s: float | None = None
    residual_pct: float | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "peak": round(self.peak, 3),
            "hold_s": round(self.hold_s, 3),
            "technique": self.technique,
            "kind": self.kind,
            "release_s": None if self.release_s is None else round(self.release_s, 3),
            "residual_pct": None if self.residual_pct is None else round(self.residual_pct, 2),
        }


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One session: its day, the asked-for hold (s) and number of holds, every contraction, the resting level."""

    day: date
    target_hold_s: float
    target_reps: int
    contractions: tuple[RepSummary, ...]
    rest_level: float | None = None

    def holds(self) -> tuple[RepSummary, ...]:
        """The contractions that answered a hold cue; with no cue labels, the first ``target_reps`` contractions
        (a plan's session always starts with its holds)."""
        if any(c.kind is not None for c in self.contractions):
            return tuple(c for c in self.contractions if c.kind in HOLD_KINDS)
        return self.contractions[: self.target_reps]

    def best_peak(self) -> float:
        """The strongest voluntary squeeze of the session (coughs and unprompted contractions left out)."""
        peaks = [c.peak for c in self.contractions if c.kind is None or c.kind in SQUEEZE_KINDS]
        return max(peaks, default=0.0)

    def to_dict(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat(),
            "target_hold_s": self.target_hold_s,
            "target_reps": self.target_reps,
            "rest_level": None if self.rest_level is None else round(self.rest_level, 3),
            "contractions": [c.to_dict() for c in self.contractions],
        }


def _number(obj: Mapping[str, object], key: str, where: str, *, low: float = 0.0, optional: bool = False) -> float:
    value = obj.get(key)
    if value is None and optional:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < low:
        raise PlanError(f"{where}: {key} must be a number >= {low:g}, got {value!r}")
    return float(value)


def _rep(obj: object, where: str) -> RepSummary:
    if not isinstance(obj, Mapping):
        raise PlanError(f"{where}: expected an object with peak and hold_s, got {type(obj).__name__}")
    technique = obj.get("technique", "unknown")
    if technique not in get_args(Technique):
        raise PlanError(f"{where}: technique must be one of {', '.join(get_args(Technique))}, got {technique!r}")
    kind = obj.get("kind")
    if kind is not None and not isinstance(kind, str):
        raise PlanError(f"{where}: kind must be a string such as 'hold', got {kind!r}")
    release = _number(obj, "release_s", where, optional=True)
    residual = _number(obj, "residual_pct", where, optional=True)
    return RepSummary(
        _number(obj, "peak", where),
        _number(obj, "hold_s", where),
        technique,
        kind,
        None if math.isnan(release) else release,
        None if math.isnan(residual) else residual,
    )


def session_from_json(obj: object, where: str = "session") -> SessionSummary:
    """Check one decoded JSON session and build a :class:`SessionSummary`; ``PlanError`` names what is wrong.

    Contraction objects may carry other keys (the whole of ``pelvicore analyze --json``'s contraction): only
    ``peak``, ``hold_s``, ``technique``, ``kind``, ``release_s`` and ``residual_pct`` are read.
    """
    if not isinstance(obj, Mapping):
        raise PlanError(f"{where}: expected an object with date, target_hold_s, target_reps and contractions")
    unknown = sorted(set(obj) - set(_SESSION_KEYS))
    if unknown:
        raise PlanError(f"{where}: unknown key {unknown[0]!r} (expected: {', '.join(_SESSION_KEYS)})")
    raw_day = obj.get("date")
    try:
        day = date.fromisoformat(raw_day) if isinstance(raw_day, str) else None
    except ValueError:
        day = None
    if day is None:
        raise PlanError(f"{where}: date must be a day as YYYY-MM-DD, got {raw_day!r}")
    reps = obj.get("target_reps")
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise PlanError(f"{where}: target_reps must be a whole number >= 1, got {reps!r}")
    contractions = obj.get("contractions")
    if not isinstance(contractions, list):
        raise PlanError(f"{where}: contractions must be a list (empty if none), got {contractions!r}")
    rest = _number(obj, "rest_level", where, low=-math.inf, optional=True)
    return SessionSummary(
        day,
        _number(obj, "target_hold_s", where, low=0.5),
        reps,
        tuple(_rep(c, f"{where}: contraction {i + 1}") for i, c in enumerate(contractions)),
        None if math.isnan(rest) else rest,
    )


def sessions_from_json(obj: object) -> tuple[SessionSummary, ...]:
    """A list of sessions (or ``{"sessions": [...]}``), sorted by day."""
    if isinstance(obj, Mapping) and set(obj) == {"sessions"}:
        obj = obj["sessions"]
    if not isinstance(obj, list):
        raise PlanError('sessions: expected a list of session objects (or {"sessions": [...]})')
    sessions = [session_from_json(s, f"session {i + 1}") for i, s in enumerate(obj)]
    return tuple(sorted(sessions, key=lambda s: s.day))


def cue_answered(onset_s: float, cues: Sequence[tuple[float, Step]]) -> str:
    """The kind of the cue a contraction starting at ``onset_s`` (s) answered, given the (start s, step) of every
    cue: the latest squeeze or cough cue given before its onset (0.2 s of anticipation allowed), if that cue is still
    running or ended at most ``CUE_GRACE_S`` before (a slow reaction); otherwise ``unprompted``."""
    started = [(t, step) for t, step in cues if step.action != "rest" and t - 0.2 <= onset_s]
    if started and onset_s < started[-1][0] + started[-1][1].duration_s + CUE_GRACE_S:
        return started[-1][1].kind
    return "unprompted"


def session_from_analysis(analysis: Analysis, protocol: Protocol, day: date) -> SessionSummary:
    """Summarise an analysed session of ``protocol``: each contraction gets the kind of the cue it answered
    (``cue_answered``)."""
    cues = protocol.cue_times()
    targets = [step for _, step in cues if step.action != "rest" and step.kind in HOLD_KINDS]
    if not targets:
        raise PlanError(f"{protocol.name}: the protocol asks for no holds, so there is no target to measure")
    reps = [
        RepSummary(c.peak, c.hold_s, c.technique, cue_answered(c.onset_s, cues), c.release_s, c.residual_pct)
        for c in analysis.contractions
    ]
    rest = analysis.calibration.rest if analysis.calibration is not None else None
    return SessionSummary(day, targets[0].duration_s, len(targets), tuple(reps), rest)


# --- a week of sessions, measured -------------------------------------------------------------------------------

# A hold meets its target when it reaches >= 75 % of the session's strongest squeeze (the analysis' endurance
# level, Perifit's rule, read as % of her own maximum) and stays there for the target time. The cue's time also
# holds the rise and the letting-go, which a weak floor takes up to 0.7 s for (simulator profile ``weak``) and
# the time-at-75 % measure leaves out: HOLD_ALLOWANCE_S forgives that much.
TARGET_LEVEL = 0.75
HOLD_ALLOWANCE_S = 0.75
# The progression rule looks at the latest sessions: three, one day's sets at NICE's 3 times a day.
SESSIONS_JUDGED = 3
# A release is complete when the trace falls from 75 % to 25 % of the peak within 1 s and leaves at most 10 % of
# it behind. pelvicore's thresholds, between the simulator's healthy (0.2-0.45 s, 0-3 %) and over-tight
# (1.5-3.5 s, 15-35 %) pictures; facts/clinical.md names the measures (release time, completeness), not cut-offs.
RELEASE_OK_S = 1.0
RESIDUAL_OK_PCT = 10.0


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else 0.5 * (s[mid - 1] + s[mid])


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def hold_met(rep: RepSummary, target_hold_s: float, best_peak: float) -> bool:
    """Did this hold reach >= 75 % of the session's maximum and stay there for the target time?"""
    return rep.peak >= TARGET_LEVEL * best_peak and rep.hold_s >= target_hold_s - HOLD_ALLOWANCE_S


def release_complete(rep: RepSummary) -> bool:
    """Did the squeeze let go quickly and fully (``RELEASE_OK_S``, ``RESIDUAL_OK_PCT``)?"""
    return (
        rep.release_s is not None
        and rep.release_s <= RELEASE_OK_S
        and (rep.residual_pct is None or rep.residual_pct <= RESIDUAL_OK_PCT)
    )


@dataclass(frozen=True, slots=True)
class WeekMeasures:
    """What one week of sessions showed; the ``_pct`` and level fields are ``None`` when nothing was measured.

    ``success_pct``, ``release_ok_pct`` and ``rest_level`` look at the last ``SESSIONS_JUDGED`` sessions (asked-for
    holds that were not done count as missed); ``median_hold_s``, ``strength`` (median of each session's strongest
    squeeze) and ``push_pct`` at the whole week.
    """

    sessions: int
    planned: int
    adherence_pct: float
    judged_reps: int
    met_reps: int
    success_pct: float | None
    target_hold_s: float | None
    median_hold_s: float | None
    strength: float | None
    technique_counted: int
    push_pct: float | None
    release_counted: int
    release_ok_pct: float | None
    rest_level: float | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def measure_week(sessions: tuple[SessionSummary, ...] | list[SessionSummary], *, planned: int) -> WeekMeasures:
    """Measure a week of sessions (in day order) against ``planned`` sessions."""
    if planned < 1:
        raise PlanError(f"planned sessions must be >= 1, got {planned!r}")
    ordered = sorted(sessions, key=lambda s: s.day)
    last = ordered[-SESSIONS_JUDGED:]
    judged = met = 0
    releases: list[bool] = []
    for s in last:
        holds = s.holds()
        best = s.best_peak()
        judged += max(s.target_reps, len(holds))
        met += sum(hold_met(r, s.target_hold_s, best) for r in holds)
        releases += [release_complete(r) for r in holds]
    all_holds = [r.hold_s for s in ordered for r in s.holds()]
    # A cough raises the tummy zone by design: only voluntary squeezes tell lifting from pushing.
    squeezes = [r for s in ordered for r in s.contractions if r.kind is None or r.kind in SQUEEZE_KINDS]
    known = [r.technique for r in squeezes if r.technique != "unknown"]
    rests = [s.rest_level for s in last if s.rest_level is not None]
    return WeekMeasures(
        sessions=len(ordered),
        planned=planned,
        adherence_pct=round(100.0 * len(ordered) / planned, 1),
        judged_reps=judged,
        met_reps=met,
        success_pct=_pct(met, judged) if len(last) >= SESSIONS_JUDGED else None,
        target_hold_s=max((s.target_hold_s for s in ordered), default=None),
        median_hold_s=_median(all_holds),
        strength=_median([s.best_peak() for s in ordered if s.contractions]),
        technique_counted=len(known),
        push_pct=_pct(sum(t == "push" for t in known), len(known)),
        release_counted=len(releases),
        release_ok_pct=_pct(sum(releases), len(releases)),
        rest_level=_median([float(r) for r in rests]),
    )
