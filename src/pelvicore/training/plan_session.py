"""A plan's daily session as a routine name a live session can run, and the exercises the session is made of.

A live session is stored with the name of its routine. A plan's session changes from week to week, so its name
carries the whole dose — ``plan:<stage>:<goal>:<hold_s>:<reps>:<fast_reps>:<position>:<endurance_s>:<flags>``,
flags ``k`` (the Knack), ``e`` (the elevator), ``c`` (relaxation breathing after the set) or ``-`` — and the
session it ran can be rebuilt later, for the weekly review, whatever the plan has become since.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import get_args

from pelvicore.errors import ProtocolError
from pelvicore.training.dosing import Dose, Goal, Stage, session_protocol
from pelvicore.training.library import POSITIONS, Dosage, Exercise, Position, describe, get_exercise
from pelvicore.training.plan import Plan
from pelvicore.training.protocols import Protocol

PREFIX = "plan:"
_FLAGS = {"k": "knack", "e": "elevator", "c": "relax_cooldown"}


def plan_routine(plan: Plan) -> str:
    """The routine name of ``plan``'s session this week (at most 100 characters, as the store allows)."""
    d = plan.dose
    flags = "".join(f for f, on in (("k", d.knack), ("e", d.elevator), ("c", plan.relax_cooldown)) if on) or "-"
    parts = (plan.stage, plan.goal, f"{d.hold_s:g}", d.reps, d.fast_reps, d.position, f"{d.endurance_s:g}", flags)
    return PREFIX + ":".join(str(p) for p in parts)


def _parse(name: str) -> tuple[Stage, Goal, Dose, bool]:
    parts = name.split(":")
    if len(parts) != 9 or parts[0] + ":" != PREFIX:
        raise ProtocolError(
            f"a plan routine reads plan:<stage>:<goal>:<hold_s>:<reps>:<fast>:<position>:..., got {name!r}"
        )
    _, stage, goal, hold, reps, fast, position, endurance, flags = parts
    if stage not in get_args(Stage) or goal not in get_args(Goal) or position not in POSITIONS:
        raise ProtocolError(f"{name!r}: unknown stage, goal or position")
    if flags != "-" and (not flags or set(flags) - set(_FLAGS) or len(set(flags)) != len(flags)):
        raise ProtocolError(f"{name!r}: flags must be '-' or some of k, e, c, got {flags!r}")
    try:
        hold_s, endurance_s, n_reps, n_fast = float(hold), float(endurance), int(reps), int(fast)
    except ValueError:
        raise ProtocolError(f"{name!r}: hold, reps, fast and endurance must be numbers") from None
    if not (math.isfinite(hold_s) and math.isfinite(endurance_s) and 0 <= endurance_s <= 60):
        raise ProtocolError(f"{name!r}: the endurance ladder must be 0-60 s, got {endurance!r}")
    dose = Dose(hold_s, n_reps, n_fast, position, endurance_s, "k" in flags, "e" in flags)
    return stage, goal, dose, "c" in flags  # type: ignore[return-value]


def plan_protocol(name: str) -> Protocol:
    """The session a ``plan:...`` routine name stands for; ``ProtocolError`` names what is wrong with it."""
    stage, goal, dose, cooldown = _parse(name)
    return replace(session_protocol(stage, dose, goal=goal, relax_cooldown=cooldown), name=name)


@dataclass(frozen=True, slots=True)
class PlannedExercise:
    """One exercise of a plan's session: the exercise (instructions, source), its dose this week, the position."""

    exercise: Exercise
    dosage: Dosage
    position: Position | None

    @property
    def dose_text(self) -> str:
        return describe(self.exercise, self.dosage)

    def to_dict(self) -> dict[str, object]:
        ex = self.exercise
        return {
            "id": ex.id,
            "name": ex.name,
            "purpose": ex.purpose,
            "dose": self.dose_text,
            "position": self.position,
            "positions": list(ex.positions),
            "instructions": list(ex.instructions),
            "source": ex.source,
        }


def _relaxation(breaths: int) -> PlannedExercise:
    relax = get_exercise("relaxation")
    return PlannedExercise(relax, replace(relax.dosage, reps=breaths), None)


def _usual(exercise_id: str) -> PlannedExercise:
    ex = get_exercise(exercise_id)
    return PlannedExercise(ex, ex.dosage, None)


def session_exercises(plan: Plan) -> list[PlannedExercise]:
    """The exercises of ``plan.session()``, in order, as ``dosing.session_protocol`` builds it."""
    d = plan.dose
    if plan.stage == "relaxation" or (plan.stage == "maintenance" and plan.goal == "relaxation"):
        return [_relaxation(8), _usual("contract-relax"), _relaxation(4)]
    if plan.stage == "technique":
        return [_usual("lift-practice")]
    parts = [
        PlannedExercise(get_exercise("holds"), Dosage(d.reps, d.hold_s, d.rest_s), d.position),
        PlannedExercise(get_exercise("quick-flicks"), Dosage(d.fast_reps, 1.0, 2.0), d.position),
    ]
    if d.endurance_s:
        third = d.endurance_s / 3.0
        parts.append(PlannedExercise(get_exercise("endurance-ladder"), Dosage(3, third, 10.0, 0.6, third), None))
    if d.knack:
        parts.append(_usual("knack"))
    if d.elevator:
        parts.append(_usual("elevator"))
    if plan.relax_cooldown:
        parts.append(_relaxation(4))
    return parts
