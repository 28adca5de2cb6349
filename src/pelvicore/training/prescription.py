"""A clinician's prescription: she (the physical therapist) sets the goal, stage or dose of a person's plan, with
a reason the person reads in her programme ("what changed, by whom and why").

The dose starts the ladder again from the prescribed one (rung 0), so the plan's weekly reviews progress from
what the clinician chose (NICE CG171: a programme supervised and adjusted by a trained professional).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import get_args

from pelvicore.training.dosing import MAX_REPS, Goal, Stage
from pelvicore.training.errors import PlanError
from pelvicore.training.library import NICE_CG171, Position
from pelvicore.training.plan import Change, Plan

PRESCRIPTION_SOURCE = f"A physical therapist's prescription; {NICE_CG171}"
MAX_HOLD_S = 60.0
MAX_SETS_PER_DAY = 6
MAX_FAST_REPS = 20


@dataclass(frozen=True, slots=True)
class Prescription:
    """What the clinician changes (None: keep as it is) and why (``note``: shown to her, required)."""

    note: str
    goal: Goal | None = None
    stage: Stage | None = None
    hold_s: float | None = None
    reps: int | None = None
    fast_reps: int | None = None
    position: Position | None = None
    sets_per_day: int | None = None
    days_per_week: int | None = None

    def __post_init__(self) -> None:
        _check(self)


def prescribe(plan: Plan, rx: Prescription, *, by: str, on: date) -> tuple[Plan, Change]:
    """The plan with ``rx`` applied from its current week, and the change that says so (``by`` the clinician)."""
    dose = plan.dose
    new_dose = replace(
        dose,
        **{
            name: value
            for name in ("hold_s", "reps", "fast_reps", "position", "sets_per_day", "days_per_week")
            if (value := getattr(rx, name)) is not None
        },
    )
    goal = rx.goal or plan.goal
    stage = rx.stage or plan.stage
    new = replace(plan, goal=goal, stage=stage, base=new_dose, rung=0)
    parts = []
    if goal != plan.goal:
        parts.append(f"goal: {goal}")
    if stage != plan.stage:
        parts.append(f"stage: {stage}")
    if new_dose != dose:
        parts.append(f"dose: {new_dose.describe()}")
    what = "; ".join(parts) or "plan kept as it is"
    change = Change(plan.week, "prescription", what[:300], rx.note, PRESCRIPTION_SOURCE, by, on.isoformat())
    return replace(new, changes=(*new.changes, change)), change


def _check(rx: Prescription) -> None:
    if not isinstance(rx.note, str) or not rx.note.strip() or len(rx.note) > 1000:
        raise PlanError("note: say why, in 1 to 1000 characters (she reads it in her programme)")
    if rx.goal is not None and rx.goal not in get_args(Goal):
        raise PlanError(f"goal must be one of {', '.join(get_args(Goal))}, got {rx.goal!r}")
    if rx.stage is not None and rx.stage not in get_args(Stage):
        raise PlanError(f"stage must be one of {', '.join(get_args(Stage))}, got {rx.stage!r}")
    if rx.position is not None and rx.position not in get_args(Position):
        raise PlanError(f"position must be one of {', '.join(get_args(Position))}, got {rx.position!r}")
    ranges = {"hold_s": (1.0, MAX_HOLD_S, "s"), "reps": (1, MAX_REPS, ""), "fast_reps": (0, MAX_FAST_REPS, ""),
              "sets_per_day": (1, MAX_SETS_PER_DAY, ""), "days_per_week": (1, 7, "")}  # fmt: skip
    for name, (lo, hi, unit) in ranges.items():
        value = getattr(rx, name)
        if value is None:
            continue
        whole = name != "hold_s"
        if isinstance(value, bool) or not isinstance(value, int | float) or (whole and not isinstance(value, int)):
            raise PlanError(f"{name} must be a {'whole ' if whole else ''}number, got {value!r}")
        if not lo <= value <= hi:
            raise PlanError(f"{name} must be from {lo:g} to {hi:g}{' ' + unit if unit else ''}, got {value!r}")
