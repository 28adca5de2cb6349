"""Done means (issue 5): 12 simulated weeks of a weak floor that improves give a plan that progresses; a flat one
does not. Every session is simulated and measured by pelvicore's analysis (see training_weeks.py for the model).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import partial

import pytest
from training_weeks import run_weeks, simulate_week, weak_person

from pelvicore.devices.simulator import PERSONS
from pelvicore.training.plan import AssessmentSummary, Plan
from pelvicore.training.programme import new_plan, update_plan

START = date(2025, 3, 3)
# The week-1 person as an assessment would see her: 10 cmH2O, a best hold of about 4 s, 6 flicks in 10 s.
WEAK = AssessmentSummary(max_squeeze=10.0, longest_hold_s=4.0, fast_reps=6)


def _rank(plan: Plan) -> tuple[float, int, int, int]:
    """How hard a dose is, for comparisons: hold, reps, position step, extras."""
    d = plan.dose
    position = ("lying", "sitting", "kneeling", "standing").index(d.position)
    return d.hold_s, d.reps, position, int(d.knack) + int(d.elevator) + int(d.endurance_s > 0)


@pytest.fixture(scope="module")
def improving() -> tuple[Plan, list[Plan]]:
    start = new_plan(WEAK, "strength", start=START)
    return start, run_weeks(start, partial(weak_person, improving=True), 12)


@pytest.fixture(scope="module")
def flat() -> tuple[Plan, list[Plan]]:
    start = new_plan(WEAK, "strength", start=START)
    return start, run_weeks(start, partial(weak_person, improving=False), 12)


def test_improving_weak_floor_progresses(improving: tuple[Plan, list[Plan]]) -> None:
    start, weeks = improving
    final = weeks[-1]
    rungs = [p.rung for p in weeks]
    assert rungs == sorted(rungs), f"the dose never steps back: {rungs}"
    assert final.rung >= 6, rungs
    # Harder in every dimension the ladder has climbed: longer holds, more of them, a harder position.
    assert final.dose.hold_s >= start.dose.hold_s + 3
    assert final.dose.reps > start.dose.reps
    assert _rank(final) > _rank(start)
    assert final.dose.position != "lying"
    progress = [c for p in weeks for c in p.reviews[-1].changes if c.kind == "progress"]
    assert len(progress) == final.rung
    assert all("%" in c.why and c.source for c in progress)
    assert not [c for p in weeks for c in p.reviews[-1].changes if c.kind == "deload"]
    # The measurements drove it: week 1 below the 70 % line, the progressing weeks at or above it.
    measures = [r.measures for r in final.reviews]
    assert measures[0].success_pct is not None and measures[0].success_pct < 70
    moved = [m for m, r in zip(measures, final.reviews, strict=True) if any(c.kind == "progress" for c in r.changes)]
    assert all(m.success_pct is not None and m.success_pct >= 70 for m in moved)
    # After 12 weeks with progress: maintenance, 2 days a week (Bø).
    assert final.stage == "maintenance" and final.dose.days_per_week == 2
    assert final.week == 12 and final.finished  # the last week reviewed: finished, never "week 13 of 12"


def test_flat_weak_floor_does_not_progress(flat: tuple[Plan, list[Plan]]) -> None:
    start, weeks = flat
    final = weeks[-1]
    assert [p.rung for p in weeks] == [0] * 12
    assert final.dose == start.dose
    kinds = [c.kind for r in final.reviews for c in r.changes]
    assert kinds.count("keep") == 12 and "progress" not in kinds and "maintenance" not in kinds
    assert all(r.measures.success_pct is not None and r.measures.success_pct < 70 for r in final.reviews)
    # The keep decisions say why, with her numbers.
    first_keep = final.reviews[0].changes[0]
    assert "70 %" in first_keep.why and "holds" in first_keep.why
    # 12 weeks without progress: a review with a physiotherapist (NICE); she keeps training at her dose.
    review = final.reviews[-1].changes[-1]
    assert review.kind == "review" and "NICE" in review.source
    assert final.stage == "training" and final.week == 12 and final.finished


def test_flat_and_improving_start_alike(improving: tuple[Plan, list[Plan]], flat: tuple[Plan, list[Plan]]) -> None:
    """Same person in week 1, so the difference comes from the improvement alone."""
    assert improving[1][0].reviews[0].measures == flat[1][0].reviews[0].measures


def test_pushing_pattern_turns_to_technique_work_and_back() -> None:
    plan = new_plan(WEAK, "strength", start=START)
    pusher = replace(PERSONS["bearing-down"], push_fraction=0.6)
    plan, changes = update_plan(plan, simulate_week(plan, pusher))
    assert plan.stage == "technique" and plan.resume_stage == "training"
    assert [c.kind for c in changes] == ["technique"]
    measures = plan.reviews[-1].measures
    assert measures.push_pct is not None and measures.push_pct > 20
    assert "pushed down" in changes[0].why and "Perifit" in changes[0].source
    assert [s.kind for s in plan.session().steps if s.action == "squeeze"] == ["lift"] * 8
    # She learns to lift: the plan goes back to training at the same rung.
    learnt = replace(pusher, push_fraction=0.0)
    plan, changes = update_plan(plan, simulate_week(plan, learnt))
    assert plan.stage == "training" and plan.rung == 0 and plan.resume_stage is None
    assert [c.kind for c in changes] == ["training"]


def test_hypertonic_floor_relaxes_first_and_stays_until_it_lets_go() -> None:
    assessment = AssessmentSummary(18.0, 3.0, 5, resting_tone_high=True, release_slow=True)
    plan = new_plan(assessment, "strength", start=START)
    assert plan.stage == "relaxation"
    assert [c.kind for c in plan.changes] == ["start", "relaxation"]
    squeezes = [s for s in plan.session().steps if s.action == "squeeze"]
    assert squeezes and max(s.effort for s in squeezes) <= 0.5, "no strength overload while relaxing"
    tight = PERSONS["hypertonic"]
    for _ in range(2):
        plan, changes = update_plan(plan, simulate_week(plan, tight))
        assert plan.stage == "relaxation" and [c.kind for c in changes] == ["keep"]
        assert "let go" in changes[0].why and "Glazer" in changes[0].source
    assert plan.rest_baseline is not None
    # Down-training works: quick, complete releases and a resting level a third lower.
    relaxed = replace(
        tight,
        rest_floor_cmh2o=(28.0, 32.0),
        release_s=(0.25, 0.4),
        residual_frac=(0.0, 0.03),
        residual_tau_s=1.5,
    )
    plan, changes = update_plan(plan, simulate_week(plan, relaxed))
    assert plan.stage == "training" and plan.rung == 0 and plan.relax_cooldown
    assert [c.kind for c in changes] == ["training"]
    assert "relaxation breathing" in plan.session().title
