"""A plan's dose, the ladder it climbs one rung at a time, and the daily session each dose gives.

The ladder follows the Bø-style programme (MOTHERFIT, Trials 2019): build the hold towards 6-8 s (10 s for
endurance, Hung 2012), then the number of holds to 12 with 3-4 fast contractions at the end of each set, then
harder positions (lying -> sitting -> standing), then function (the Knack) and control (the elevator).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from pelvicore.training.library import (
    BO_MOTHERFIT,
    GLAZER_ENDURANCE,
    HUNG_2012,
    KNACK,
    NICE_CG171,
    PERCENT_OF_MAX,
    Dosage,
    Position,
    combine,
    get_exercise,
    to_protocol,
)
from pelvicore.training.protocols import Protocol

Goal = Literal["strength", "endurance", "relaxation", "maintenance"]
Stage = Literal["relaxation", "technique", "training", "maintenance"]

# Easiest first: lying takes the weight of the organs off the floor; standing loads it most.
POSITION_LADDER: tuple[Position, ...] = ("lying", "sitting", "standing")
MAX_REPS = 12  # Bø: 8-12 contractions
ENDURANCE_TOPS_S = (20.0, 30.0, 45.0, 60.0)  # up to the Glazer endurance contraction, 60 s
MAINTENANCE_DAYS = 2  # Bø: maintenance 2 days a week


@dataclass(frozen=True, slots=True)
class Dose:
    """The dose of a training set: ``reps`` holds of ``hold_s`` (rest twice the hold, Bø), ``fast_reps`` quick
    flicks after them, in ``position``; optional endurance ladder up to ``endurance_s``, the Knack and the
    elevator; ``sets_per_day`` sets on ``days_per_week`` days."""

    hold_s: float
    reps: int
    fast_reps: int
    position: Position
    endurance_s: float = 0.0
    knack: bool = False
    elevator: bool = False
    sets_per_day: int = 3
    days_per_week: int = 7

    @property
    def rest_s(self) -> float:
        return 2.0 * self.hold_s

    @property
    def sessions_per_week(self) -> int:
        return self.sets_per_day * self.days_per_week

    def describe_set(self) -> str:
        """One set, e.g. ``8 holds of 5 s (10 s rest) + 3 quick flicks, lying``."""
        extras = [f"{self.fast_reps} quick flicks"]
        if self.endurance_s:
            extras.append(f"an endurance ladder up to {self.endurance_s:g} s")
        if self.knack:
            extras.append("the Knack")
        if self.elevator:
            extras.append("the elevator")
        return (
            f"{self.reps} holds of {self.hold_s:g} s ({self.rest_s:g} s rest) + {' + '.join(extras)}, {self.position}"
        )

    def describe(self) -> str:
        """The set and how often, e.g. ``... lying; 3 times a day, every day``."""
        days = "every day" if self.days_per_week == 7 else f"{self.days_per_week} days a week"
        return f"{self.describe_set()}; {self.sets_per_day} times a day, {days}"


@dataclass(frozen=True, slots=True)
class Rung:
    """One rung of the ladder: the dose, what changed from the rung below (plain words) and its source."""

    dose: Dose
    what: str
    source: str


def ladder(base: Dose, goal: Goal) -> tuple[Rung, ...]:
    """Every rung from ``base`` up, one change at a time; endurance builds longer holds and adds the ladder."""
    rungs = [Rung(base, "the starting dose", f"{NICE_CG171}; {BO_MOTHERFIT}")]
    d = base
    top_hold, step = (10.0, 2.0) if goal == "endurance" else (8.0, 1.0)
    while d.hold_s < top_hold:
        before = d.hold_s
        d = replace(d, hold_s=min(top_hold, d.hold_s + step))
        source = HUNG_2012 if d.hold_s > 8 else BO_MOTHERFIT
        rungs.append(Rung(d, f"hold each squeeze for {d.hold_s:g} s instead of {before:g} s", source))
    while d.reps < MAX_REPS:
        reps = min(MAX_REPS, d.reps + 2)
        fast = 4 if reps == MAX_REPS else d.fast_reps
        what = f"{reps} holds a set instead of {d.reps}" + (", and 4 quick flicks" if fast > d.fast_reps else "")
        d = replace(d, reps=reps, fast_reps=fast)
        rungs.append(Rung(d, what, BO_MOTHERFIT))
    if goal == "endurance":
        for top in ENDURANCE_TOPS_S:
            if top > d.endurance_s:
                what = f"an endurance ladder after the holds: three moderate squeezes up to {top:g} s"
                d = replace(d, endurance_s=top)
                rungs.append(Rung(d, what, GLAZER_ENDURANCE))
    for position in POSITION_LADDER[POSITION_LADDER.index(base.position) + 1 :]:
        what = f"the holds and flicks {position} instead of {d.position}: the floor now also carries more weight"
        d = replace(d, position=position)
        rungs.append(Rung(d, what, BO_MOTHERFIT))
    if not d.knack:
        d = replace(d, knack=True)
        rungs.append(Rung(d, "the Knack: squeeze before a cough, then use it before every sneeze or lift", KNACK))
    if not d.elevator:
        d = replace(d, elevator=True)
        rungs.append(Rung(d, "the elevator: squeeze in steps up to your strongest and down again", PERCENT_OF_MAX))
    return tuple(rungs)


def _relaxation_parts(*, breaths: int) -> list[Protocol]:
    relax = get_exercise("relaxation")
    return [to_protocol(relax, replace(relax.dosage, reps=breaths))]


def session_protocol(stage: Stage, dose: Dose, *, goal: Goal, relax_cooldown: bool = False) -> Protocol:
    """The session to run at ``stage`` and ``dose``: one set, to be done ``dose.sets_per_day`` times a day."""
    if stage == "relaxation" or (stage == "maintenance" and goal == "relaxation"):
        gentle = to_protocol("contract-relax", lead_in_s=0.0)
        parts = [*_relaxation_parts(breaths=8), gentle, *_relaxation_parts(breaths=4)]
        return combine("plan-relaxation", "Relaxation: breathing, gentle squeeze and let go, breathing", parts)
    if stage == "technique":
        practice = to_protocol("lift-practice")
        return combine("plan-technique", f"Technique: {practice.title}", [practice])
    parts = [
        to_protocol("holds", Dosage(dose.reps, dose.hold_s, dose.rest_s), position=dose.position),
        to_protocol("quick-flicks", Dosage(dose.fast_reps, 1.0, 2.0), position=dose.position, lead_in_s=0.0),
    ]
    if dose.endurance_s:
        third = dose.endurance_s / 3.0
        ladder_dose = Dosage(3, third, 10.0, effort=0.6, step_s=third)
        parts.append(to_protocol("endurance-ladder", ladder_dose, lead_in_s=5.0))
    if dose.knack:
        parts.append(to_protocol("knack", lead_in_s=5.0))
    if dose.elevator:
        parts.append(to_protocol("elevator", lead_in_s=5.0))
    if relax_cooldown:
        parts += _relaxation_parts(breaths=4)
    title = "Training set: " + dose.describe_set() + (", then relaxation breathing" if relax_cooldown else "")
    return combine("plan-training", title, parts)
