"""The exercise library: every exercise is complete, cites a source and gives a valid, runnable protocol."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from pelvicore.analysis import analyze_recording
from pelvicore.errors import ProtocolError
from pelvicore.simulation import simulate
from pelvicore.training.library import (
    EXERCISES,
    POSITIONS,
    Dosage,
    check_protocol,
    combine,
    get_exercise,
    to_protocol,
)
from pelvicore.training.plan import AssessmentSummary
from pelvicore.training.programme import new_plan

# Names of the sources in facts/clinical.md (and facts/devices.md for the Knack's cough test).
KNOWN_SOURCES = ("NICE", "MOTHERFIT", "Hung 2012", "Laycock", "Oleksy", "Glazer 1995", "Perifit", "%MVC")


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_every_exercise_is_complete_and_cites_a_source(exercise_id: str) -> None:
    ex = EXERCISES[exercise_id]
    assert ex.id == exercise_id and ex.name and ex.purpose
    assert ex.positions and set(ex.positions) <= set(POSITIONS)
    assert len(ex.instructions) >= 3 and all(i.endswith(".") for i in ex.instructions)
    assert any(name in ex.source for name in KNOWN_SOURCES), ex.source
    text = " ".join(ex.instructions).lower()
    if ex.dosage.effort > 0:  # exercises with a squeeze: breathe out, never hold the breath; only the floor works
        assert "buttocks" in text or "breath" in text


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_every_exercise_gives_a_valid_protocol(exercise_id: str) -> None:
    ex = EXERCISES[exercise_id]
    protocol = to_protocol(ex, position=ex.positions[0])
    check_protocol(protocol)
    assert protocol.steps[0].action == "rest" and protocol.steps[-1].action == "rest"
    assert protocol.name == exercise_id and protocol.source == ex.source
    assert ex.positions[0] in protocol.title
    cues = [s for s in protocol.steps if s.action != "rest"]
    if exercise_id == "relaxation":
        assert not cues and {s.kind for s in protocol.steps} == {"rest", "breathe-in", "breathe-out"}
    elif exercise_id == "elevator":
        assert len(cues) == ex.dosage.reps * (2 * ex.dosage.floors - 1)
    else:
        assert len(cues) == ex.dosage.reps


def test_protocols_run_through_the_simulator_and_analysis() -> None:
    """The timelines are real: a healthy simulated person follows them and the analysis finds each squeeze."""
    for exercise_id, kind in (("holds", "hold"), ("quick-flicks", "fast"), ("contract-relax", "gentle")):
        protocol = to_protocol(exercise_id)
        sim = simulate("healthy", protocol, seed=1, artefacts=False, dropouts=False)
        found = analyze_recording(sim.recording).contractions
        assert len(found) == EXERCISES[exercise_id].dosage.reps, exercise_id
        assert {c.kind for c in sim.contractions} == {kind}


def test_elevator_floors_are_graded_up_and_down() -> None:
    protocol = to_protocol("elevator", Dosage(reps=1, hold_s=2.0, rest_s=10.0, floors=4))
    assert [s.effort for s in protocol.steps if s.action == "squeeze"] == [0.25, 0.5, 0.75, 1.0, 0.75, 0.5, 0.25]
    five = to_protocol("elevator", Dosage(reps=1, hold_s=2.0, rest_s=10.0, floors=5))
    assert max(s.effort for s in five.steps) == 1.0 and len([s for s in five.steps if s.action == "squeeze"]) == 9


def test_endurance_ladder_rungs_grow() -> None:
    protocol = to_protocol("endurance-ladder", Dosage(reps=3, hold_s=20.0, rest_s=10.0, effort=0.6, step_s=20.0))
    assert [s.duration_s for s in protocol.steps if s.action == "squeeze"] == [20.0, 40.0, 60.0]


def test_knack_cues_a_squeeze_then_a_cough() -> None:
    steps = [s for s in to_protocol("knack").steps if s.action == "cough"]
    assert len(steps) == 3 and steps[0].instruction == "Squeeze, then cough"


@pytest.mark.parametrize(
    ("exercise_id", "dosage", "phrase"),
    [
        ("holds", Dosage(reps=20, hold_s=6.0, rest_s=12.0), "reps must be between 1 and 12"),
        ("holds", Dosage(reps=8, hold_s=float("nan"), rest_s=12.0), "hold_s"),
        ("holds", Dosage(reps=8, hold_s=6.0, rest_s=12.0, effort=1.5), "effort"),
        ("elevator", Dosage(reps=2, hold_s=2.0, rest_s=10.0, floors=7), "floors must be 3, 4 or 5"),
        ("endurance-ladder", Dosage(reps=3, hold_s=30.0, rest_s=10.0, effort=0.6, step_s=30.0), "top rung"),
        ("relaxation", Dosage(reps=8, hold_s=4.0, rest_s=6.0, effort=0.5), "effort"),
    ],
)
def test_bad_dosage_is_refused_with_the_value(exercise_id: str, dosage: Dosage, phrase: str) -> None:
    with pytest.raises(ProtocolError, match=phrase):
        to_protocol(exercise_id, dosage)


def test_unknown_exercise_and_position() -> None:
    with pytest.raises(ProtocolError, match="unknown exercise 'kegel'"):
        get_exercise("kegel")
    with pytest.raises(ProtocolError, match="position must be one of"):
        to_protocol("lift-practice", position="standing")
    with pytest.raises(ProtocolError, match="at least one exercise"):
        combine("empty", "Empty", [])


@pytest.mark.parametrize("stage_assessment", ["training", "relaxation", "technique", "full ladder"])
def test_every_plan_session_is_a_valid_protocol(stage_assessment: str) -> None:
    a = AssessmentSummary(20.0, 4.0, 6)
    if stage_assessment == "relaxation":
        a = AssessmentSummary(20.0, 4.0, 6, resting_tone_high=True)
    if stage_assessment == "technique":
        a = AssessmentSummary(20.0, 4.0, 6, lift_pct=50.0)
    plan = new_plan(a, "endurance", start=date(2025, 3, 3))
    plans = [plan]
    if stage_assessment == "full ladder":
        plans = [replace(plan, rung=i, relax_cooldown=True) for i in range(len(plan.rungs))]
    for p in plans:
        check_protocol(p.session())
