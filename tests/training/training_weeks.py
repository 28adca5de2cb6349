"""Simulated people training week by week, through the simulator and pelvicore's own analysis.

Each week the person follows the plan's current session: the simulator plays it, ``analyze_recording`` measures
every contraction, ``session_from_analysis`` labels it with the cue it answered, and the plan is updated.

The weekly model of a weak floor (simulator profile ``weak``: 7-14 cmH2O above rest, Angelo "very weak"):
- ``mvc_cmh2o``: the strongest squeeze, 10 cmH2O in week 1; improving, +6 cmH2O by week 12 (into "weak").
- ``hold_decline_per_10s``: how fast a hold fades. At 0.6 per 10 s a hold stays above 75 % of its peak for
  about 4 s (2.5 / 0.6 x 10 s); improving, it falls to 0.15 by week 12 (the hold lasts beyond 10 s).
- ``rep_decline``: fatigue from one squeeze to the next. At 0.10, the 4th hold of a set peaks at 0.9^3 = 73 % of
  the first, so only the first 3 of 8 holds reach 75 % of the session's strongest squeeze (about 40 % of reps);
  improving, it falls by 0.015 a week to 0.01, where all 12 holds of a set do.
A flat person keeps the week-1 values for all 12 weeks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

from pelvicore.analysis import analyze_recording
from pelvicore.devices.simulator import PERSONS, Person
from pelvicore.simulation import simulate
from pelvicore.training.plan import Plan
from pelvicore.training.programme import update_plan
from pelvicore.training.sessions import SessionSummary, session_from_analysis

SESSIONS_DONE = 12  # of the 21 planned each week: 57 % adherence, above the 50 % the plan needs
TEST_PERSON = "training-test-person"


def weak_person(week: int, *, improving: bool) -> Person:
    """The weak floor of week ``week`` (1-12), improving or flat (see the module docstring)."""
    f = (week - 1) / 11 if improving else 0.0
    rep_decline = max(0.01, 0.10 - 0.015 * (week - 1)) if improving else 0.10
    return replace(
        PERSONS["weak"],
        name=TEST_PERSON,
        mvc_cmh2o=(10.0 + 6.0 * f, 10.0 + 6.0 * f),
        hold_decline_per_10s=(0.6 - 0.45 * f, 0.6 - 0.45 * f),
        rep_decline=rep_decline,
    )


@contextmanager
def registered(person: Person) -> Iterator[str]:
    """Make ``person`` known to the simulator (which looks people up by name) for the duration."""
    PERSONS[TEST_PERSON] = replace(person, name=TEST_PERSON)
    try:
        yield TEST_PERSON
    finally:
        del PERSONS[TEST_PERSON]


def simulate_week(plan: Plan, person: Person, *, sessions: int = SESSIONS_DONE, seed: int = 0) -> list[SessionSummary]:
    """``sessions`` simulated sessions of the plan's current week, spread over its 7 days, each analysed."""
    protocol = plan.session()
    week_start = plan.start + timedelta(weeks=plan.week - 1)
    out = []
    with registered(person) as name:
        for i in range(sessions):
            sim = simulate(name, protocol, seed=seed + 1000 * plan.week + i)
            day = week_start + timedelta(days=i * 7 // sessions)
            out.append(session_from_analysis(analyze_recording(sim.recording), protocol, day))
    return out


def run_weeks(plan: Plan, person_of_week: Callable[[int], Person], weeks: int, *, seed: int = 0) -> list[Plan]:
    """Train ``weeks`` weeks; return the plan after each weekly update (index 0 = after week 1)."""
    plans = []
    for _ in range(weeks):
        plan, _changes = update_plan(plan, simulate_week(plan, person_of_week(plan.week), seed=seed))
        plans.append(plan)
    return plans
