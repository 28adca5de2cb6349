"""A plan as JSON: ``plan_to_dict`` for files and the web, ``plan_from_dict`` to read one back strictly.

Every value is checked on reading; a wrong one raises ``PlanError`` naming its key, what was found and what was
expected. The ``now`` block (today's dose and session) is written for people and programs to read, and
recomputed rather than trusted when the file is read back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields
from datetime import date
from typing import get_args

from pelvicore.training.dosing import Dose, Goal, Stage
from pelvicore.training.errors import PlanError
from pelvicore.training.library import POSITIONS
from pelvicore.training.plan import AssessmentSummary, Change, ChangeKind, Plan, WeekReview
from pelvicore.training.sessions import WeekMeasures

FORMAT_VERSION = 1
_PLAN_KEYS = (
    "pelvicore_plan", "goal", "stage", "start", "week", "total_weeks", "rung", "resume_stage", "relax_cooldown",
    "rest_baseline", "assessment", "base", "changes", "reviews", "now",
)  # fmt: skip


def _dose_dict(d: Dose) -> dict[str, object]:
    return {f.name: getattr(d, f.name) for f in fields(d)}


def plan_to_dict(plan: Plan) -> dict[str, object]:
    """The whole plan as JSON-ready data; ``now`` holds this week's dose and session."""
    session = plan.session()
    return {
        "pelvicore_plan": FORMAT_VERSION,
        "goal": plan.goal,
        "stage": plan.stage,
        "start": plan.start.isoformat(),
        "week": plan.week,
        "total_weeks": plan.total_weeks,
        "rung": plan.rung,
        "resume_stage": plan.resume_stage,
        "relax_cooldown": plan.relax_cooldown,
        "rest_baseline": plan.rest_baseline,
        "assessment": plan.assessment.to_dict(),
        "base": _dose_dict(plan.base),
        "changes": [c.to_dict() for c in plan.changes],
        "reviews": [
            {
                "week": r.week,
                "stage": r.stage,
                "measures": r.measures.to_dict(),
                "changes": [c.to_dict() for c in r.changes],
            }
            for r in plan.reviews
        ],
        "now": {
            "dose": _dose_dict(plan.dose),
            "summary": plan.dose.describe() if plan.stage in ("training", "maintenance") else session.title,
            "sessions_per_week": plan.planned_sessions,
            "session": {"title": session.title, "duration_s": session.duration_s, "source": session.source},
        },
    }


class _Reader:
    """Typed access to one JSON object, with errors that say where."""

    def __init__(self, obj: object, where: str, keys: tuple[str, ...]) -> None:
        if not isinstance(obj, Mapping):
            raise PlanError(f"{where}: expected an object, got {type(obj).__name__}")
        unknown = sorted(set(obj) - set(keys))
        if unknown:
            raise PlanError(f"{where}: unknown key {unknown[0]!r}")
        self.obj, self.where = obj, where

    def _fail(self, key: str, expected: str) -> PlanError:
        return PlanError(f"{self.where}: {key} must be {expected}, got {self.obj.get(key)!r}")

    def number(self, key: str, lo: float = -math.inf, hi: float = math.inf) -> float:
        v = self.obj.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or not lo <= v <= hi:
            raise self._fail(key, f"a number from {lo:g} to {hi:g}")
        return float(v)

    def optional_number(self, key: str, lo: float = -math.inf, hi: float = math.inf) -> float | None:
        return None if self.obj.get(key) is None else self.number(key, lo, hi)

    def integer(self, key: str, lo: int, hi: int) -> int:
        v = self.obj.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise self._fail(key, f"a whole number from {lo} to {hi}")
        return v

    def optional_integer(self, key: str, lo: int, hi: int) -> int | None:
        return None if self.obj.get(key) is None else self.integer(key, lo, hi)

    def flag(self, key: str) -> bool:
        v = self.obj.get(key)
        if not isinstance(v, bool):
            raise self._fail(key, "true or false")
        return v

    def text(self, key: str) -> str:
        v = self.obj.get(key)
        if not isinstance(v, str):
            raise self._fail(key, "a string")
        return v

    def choice(self, key: str, options: tuple[str, ...]) -> str:
        v = self.obj.get(key)
        if v not in options:
            raise self._fail(key, f"one of {', '.join(options)}")
        return str(v)

    def day(self, key: str) -> date:
        try:
            return date.fromisoformat(self.text(key))
        except ValueError:
            raise self._fail(key, "a day as YYYY-MM-DD") from None

    def items(self, key: str) -> list[object]:
        v = self.obj.get(key)
        if not isinstance(v, list):
            raise self._fail(key, "a list")
        return v


def _assessment(obj: object) -> AssessmentSummary:
    r = _Reader(obj, "assessment", tuple(AssessmentSummary.__dataclass_fields__))
    return AssessmentSummary(
        r.number("max_squeeze", 0),
        r.number("longest_hold_s", 0, 600),
        r.optional_integer("fast_reps", 0, 50),
        r.text("max_unit"),
        r.flag("resting_tone_high"),
        r.flag("release_slow"),
        r.optional_number("lift_pct", 0, 100),
    )


def _dose(obj: object, where: str) -> Dose:
    r = _Reader(obj, where, tuple(Dose.__dataclass_fields__))
    return Dose(
        r.number("hold_s", 2, 10),
        r.integer("reps", 1, 12),
        r.integer("fast_reps", 0, 20),
        r.choice("position", POSITIONS),  # type: ignore[arg-type]
        r.number("endurance_s", 0, 60),
        r.flag("knack"),
        r.flag("elevator"),
        r.integer("sets_per_day", 1, 10),
        r.integer("days_per_week", 1, 7),
    )


def _change(obj: object, where: str) -> Change:
    r = _Reader(obj, where, ("week", "kind", "what", "why", "source", "by", "on"))
    kind: ChangeKind = r.choice("kind", get_args(ChangeKind))  # type: ignore[assignment]
    by, on = (r.text("by"), r.text("on")) if "by" in r.obj else ("", "")
    return Change(r.integer("week", 1, 10_000), kind, r.text("what"), r.text("why"), r.text("source"), by, on)


def _measures(obj: object, where: str) -> WeekMeasures:
    names = tuple(WeekMeasures.__dataclass_fields__)
    r = _Reader(obj, where, names)
    values: dict[str, object] = {}
    for f in fields(WeekMeasures):
        if f.type == "int":
            values[f.name] = r.integer(f.name, 0, 1_000_000)
        elif f.type == "float":
            values[f.name] = r.number(f.name, 0)
        else:
            values[f.name] = r.optional_number(f.name)
    return WeekMeasures(**values)  # type: ignore[arg-type]


def plan_from_dict(obj: object) -> Plan:
    """Read a plan written by ``plan_to_dict``; ``PlanError`` says which value is wrong."""
    r = _Reader(obj, "plan", _PLAN_KEYS)
    if r.obj.get("pelvicore_plan") != FORMAT_VERSION:
        raise PlanError(f"plan: not a pelvicore plan file (expected pelvicore_plan: {FORMAT_VERSION})")
    stages = get_args(Stage)
    goal: Goal = r.choice("goal", get_args(Goal))  # type: ignore[assignment]
    stage: Stage = r.choice("stage", stages)  # type: ignore[assignment]
    resume: Stage | None = None
    if r.obj.get("resume_stage") is not None:
        resume = r.choice("resume_stage", stages)  # type: ignore[assignment]
    reviews = []
    for i, item in enumerate(r.items("reviews")):
        rr = _Reader(item, f"plan: review {i + 1}", ("week", "stage", "measures", "changes"))
        week_stage: Stage = rr.choice("stage", stages)  # type: ignore[assignment]
        changes = tuple(_change(c, f"plan: review {i + 1}: change {j + 1}") for j, c in enumerate(rr.items("changes")))
        measures = _measures(rr.obj.get("measures"), f"plan: review {i + 1}: measures")
        reviews.append(WeekReview(rr.integer("week", 1, 10_000), week_stage, measures, changes))
    total_weeks = r.integer("total_weeks", 1, 520)
    plan = Plan(
        goal=goal,
        stage=stage,
        start=r.day("start"),
        # Plans saved before the week stopped at the last one may say "week 14 of 12": that is a finished plan.
        week=min(r.integer("week", 1, 10_000), total_weeks),
        assessment=_assessment(r.obj.get("assessment")),
        base=_dose(r.obj.get("base"), "plan: base"),
        rung=r.integer("rung", 0, 100),
        resume_stage=resume,
        relax_cooldown=r.flag("relax_cooldown"),
        rest_baseline=r.optional_number("rest_baseline"),
        changes=tuple(_change(c, f"plan: change {i + 1}") for i, c in enumerate(r.items("changes"))),
        reviews=tuple(reviews),
        total_weeks=total_weeks,
    )
    if plan.rung >= len(plan.rungs):
        raise PlanError(f"plan: rung must be below {len(plan.rungs)} for this starting dose, got {plan.rung}")
    return plan
