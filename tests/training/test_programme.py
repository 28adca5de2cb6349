"""Plans from assessments and the weekly rules, on hand-made session summaries (fast and exact)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise

import pytest

from pelvicore.training.errors import PlanError, ReviewRefused
from pelvicore.training.plan import AssessmentSummary, Plan
from pelvicore.training.plan_json import plan_from_dict, plan_to_dict
from pelvicore.training.programme import new_plan, review_refusal, update_plan
from pelvicore.training.sessions import (
    RepSummary,
    SessionSummary,
    measure_week,
    session_from_json,
    sessions_from_json,
)

START = date(2025, 3, 3)
WEAK = AssessmentSummary(max_squeeze=10.0, longest_hold_s=4.0, fast_reps=6)


def week_of_sessions(
    plan: Plan, *, n: int = 14, met: int = 8, hold_s: float | None = None, peak: float = 10.0, push: int = 0
) -> list[SessionSummary]:
    """``n`` sessions of the plan's week; in each, ``met`` of the asked holds reach the target, the rest fall short
    in strength; ``push`` holds are pushes."""
    dose = plan.dose
    held = dose.hold_s - 0.3 if hold_s is None else hold_s
    first = plan.current_week.first_day
    sessions = []
    for i in range(n):
        reps = [
            RepSummary(peak if k < met else 0.5 * peak, held, "push" if k < push else "lift", "hold", 0.3, 2.0)
            for k in range(dose.reps)
        ]
        reps += [RepSummary(peak, 0.8, "lift", "fast", 0.2, 0.0) for _ in range(dose.fast_reps)]
        sessions.append(SessionSummary(first + timedelta(days=i % 7), dose.hold_s, dose.reps, tuple(reps), 25.0))
    return sessions


# --- starting a plan --------------------------------------------------------------------------------------------


def test_new_strength_plan_starts_at_her_hold_with_nice_dose() -> None:
    plan = new_plan(WEAK, "strength", start=START)
    assert plan.stage == "training" and plan.week == 1 and plan.rung == 0
    d = plan.dose
    assert (d.hold_s, d.reps, d.fast_reps, d.position) == (4.0, 8, 3, "lying")
    assert d.rest_s == 8.0 and d.sets_per_day == 3 and d.days_per_week == 7  # rest twice the hold; 3 a day
    [start] = plan.changes
    assert start.kind == "start" and "very weak" in start.why
    assert "NICE CG171" in start.source and "MOTHERFIT" in start.source and "Angelo" in start.source


def test_stronger_longer_hold_starts_sitting_and_endurance_aims_at_10_s() -> None:
    plan = new_plan(AssessmentSummary(30.0, 6.5, 9), "endurance", start=START)
    assert (plan.dose.hold_s, plan.dose.position, plan.dose.fast_reps) == (6.0, "sitting", 4)
    holds = [r.dose.hold_s for r in plan.rungs]
    assert max(holds) == 10.0 and holds[:3] == [6.0, 8.0, 10.0]
    assert max(r.dose.endurance_s for r in plan.rungs) == 60.0


def test_ladder_climbs_one_change_at_a_time() -> None:
    rungs = new_plan(WEAK, "strength", start=START).rungs
    assert [r.dose.hold_s for r in rungs[:5]] == [4.0, 5.0, 6.0, 7.0, 8.0]
    assert [r.dose.reps for r in rungs[4:7]] == [8, 10, 12]
    positions = [r.dose.position for r in rungs]
    assert positions.index("sitting") < positions.index("standing")
    assert rungs[-2].dose.knack and not rungs[-2].dose.elevator and rungs[-1].dose.elevator
    for lower, upper in pairwise(rungs):
        assert lower.dose != upper.dose and upper.what and upper.source


def test_hypertonic_or_relaxation_goal_starts_with_relaxation() -> None:
    for a, goal in ((replace(WEAK, resting_tone_high=True), "strength"), (WEAK, "relaxation")):
        plan = new_plan(a, goal, start=START)  # type: ignore[arg-type]
        assert plan.stage == "relaxation"
        assert plan.changes[-1].kind == "relaxation" and "Glazer 1995" in plan.changes[-1].source
        assert {s.kind for s in plan.session().steps} >= {"breathe-in", "breathe-out", "gentle"}


def test_poor_lift_starts_with_technique() -> None:
    plan = new_plan(replace(WEAK, lift_pct=60.0), "strength", start=START)
    assert plan.stage == "technique" and plan.resume_stage == "training"


def test_maintenance_goal_is_two_days_a_week() -> None:
    plan = new_plan(WEAK, "maintenance", start=START)
    assert plan.stage == "maintenance" and plan.dose.days_per_week == 2 and plan.planned_sessions == 6


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"max_squeeze": -1.0, "longest_hold_s": 4.0}, "max squeeze"),
        ({"max_squeeze": float("nan"), "longest_hold_s": 4.0}, "max squeeze"),
        ({"max_squeeze": 10.0, "longest_hold_s": 900.0}, "longest hold"),
        ({"max_squeeze": 10.0, "longest_hold_s": 4.0, "fast_reps": -2}, "fast contractions"),
        ({"max_squeeze": 10.0, "longest_hold_s": 4.0, "lift_pct": 140.0}, "lift %"),
    ],
)
def test_assessment_rejects_bad_values(kwargs: dict[str, float], phrase: str) -> None:
    with pytest.raises(PlanError, match=phrase):
        AssessmentSummary(**kwargs)  # type: ignore[arg-type]


def test_assessment_from_perfect_and_from_a_session_summary() -> None:
    perfect = {"protocol": "perfect", "power_cmh2o": 33.0, "power_class": "moderate", "endurance_s": 7.2, "fast": 9}
    a = AssessmentSummary.from_perfect(perfect)
    assert (a.max_squeeze, a.longest_hold_s, a.fast_reps, a.power_class) == (33.0, 7.2, 9, "moderate")
    live = {"count": 14, "unit": "cmH2O", "max_peak": 12.5, "longest_hold_s": 5.1, "lift_pct": 92.0, "pushes": 1}
    b = AssessmentSummary.from_session_summary(live)
    assert (b.max_squeeze, b.longest_hold_s, b.lift_pct, b.power_class) == (12.5, 5.1, 92.0, "very weak")
    with pytest.raises(PlanError, match="power_cmh2o"):
        AssessmentSummary.from_perfect({"power_cmh2o": None, "endurance_s": 3})


# --- the weekly rules -------------------------------------------------------------------------------------------


def test_most_holds_on_target_progresses_and_explains() -> None:
    plan = new_plan(WEAK, "strength", start=START)
    plan, changes = update_plan(plan, week_of_sessions(plan, met=6))  # 6 of 8 = 75 %
    assert plan.rung == 1 and plan.dose.hold_s == 5.0
    [c] = changes
    assert c.kind == "progress" and c.week == 2
    assert "18 of 24 holds (75 %)" in c.why and "5 s" in c.what and "MOTHERFIT" in c.source


def test_below_seventy_percent_keeps_the_dose() -> None:
    plan = new_plan(WEAK, "strength", start=START)
    new, changes = update_plan(plan, week_of_sessions(plan, met=5))  # 5 of 8 = 62.5 %
    assert new.rung == 0 and [c.kind for c in changes] == ["keep"]
    assert "15 of 24" in changes[0].why and "70 %" in changes[0].why


def test_low_adherence_keeps_the_dose_even_with_good_holds() -> None:
    plan = new_plan(WEAK, "strength", start=START)
    new, changes = update_plan(plan, week_of_sessions(plan, n=9, met=8))  # 9 of 21 = 43 %
    assert new.rung == 0 and [c.kind for c in changes] == ["keep"]
    assert "9 of 21 planned sessions" in changes[0].why


def test_holds_falling_steps_back_one_rung() -> None:
    plan = new_plan(WEAK, "strength", start=START)
    plan, _ = update_plan(plan, week_of_sessions(plan, met=8))
    plan, _ = update_plan(plan, week_of_sessions(plan, met=8))
    assert plan.rung == 2 and plan.dose.hold_s == 6.0
    plan, changes = update_plan(plan, week_of_sessions(plan, met=8, hold_s=3.5))  # median 5.7 s -> 3.5 s
    assert plan.rung == 1 and plan.dose.hold_s == 5.0
    [c] = changes
    assert c.kind == "deload" and "fell from a median of 4.7 s to 3.5 s" in c.why


def test_strength_falling_also_steps_back() -> None:
    plan = new_plan(WEAK, "strength", start=START)
    plan, _ = update_plan(plan, week_of_sessions(plan, met=8, peak=12.0))
    plan, changes = update_plan(plan, week_of_sessions(plan, met=8, peak=8.0))
    assert plan.rung == 0 and changes[0].kind == "deload" and "33 %" in changes[0].why


def test_pushing_in_more_than_a_fifth_goes_to_technique_and_keeps_the_rung() -> None:
    plan = new_plan(WEAK, "strength", start=START)
    plan, _ = update_plan(plan, week_of_sessions(plan, met=8))
    plan, changes = update_plan(plan, week_of_sessions(plan, met=8, push=3))  # 3 of 11 = 27 %
    assert plan.stage == "technique" and plan.rung == 1 and changes[0].kind == "technique"
    few = week_of_sessions(new_plan(WEAK, "strength", start=START), met=8, push=2)  # 2 of 11 = 18 %
    plan2, changes2 = update_plan(new_plan(WEAK, "strength", start=START), few)
    assert plan2.stage == "training" and changes2[0].kind == "progress"


def test_maintenance_falls_back_to_daily_training_when_strength_drops() -> None:
    plan = new_plan(WEAK, "maintenance", start=START)
    plan, changes = update_plan(plan, week_of_sessions(plan, n=6, met=8, peak=12.0))
    assert plan.stage == "maintenance" and changes[0].kind == "keep"
    plan, changes = update_plan(plan, week_of_sessions(plan, n=6, met=8, peak=8.0))
    assert plan.stage == "training" and plan.dose.days_per_week == 7 and changes[0].kind == "training"


def test_week_twelve_with_progress_moves_to_maintenance() -> None:
    plan = replace(new_plan(WEAK, "strength", start=START), week=12, rung=3)
    plan, changes = update_plan(plan, week_of_sessions(plan, met=5))
    assert [c.kind for c in changes] == ["keep", "maintenance"]
    assert plan.stage == "maintenance" and plan.week == 12 and plan.dose.days_per_week == 2
    assert plan.finished and plan.reviews[-1].week == 12
    with pytest.raises(ReviewRefused, match="All 12 weeks of this plan are reviewed: the plan is finished"):
        update_plan(plan, week_of_sessions(plan, met=5))  # never "week 13 of 12"


def test_a_week_is_reviewed_only_once_its_seven_days_are_over() -> None:
    plan = new_plan(WEAK, "strength", start=START)  # Monday 3 March 2025: week 1 is 3-9 March
    week = plan.current_week
    assert (week.first_day, week.last_day, week.review_from) == (START, date(2025, 3, 9), date(2025, 3, 10))
    for today in (START, date(2025, 3, 9)):
        assert review_refusal(plan, today=today) == "This week ends on Sunday 9 March 2025; review it then."
        with pytest.raises(ReviewRefused, match="This week ends on Sunday 9 March 2025; review it then"):
            update_plan(plan, week_of_sessions(plan), today=today)
    plan, _ = update_plan(plan, week_of_sessions(plan), today=date(2025, 3, 10))
    assert plan.week == 2 and plan.current_week.first_day == date(2025, 3, 10)
    with pytest.raises(ReviewRefused, match="ends on Sunday 16 March 2025"):
        update_plan(plan, [], today=date(2025, 3, 10))
    # Reviewed late, the next week may be over already: its own 7 days are judged, and it can be reviewed too.
    plan, _ = update_plan(plan, [], today=date(2025, 3, 30))
    assert plan.week == 3 and review_refusal(plan, today=date(2025, 3, 30)) is None


def test_a_plan_saved_past_its_last_week_reads_as_finished() -> None:
    twelve = replace(new_plan(WEAK, "strength", start=START), week=12)
    plan, _ = update_plan(twelve, week_of_sessions(twelve))
    data = plan_to_dict(plan)
    data["reviews"].append(data["reviews"][-1] | {"week": 13})  # as the old review did: week 13, now "week 14 of 12"
    read = plan_from_dict(data | {"week": 14})
    assert read.week == 12 and read.finished


# --- sessions and measures --------------------------------------------------------------------------------------


def test_missing_holds_count_as_missed_and_unlabelled_sessions_use_the_first_reps() -> None:
    reps = tuple(RepSummary(10.0, 4.0) for _ in range(4)) + (RepSummary(9.0, 0.8),)
    s = SessionSummary(START, 4.0, 8, reps)
    assert len(s.holds()) == 5  # no cue labels: the first target_reps (8) contractions, here all 5
    m = measure_week([s, s, s], planned=21)
    assert m.judged_reps == 24 and m.met_reps == 12 and m.success_pct == 50.0  # 4 of 8 asked, 3 times


def test_coughs_set_neither_the_session_maximum_nor_the_push_count() -> None:
    reps = (RepSummary(10.0, 4.0, "lift", kind="hold"), RepSummary(40.0, 0.3, "push", kind="cough"))
    session = SessionSummary(START, 4.0, 1, reps)
    assert session.best_peak() == 10.0
    assert measure_week([session], planned=21).push_pct == 0.0


def test_sessions_json_round_trip_and_errors() -> None:
    sessions = week_of_sessions(new_plan(WEAK, "strength", start=START), n=3)
    data = json.loads(json.dumps([s.to_dict() for s in sessions]))
    assert sessions_from_json(data) == tuple(sessions)
    assert sessions_from_json({"sessions": data}) == tuple(sessions)
    good = data[0]
    bad_cases = [
        ({**good, "date": "03/03/2025"}, "YYYY-MM-DD"),
        ({**good, "target_reps": 0}, "target_reps"),
        ({**good, "target_hold": 4}, "unknown key 'target_hold'"),
        ({**good, "contractions": [{"peak": -1, "hold_s": 2}]}, "contraction 1: peak"),
        ({**good, "contractions": [{"peak": 5, "hold_s": 2, "technique": "squeeze"}]}, "technique"),
        ({**good, "contractions": None}, "contractions must be a list"),
    ]
    for obj, phrase in bad_cases:
        with pytest.raises(PlanError, match=phrase):
            session_from_json(obj)
    with pytest.raises(PlanError, match="list of session"):
        sessions_from_json({"weeks": []})


# --- plan files -------------------------------------------------------------------------------------------------


def test_plan_json_round_trip_after_reviews() -> None:
    plan = new_plan(replace(WEAK, resting_tone_high=True), "strength", start=START)
    for _ in range(3):
        plan, _ = update_plan(plan, week_of_sessions(plan, met=8))
    data = json.loads(json.dumps(plan_to_dict(plan), allow_nan=False))
    assert plan_from_dict(data) == plan
    assert data["now"]["sessions_per_week"] == 21


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ({"pelvicore_plan": 2}, "not a pelvicore plan"),
        ({"goal": "speed"}, "goal must be one of"),
        ({"rung": 40}, "rung must be below"),
        ({"start": "soon"}, "YYYY-MM-DD"),
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"base": {"hold_s": 4.0}}, "plan: base"),
    ],
)
def test_plan_from_dict_names_the_bad_value(change: dict[str, object], phrase: str) -> None:
    data = plan_to_dict(new_plan(WEAK, "strength", start=START)) | change
    with pytest.raises(PlanError, match=phrase):
        plan_from_dict(data)


def test_ladder_from_an_odd_start_names_the_hold_it_replaces() -> None:
    rungs = new_plan(replace(WEAK, longest_hold_s=5.0), "endurance", start=START).rungs
    assert [r.what for r in rungs[1:4]] == [
        "hold each squeeze for 7 s instead of 5 s",
        "hold each squeeze for 9 s instead of 7 s",
        "hold each squeeze for 10 s instead of 9 s",
    ]
