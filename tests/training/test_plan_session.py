"""A plan's daily session as a routine name: it rebuilds the very session the plan gives, at every rung and stage,
and any other text after ``plan:`` is refused with a clear error."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pelvicore.errors import ProtocolError
from pelvicore.simulation import simulate
from pelvicore.training.plan import AssessmentSummary, Plan
from pelvicore.training.plan_session import plan_protocol, plan_routine, session_exercises
from pelvicore.training.programme import new_plan
from pelvicore.training.routines import get_protocol

START = date(2025, 3, 3)


def plans() -> list[Plan]:
    out = []
    for goal in ("strength", "endurance", "relaxation", "maintenance"):
        plan = new_plan(AssessmentSummary(20.0, 4.0, 6), goal, start=START)  # type: ignore[arg-type]
        out += [replace(plan, rung=rung) for rung in range(len(plan.rungs))]
    technique = new_plan(AssessmentSummary(20.0, 4.0, 6, lift_pct=50.0), "strength", start=START)
    cooled = replace(new_plan(AssessmentSummary(45.0, 7.0, 9), "strength", start=START), relax_cooldown=True)
    return [*out, technique, cooled, replace(cooled, stage="maintenance")]


@pytest.mark.parametrize("plan", plans(), ids=lambda p: f"{p.goal}-{p.stage}-{p.rung}-{p.relax_cooldown}")
def test_the_routine_name_rebuilds_the_plans_session(plan: Plan) -> None:
    name = plan_routine(plan)
    assert name.startswith("plan:") and len(name) <= 100  # the store's routine column
    protocol = get_protocol(name)
    session = plan.session()
    assert protocol.steps == session.steps and protocol.title == session.title and protocol.source == session.source
    assert protocol.name == name


@pytest.mark.parametrize("plan", plans(), ids=lambda p: f"{p.goal}-{p.stage}-{p.rung}-{p.relax_cooldown}")
def test_the_exercises_are_the_sessions_own(plan: Plan) -> None:
    exercises = session_exercises(plan)
    assert exercises and all(e.exercise.source and e.exercise.instructions for e in exercises)
    steps = plan.session().steps
    if plan.stage in ("training", "maintenance") and plan.goal != "relaxation":
        holds = exercises[0]
        assert holds.exercise.id == "holds" and holds.position == plan.dose.position
        asked = [s for s in steps if s.kind == "hold"]
        assert len(asked) == holds.dosage.reps and {s.duration_s for s in asked} == {holds.dosage.hold_s}
        assert [e.exercise.id for e in exercises][1] == "quick-flicks"
        assert ("knack" in [e.exercise.id for e in exercises]) == plan.dose.knack
        assert ("elevator" in [e.exercise.id for e in exercises]) == plan.dose.elevator
        assert (exercises[-1].exercise.id == "relaxation") == plan.relax_cooldown
    kinds = {s.kind for s in steps if s.action != "rest"}
    built = {"holds": "hold", "quick-flicks": "fast", "knack": "cough", "elevator": "elevator"}
    built |= {"endurance-ladder": "endurance", "contract-relax": "gentle", "lift-practice": "lift"}
    assert {built[e.exercise.id] for e in exercises if e.exercise.id in built} == kinds
    assert all(e.to_dict()["dose"] and e.to_dict()["positions"] for e in exercises)


def test_the_simulator_plays_a_plan_routine() -> None:
    plan = new_plan(AssessmentSummary(20.0, 3.0, 6), "strength", start=START)
    rec = simulate("healthy", plan_routine(plan), seed=0).recording
    assert rec.duration_s == pytest.approx(plan.session().duration_s, abs=0.05)
    cues = [a for a in rec.annotations if a.text == "cue squeeze hold"]
    assert len(cues) == 8


@pytest.mark.parametrize(
    "name",
    [
        "plan:",
        "plan:training:strength:3:8:3:lying:0",  # a part missing
        "plan:training:strength:3:8:3:lying:0:-:extra",
        "plan:resting:strength:3:8:3:lying:0:-",
        "plan:training:speed:3:8:3:lying:0:-",
        "plan:training:strength:3:8:3:hanging:0:-",
        "plan:training:strength:three:8:3:lying:0:-",
        "plan:training:strength:30:8:3:lying:0:-",  # a 30 s hold is outside the holds' limits
        "plan:training:strength:3:8:3:lying:90:-",
        "plan:training:strength:nan:8:3:lying:0:-",
        "plan:training:strength:3:8:3:lying:0:kk",
        "plan:training:strength:3:8:3:lying:0:x",
    ],
)
def test_wrong_routine_names_are_refused(name: str) -> None:
    with pytest.raises(ProtocolError):
        plan_protocol(name)


@given(st.text(max_size=60))
def test_any_text_gives_a_session_or_a_protocol_error(text: str) -> None:
    try:
        protocol = get_protocol("plan:" + text)
    except ProtocolError:
        return
    assert protocol.steps
