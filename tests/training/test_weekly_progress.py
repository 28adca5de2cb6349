"""Progress week by week from session summaries: each measure, empty weeks, units that cannot share a chart."""

from __future__ import annotations

from datetime import date, timedelta

from pelvicore.training.progress import SessionPoint, longest_target_hold, main_unit, weekly_progress
from pelvicore.training.sessions import RepSummary, SessionSummary
from pelvicore.training.weeks import plan_week, week_start

MONDAY = date(2025, 3, 3)


def session(day: date, peaks: list[float], holds: list[float], **rep: object) -> SessionSummary:
    reps = tuple(RepSummary(p, h, **rep) for p, h in zip(peaks, holds, strict=True))  # type: ignore[arg-type]
    return SessionSummary(day, 5.0, len(reps), reps)


def test_each_week_measures_strength_endurance_technique_and_relaxation() -> None:
    week1 = [
        SessionPoint(session(MONDAY, [10, 8, 6], [3, 4, 9], technique="lift", release_s=0.4, residual_pct=2), "cmH2O"),
        SessionPoint(session(MONDAY + timedelta(days=2), [12, 5], [2, 8], technique="push"), "cmH2O", plan=True),
    ]
    week3 = [SessionPoint(session(MONDAY + timedelta(days=15), [20], [6], release_s=1.2), "cmH2O", plan=True)]
    weeks = weekly_progress(week1 + week3, planned=21, plan_start=MONDAY + timedelta(days=7))
    assert [w.week_start for w in weeks] == [MONDAY + timedelta(days=7 * k) for k in range(3)]
    first, empty, third = weeks
    assert first.sessions == 2 and first.plan_sessions == 1 and first.planned is None  # before the plan began
    assert first.strength == 12 and first.unit == "cmH2O"
    # Holds at >= 75 % of their session's best: 3 s and 4 s (10, 8 of 10), and 2 s (12 of 12); 9 s was at 60 %.
    assert first.endurance_s == 4
    assert first.lift_pct == 60.0 and first.technique_counted == 5
    assert first.release_s == 0.4 and first.residual_pct == 2
    assert empty.sessions == 0 and empty.strength is None and empty.planned == 21 and empty.lift_pct is None
    assert third.strength == 20 and third.endurance_s == 6 and third.release_s == 1.2 and third.residual_pct is None


def test_coughs_and_unprompted_contractions_are_not_strength() -> None:
    reps = (RepSummary(50, 0.3, kind="cough"), RepSummary(40, 0.5, kind="unprompted"), RepSummary(15, 5, kind="hold"))
    [week] = weekly_progress([SessionPoint(SessionSummary(MONDAY, 5, 1, reps), "cmH2O")])
    assert week.strength == 15 and week.endurance_s == 5


def test_strength_is_charted_in_the_main_unit_only() -> None:
    points = [
        SessionPoint(session(MONDAY, [30], [5]), "cmH2O"),
        SessionPoint(session(MONDAY, [900], [7]), "raw"),
        SessionPoint(session(MONDAY + timedelta(days=1), [800], [8]), "raw"),
    ]
    assert main_unit(points) == "raw"
    [week] = weekly_progress(points)
    assert week.unit == "raw" and week.strength == 900 and week.sessions == 3 and week.endurance_s == 8
    assert main_unit(points[:2]) == "cmH2O"  # a tie goes to the calibrated unit
    assert main_unit([]) == "cmH2O"


def test_weeks_run_until_today_and_start_on_monday_without_a_plan() -> None:
    sunday = MONDAY + timedelta(days=6)
    assert week_start(sunday) == MONDAY and week_start(MONDAY) == MONDAY
    assert week_start(MONDAY - timedelta(days=1)) == MONDAY - timedelta(days=7)
    weeks = weekly_progress([SessionPoint(session(sunday, [10], [3]), "cmH2O")], until=MONDAY + timedelta(days=20))
    assert len(weeks) == 3 and weeks[-1].sessions == 0
    assert weekly_progress([]) == []
    assert weeks[0].to_dict()["week_start"] == "2025-03-03"


def test_longest_target_hold() -> None:
    assert longest_target_hold(session(MONDAY, [10, 7.4, 7.5], [1, 9, 3])) == 3
    assert longest_target_hold(session(MONDAY, [], [])) is None


def test_single_zone_trainers_give_no_technique() -> None:
    [week] = weekly_progress([SessionPoint(session(MONDAY, [10, 9], [3, 3], technique="unknown"), "cmH2O")])
    assert week.lift_pct is None and week.technique_counted == 0


def test_with_a_plan_the_weeks_are_the_plans_weeks() -> None:
    """A plan that starts on a Thursday has Thursday-to-Wednesday weeks, here as in the programme."""
    thursday = MONDAY + timedelta(days=3)
    days = [thursday - timedelta(days=1), thursday, thursday + timedelta(days=6), thursday + timedelta(days=7)]
    points = [SessionPoint(session(d, [10], [3]), "cmH2O", plan=True) for d in days]
    weeks = weekly_progress(points, planned=21, plan_start=thursday)
    assert [w.week_start for w in weeks] == [thursday - timedelta(days=7), thursday, thursday + timedelta(days=7)]
    assert [w.plan_sessions for w in weeks] == [1, 2, 1]
    assert [w.planned for w in weeks] == [None, 21, 21]
    for number, week in enumerate(weeks[1:], start=1):
        days_of_week = plan_week(thursday, number)
        assert week.week_start == days_of_week.first_day
        assert week.plan_sessions == sum(days_of_week.holds(d) for d in days)
