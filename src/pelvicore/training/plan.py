"""A training plan as data: the assessment it starts from, the stage and rung it is at, and every change.

``programme.new_plan`` makes one and ``programme.update_plan`` moves it week by week; ``plan_json`` reads and
writes it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from pelvicore.training.dosing import MAINTENANCE_DAYS, Dose, Goal, Rung, Stage, ladder, session_protocol
from pelvicore.training.errors import PlanError
from pelvicore.training.protocols import Protocol
from pelvicore.training.sessions import WeekMeasures
from pelvicore.training.weeks import PlanWeek, plan_week

TOTAL_WEEKS = 12  # NICE CG171: at least 12 weeks
ANGELO_2017 = "Angelo et al. 2017, PLoS ONE 12(10):e0187045 (squeeze-pressure classes)"

ChangeKind = Literal[
    "start",
    "progress",
    "keep",
    "deload",
    "technique",
    "relaxation",
    "training",
    "maintenance",
    "review",
    "prescription",
]


@dataclass(frozen=True, slots=True)
class Change:
    """One decision about the plan: from which ``week`` it applies, what changes, why, and its source.

    ``by`` is the clinician who made it (a prescription) and ``on`` the day; empty for pelvicore's own rules.
    """

    week: int
    kind: ChangeKind
    what: str
    why: str
    source: str
    by: str = ""
    on: str = ""

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"week": self.week, "kind": self.kind, "what": self.what, "why": self.why,
                                "source": self.source}  # fmt: skip
        if self.by:
            d |= {"by": self.by, "on": self.on}
        return d


@dataclass(frozen=True, slots=True)
class WeekReview:
    """A reviewed week: the stage it was in, what its sessions measured and the changes it led to."""

    week: int
    stage: Stage
    measures: WeekMeasures
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class AssessmentSummary:
    """What a plan needs to know from an assessment (PERFECT, a live session summary, or typed in by hand).

    ``max_squeeze`` is the strongest squeeze above rest in ``max_unit`` (cmH2O gives the Angelo 2017 class);
    ``longest_hold_s`` the longest hold at >= 75 % of it; ``fast_reps`` quick contractions in 10 s (``None`` if
    not measured); ``resting_tone_high`` and ``release_slow`` the signs of an over-tight floor; ``lift_pct`` the
    share of squeezes that lifted correctly (two-zone trainers only).
    """

    max_squeeze: float
    longest_hold_s: float
    fast_reps: int | None = None
    max_unit: str = "cmH2O"
    resting_tone_high: bool = False
    release_slow: bool = False
    lift_pct: float | None = None

    def __post_init__(self) -> None:
        if not _finite(self.max_squeeze) or self.max_squeeze < 0:
            raise PlanError(f"max squeeze must be a number >= 0, got {self.max_squeeze!r}")
        if not _finite(self.longest_hold_s) or not 0 <= self.longest_hold_s <= 600:
            raise PlanError(f"longest hold must be between 0 and 600 s, got {self.longest_hold_s!r}")
        fast = self.fast_reps
        if fast is not None and (isinstance(fast, bool) or not isinstance(fast, int) or not 0 <= fast <= 50):
            raise PlanError(f"fast contractions in 10 s must be a whole number from 0 to 50, got {fast!r}")
        if not isinstance(self.max_unit, str) or not self.max_unit:
            raise PlanError(f"the unit of the max squeeze must be a name such as 'cmH2O', got {self.max_unit!r}")
        if self.lift_pct is not None and (not _finite(self.lift_pct) or not 0 <= self.lift_pct <= 100):
            raise PlanError(f"lift % must be between 0 and 100, got {self.lift_pct!r}")
        for name in ("resting_tone_high", "release_slow"):
            if not isinstance(getattr(self, name), bool):
                raise PlanError(f"{name} must be true or false, got {getattr(self, name)!r}")

    @property
    def power_class(self) -> str | None:
        """Angelo et al. 2017 class of ``max_squeeze`` (cmH2O only)."""
        if self.max_unit != "cmH2O":
            return None
        bounds = (
            (7.5, "no measurable contraction"),
            (14.6, "very weak"),
            (26.6, "weak"),
            (41.6, "moderate"),
            (60.6, "good"),
        )
        return next((name for top, name in bounds if self.max_squeeze < top), "strong")

    @classmethod
    def from_perfect(cls, result: Mapping[str, object]) -> AssessmentSummary:
        """From a PERFECT result: ``power_cmh2o``, ``endurance_s``, ``fast`` (and the optional flags)."""
        return cls(
            _get_number(result, "power_cmh2o"),
            _get_number(result, "endurance_s"),
            _get_int(result, "fast"),
            "cmH2O",
            _get_flag(result, "resting_tone_high"),
            _get_flag(result, "release_slow"),
            _get_optional(result, "lift_pct"),
        )

    @classmethod
    def from_session_summary(cls, summary: Mapping[str, object]) -> AssessmentSummary:
        """From a live session's summary: ``max_peak``, ``longest_hold_s``, ``lift_pct``, ``unit``."""
        unit = summary.get("unit", "cmH2O")
        return cls(
            _get_number(summary, "max_peak"),
            _get_number(summary, "longest_hold_s"),
            None,
            unit if isinstance(unit, str) else "",
            lift_pct=_get_optional(summary, "lift_pct"),
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "max_squeeze": self.max_squeeze,
            "max_unit": self.max_unit,
            "longest_hold_s": self.longest_hold_s,
            "fast_reps": self.fast_reps,
            "resting_tone_high": self.resting_tone_high,
            "release_slow": self.release_slow,
            "lift_pct": self.lift_pct,
        }


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _get_number(obj: Mapping[str, object], key: str) -> float:
    value = obj.get(key)
    if not _finite(value):
        raise PlanError(f"{key} must be a number, got {value!r}")
    return float(value)  # type: ignore[arg-type]


def _get_optional(obj: Mapping[str, object], key: str) -> float | None:
    return None if obj.get(key) is None else _get_number(obj, key)


def _get_int(obj: Mapping[str, object], key: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanError(f"{key} must be a whole number, got {value!r}")
    return value


def _get_flag(obj: Mapping[str, object], key: str) -> bool:
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise PlanError(f"{key} must be true or false, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Plan:
    """A personalised plan: the goal, the stage now, the week now (1-based) and the rung of the dose ladder.

    ``base`` is the starting dose (rung 0); ``resume_stage`` is where technique work returns to;
    ``rest_baseline`` the first measured resting level during relaxation; ``changes`` explain the start and
    ``reviews`` every reviewed week. ``week`` never goes past ``total_weeks``: reviewing the last week finishes
    the plan (``finished``).
    """

    goal: Goal
    stage: Stage
    start: date
    week: int
    assessment: AssessmentSummary
    base: Dose
    rung: int = 0
    resume_stage: Stage | None = None
    relax_cooldown: bool = False
    rest_baseline: float | None = None
    changes: tuple[Change, ...] = ()
    reviews: tuple[WeekReview, ...] = ()
    total_weeks: int = TOTAL_WEEKS

    @property
    def rungs(self) -> tuple[Rung, ...]:
        return ladder(self.base, self.goal)

    @property
    def dose(self) -> Dose:
        """The dose of the current rung; maintenance keeps it on 2 days a week (Bø)."""
        dose = self.rungs[self.rung].dose
        return replace(dose, days_per_week=MAINTENANCE_DAYS) if self.stage == "maintenance" else dose

    @property
    def current_week(self) -> PlanWeek:
        """The days of the plan's current week (``training.weeks``: 7 days from the start date)."""
        return plan_week(self.start, self.week)

    @property
    def finished(self) -> bool:
        """Its last week has been reviewed: there is no next week to review."""
        return bool(self.reviews) and self.reviews[-1].week >= self.total_weeks

    @property
    def planned_sessions(self) -> int:
        return self.dose.sessions_per_week

    def session(self) -> Protocol:
        """This week's session: one set, to be done ``dose.sets_per_day`` times a day."""
        return session_protocol(self.stage, self.dose, goal=self.goal, relax_cooldown=self.relax_cooldown)

    def all_changes(self) -> tuple[Change, ...]:
        return self.changes + tuple(c for r in self.reviews for c in r.changes)
