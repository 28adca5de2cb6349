"""Personalised 12-week plans: made from an assessment and a goal, adjusted each week from measured sessions.

``new_plan(assessment, goal)`` chooses where to start: relaxation first for an over-tight floor (Glazer 1995),
technique first for someone who pushes down (NICE NG210: biofeedback), otherwise training dosed per NICE CG171
(at least 8 contractions 3 times a day for at least 12 weeks) and the Bø-style programme (build to 8-12 holds of
6-8 s plus fast contractions). ``update_plan(plan, week_sessions)`` applies the rules below to a week of
sessions and explains each decision in plain words with its source; docs/training.md lists them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import get_args

from pelvicore.training.dosing import Dose, Goal, Stage
from pelvicore.training.errors import PlanError, ReviewRefused
from pelvicore.training.library import BO_MOTHERFIT, GLAZER_1995, NICE_CG171, NICE_NG210, PUSH_RULE
from pelvicore.training.plan import ANGELO_2017, AssessmentSummary, Change, Plan, WeekReview
from pelvicore.training.sessions import SESSIONS_JUDGED, SessionSummary, WeekMeasures, measure_week
from pelvicore.training.weeks import day_text

GOALS: tuple[Goal, ...] = get_args(Goal)
NICE_QS77 = "NICE QS77: supervised pelvic-floor training for at least 3 months as first-line treatment"

# The rules' thresholds. pelvicore's own choices where no source gives a number; each is explained in
# docs/training.md.
# "Most reps": 70 % of the last 3 sessions' holds. Not a bare majority, so one lucky day does not move the dose;
# not all, because the last one or two holds of a close-to-maximal set of 8 are expected to fade (6 of 8 = 75 %).
PROGRESS_MIN_PCT = 70.0
# A plan moves only when at least half of its sessions were done: otherwise the results say little about the dose.
ADHERENCE_MIN_PCT = 50.0
# More than 1 contraction in 5 pushing down is a habit, not a misreading (the push test allows 15 % tolerance).
PUSH_MAX_PCT = 20.0
MIN_TECHNIQUE_READINGS = 8  # one set's worth of two-zone readings before judging technique
# Holds (median time) or strength (median best squeeze) at or below 80 % of the previous week's: falling.
FALLING_RATIO = 0.8
# Relaxation: resting level down by at least a fifth from the first measured week. A relative fall, because the
# absolute resting pressure depends on the probe (facts/clinical.md: the same women read 19.7 vs 36.5 cmH2O).
REST_FALL_RATIO = 0.8
# Starting dose: holds at least 3 s (shorter is a flick) and 8 a set (NICE CG171's minimum).
MIN_START_HOLD_S = 3.0
START_REPS = 8


def _base_dose(a: AssessmentSummary) -> Dose:
    hold = min(10.0, max(MIN_START_HOLD_S, float(math.floor(a.longest_hold_s))))
    fast = 4 if (a.fast_reps or 0) >= 8 else 3
    strong_enough = a.power_class in ("moderate", "good", "strong") and a.longest_hold_s >= 6
    return Dose(hold, START_REPS, fast, "sitting" if strong_enough else "lying")


def new_plan(assessment: AssessmentSummary, goal: Goal = "strength", *, start: date) -> Plan:
    """Make a 12-week plan for ``goal`` starting on ``start``; its ``changes`` explain the starting point."""
    if goal not in GOALS:
        raise PlanError(f"goal must be one of {', '.join(GOALS)}, got {goal!r}")
    a = assessment
    base = _base_dose(a)
    measured = f"Your longest hold at 75 % of your strongest squeeze was {a.longest_hold_s:g} s"
    if a.power_class is not None:
        measured += f"; your strongest squeeze, {a.max_squeeze:g} cmH2O above rest, is '{a.power_class}' (Angelo 2017)"
    top = "10 s" if goal == "endurance" else "6-8 s"
    why = (
        f"{measured}. Holds start at {base.hold_s:g} s and build towards {top}; {START_REPS} contractions 3 times a "
        "day is NICE's minimum dose, built up to 8-12 holds with 3-4 quick flicks after them."
    )
    stage: Stage = "maintenance" if goal == "maintenance" else "training"
    changes = [
        Change(1, "start", f"Training dose to start from: {base.describe()}", why, f"{NICE_CG171}; {BO_MOTHERFIT}")
    ]
    if a.power_class is not None:
        changes[0] = replace(changes[0], source=f"{changes[0].source}; {ANGELO_2017}")
    if goal == "maintenance":
        changes.append(
            Change(1, "maintenance", "Keep the dose on 2 days a week", "You chose maintenance.", BO_MOTHERFIT)
        )
    if a.lift_pct is not None and a.lift_pct < 100 - PUSH_MAX_PCT:
        changes.append(
            Change(
                1,
                "technique",
                "Lift practice first: gentle 3 s lifts with the two-zone display, before any strength work",
                f"Only {a.lift_pct:.0f} % of your squeezes lifted correctly; the rest pushed down or mixed. Pushing "
                "strains the floor instead of training it.",
                f"{PUSH_RULE}; {NICE_NG210}",
            )
        )
        stage, resume = "technique", stage
    else:
        resume = None
    if goal == "relaxation" or a.resting_tone_high or a.release_slow:
        signs = [
            s for s, on in (("a raised resting tone", a.resting_tone_high), ("a slow release", a.release_slow)) if on
        ]
        reason = f"Your assessment showed {' and '.join(signs)}" if signs else "You chose relaxation"
        changes.append(
            Change(
                1,
                "relaxation",
                "Relaxation first: belly breathing, gentle squeezes and slow, complete letting go; no strength "
                "work until your resting tone and release improve",
                f"{reason}. An over-tight floor needs to learn to let go before it is loaded.",
                GLAZER_1995,
            )
        )
        stage, resume = "relaxation", None
    return Plan(goal, stage, start, 1, assessment, base, resume_stage=resume, changes=tuple(changes))


# --- the weekly review ------------------------------------------------------------------------------------------

_PROGRESS_SOURCE = "pelvicore rule: most holds (>= 70 %) of the last 3 sessions at >= 75 % of max for the target time"
_PELVICORE_RULE = "pelvicore rule (see docs/training.md)"


def update_plan(
    plan: Plan, week_sessions: Iterable[SessionSummary], *, today: date | None = None
) -> tuple[Plan, tuple[Change, ...]]:
    """Review the plan's current week from its sessions; return the plan for the next week and the changes.

    Every review gives at least one change, ``keep`` included, so the person always sees why the dose stays
    or moves. Reviewing the last week finishes the plan: its week stays the last one. ``ReviewRefused`` when the
    plan is finished, or, given ``today`` (her day), when the week has not ended yet.
    """
    check_reviewable(plan, today=today)
    sessions = tuple(sorted(week_sessions, key=lambda s: s.day))
    m = measure_week(sessions, planned=plan.planned_sessions)
    nxt = plan.week + 1
    if plan.stage == "relaxation":
        new, changes = _relaxation_week(plan, m, nxt)
    elif plan.stage == "technique":
        new, changes = _technique_week(plan, m, nxt)
    else:
        new, changes = _pushing(plan, m, nxt) or _training_week(plan, m, nxt)
    if plan.week == plan.total_weeks:
        new, end = _end_of_programme(new, nxt)
        changes += end
    review = WeekReview(plan.week, plan.stage, m, tuple(changes))
    week = min(nxt, plan.total_weeks)
    return replace(new, week=week, reviews=(*plan.reviews, review)), tuple(changes)


def review_refusal(plan: Plan, *, today: date | None = None) -> str | None:
    """Why the plan's current week cannot be reviewed now (on ``today``, her day), in plain words; else None."""
    if plan.finished:
        return (
            f"All {plan.total_weeks} weeks of this plan are reviewed: the plan is finished. Keep your dose, or make "
            "a new plan to go on."
        )
    week = plan.current_week
    if today is not None and not week.over(today):
        return f"This week ends on {day_text(week.last_day)}; review it then."
    return None


def check_reviewable(plan: Plan, *, today: date | None = None) -> None:
    """``ReviewRefused`` with ``review_refusal``'s reason when the plan's week cannot be reviewed now."""
    reason = review_refusal(plan, today=today)
    if reason is not None:
        raise ReviewRefused(reason)


Outcome = tuple[Plan, list[Change]]


def _success_text(m: WeekMeasures) -> str:
    return (
        f"In your last {SESSIONS_JUDGED} sessions {m.met_reps} of {m.judged_reps} holds ({m.success_pct:g} %) reached "
        f"75 % of your strongest squeeze for the target time ({m.target_hold_s:g} s)"
    )


def _keep(plan: Plan, nxt: int, why: str, source: str = _PELVICORE_RULE) -> Outcome:
    return plan, [Change(nxt, "keep", f"Keep: {_stage_dose(plan)}", why, source)]


def _stage_dose(plan: Plan) -> str:
    if plan.stage == "relaxation":
        return "relaxation breathing and gentle squeeze-and-let-go, 3 times a day"
    if plan.stage == "technique":
        return "lift practice, 8 gentle 3 s lifts, 3 times a day"
    return plan.dose.describe()


def _adherence_low(plan: Plan, m: WeekMeasures, nxt: int) -> Outcome | None:
    if m.adherence_pct >= ADHERENCE_MIN_PCT:
        return None
    why = (
        f"You did {m.sessions} of {m.planned} planned sessions ({m.adherence_pct:g} %). The plan moves only when at "
        "least half are done; fit the sets into daily routines (after brushing your teeth, at lunch, in bed)."
    )
    return _keep(plan, nxt, why, f"{_PELVICORE_RULE}; {NICE_CG171}")


def _pushing(plan: Plan, m: WeekMeasures, nxt: int) -> Outcome | None:
    if m.push_pct is None or m.technique_counted < MIN_TECHNIQUE_READINGS or m.push_pct <= PUSH_MAX_PCT:
        return None
    new = replace(plan, stage="technique", resume_stage=plan.stage)
    why = (
        f"{m.push_pct:g} % of this week's contractions pushed down (the tummy zone rose as much as the floor), more "
        f"than the {PUSH_MAX_PCT:g} % the plan allows. Pushing strains the floor instead of training it, so first "
        "relearn the lift with the two-zone display; your dose is kept for when you come back."
    )
    what = "Technique work: lift practice, 8 gentle 3 s lifts with feedback, instead of the holds"
    return new, [Change(nxt, "technique", what, why, f"{PUSH_RULE}; {NICE_NG210}")]


def _falling(plan: Plan, m: WeekMeasures) -> str | None:
    prev = next((r.measures for r in reversed(plan.reviews) if r.stage == plan.stage), None)
    if prev is None:
        return None
    same_or_harder = (m.target_hold_s or 0) >= (prev.target_hold_s or 0)
    holds_fell = m.median_hold_s is not None and m.median_hold_s <= FALLING_RATIO * (prev.median_hold_s or 0)
    if prev.median_hold_s and same_or_harder and holds_fell:
        return f"your holds fell from a median of {prev.median_hold_s:.1f} s to {m.median_hold_s:.1f} s"
    if prev.strength and m.strength is not None and m.strength <= FALLING_RATIO * prev.strength:
        return f"your strongest squeezes fell by {100 * (1 - m.strength / prev.strength):.0f} % since last week"
    return None


def _training_week(plan: Plan, m: WeekMeasures, nxt: int) -> Outcome:
    low = _adherence_low(plan, m, nxt)
    if low is not None:
        return low
    falling = _falling(plan, m)
    if falling is not None:
        if plan.stage == "maintenance":
            new = replace(plan, stage="training")
            what = f"Back to daily training: {new.dose.describe()}"
            why = f"This week {falling}: 2 days a week is not keeping your strength, so train daily again."
            return new, [Change(nxt, "training", what, why, f"{BO_MOTHERFIT}; {NICE_CG171}")]
        if plan.rung == 0:
            why = f"This week {falling}. The dose is already the starting one; if this goes on, see a physiotherapist."
            return _keep(plan, nxt, why, f"{_PELVICORE_RULE}; {NICE_NG210}")
        new = replace(plan, rung=plan.rung - 1)
        why = (
            f"This week {falling} (to 80 % or less of the week before): the last step was too much for now. Step back "
            "one rung, hold good form, and the plan moves up again when most holds reach the target."
        )
        return new, [Change(nxt, "deload", f"Step back: {new.dose.describe()}", why, _PELVICORE_RULE)]
    if m.success_pct is None:
        why = f"Only {m.sessions} session(s) this week: the plan judges the last {SESSIONS_JUDGED}."
        return _keep(plan, nxt, why)
    if plan.stage == "maintenance":
        return _keep(plan, nxt, f"{_success_text(m)}: your strength is holding on 2 days a week.", BO_MOTHERFIT)
    if m.success_pct < PROGRESS_MIN_PCT:
        why = f"{_success_text(m)}; the plan moves up when at least {PROGRESS_MIN_PCT:g} % do. Not yet, keep going."
        return _keep(plan, nxt, why, _PROGRESS_SOURCE)
    if plan.rung + 1 >= len(plan.rungs):
        return _keep(plan, nxt, f"{_success_text(m)}: you are at the top of the plan's ladder.", BO_MOTHERFIT)
    rung = plan.rungs[plan.rung + 1]
    new = replace(plan, rung=plan.rung + 1)
    why = f"{_success_text(m)}: at least {PROGRESS_MIN_PCT:g} %, so the next step."
    what = f"Next step: {rung.what}. Now {new.dose.describe()}"
    return new, [Change(nxt, "progress", what, why, f"{_PROGRESS_SOURCE}; {rung.source}")]


def _technique_week(plan: Plan, m: WeekMeasures, nxt: int) -> Outcome:
    if m.push_pct is None or m.technique_counted < MIN_TECHNIQUE_READINGS:
        why = (
            f"Only {m.technique_counted} contraction(s) this week had a two-zone reading; at least "
            f"{MIN_TECHNIQUE_READINGS} are needed to see whether you lift or push (use a two-zone trainer)."
        )
        return _keep(plan, nxt, why, PUSH_RULE)
    if m.push_pct > PUSH_MAX_PCT:
        why = (
            f"{m.push_pct:g} % of this week's contractions still pushed down; the plan goes on when "
            f"{PUSH_MAX_PCT:g} % or fewer do."
        )
        return _keep(plan, nxt, why, f"{PUSH_RULE}; {NICE_NG210}")
    new = replace(plan, stage=plan.resume_stage or "training", resume_stage=None)
    why = (
        f"Only {m.push_pct:g} % of this week's contractions pushed down ({PUSH_MAX_PCT:g} % allowed): "
        "you lift correctly."
    )
    what = f"Back to your plan: {new.dose.describe()}"
    return new, [Change(nxt, "training", what, why, PUSH_RULE)]


def _relaxation_week(plan: Plan, m: WeekMeasures, nxt: int) -> Outcome:
    first_measured = plan.rest_baseline is None
    baseline = m.rest_level if first_measured else plan.rest_baseline
    plan = replace(plan, rest_baseline=baseline)
    low = _adherence_low(plan, m, nxt)
    if low is not None:
        return low
    if m.release_ok_pct is None:
        return _keep(plan, nxt, "No squeeze this week could be measured for its release.", GLAZER_1995)
    release_ok = m.release_ok_pct >= PROGRESS_MIN_PCT
    release = f"{m.release_ok_pct:g} % of your squeezes let go quickly and completely ({PROGRESS_MIN_PCT:g} % needed)"
    tone_ok, tone = True, ""
    if plan.assessment.resting_tone_high and m.rest_level is not None and baseline is not None:
        if first_measured:
            tone_ok = False
            tone = f"; this week's resting level, {m.rest_level:.1f}, is the baseline later weeks are compared with"
        else:
            tone_ok = m.rest_level <= REST_FALL_RATIO * baseline
            fall = 100 * (1 - m.rest_level / baseline)
            tone = (
                f"; your resting level is {m.rest_level:.1f} against {baseline:.1f} in your first measured week "
                f"({abs(fall):.0f} % {'lower' if fall >= 0 else 'higher'}; {100 * (1 - REST_FALL_RATIO):.0f} % lower "
                "is needed)"
            )
    elif plan.assessment.resting_tone_high:
        tone = "; your resting level was not measured, so the release alone decides"
    if not (release_ok and tone_ok):
        return _keep(plan, nxt, f"{release}{tone}. Keep letting go before adding strength work.", GLAZER_1995)
    why = f"{release}{tone}: your floor has learnt to let go."
    if plan.goal == "relaxation":
        new = replace(plan, stage="maintenance")
        what = "Maintenance: the same relaxation session on 2 days a week"
        return new, [Change(nxt, "maintenance", what, why, f"{GLAZER_1995}; {BO_MOTHERFIT}")]
    new = replace(plan, stage="training", rung=0, relax_cooldown=True)
    what = (
        f"Strength training starts at the first step, with relaxation breathing after each set: {new.dose.describe()}"
    )
    return new, [Change(nxt, "training", what, why, f"{GLAZER_1995}; {NICE_CG171}; {BO_MOTHERFIT}")]


def _end_of_programme(plan: Plan, nxt: int) -> tuple[Plan, list[Change]]:
    if plan.stage == "maintenance":
        return plan, []
    if plan.stage == "training" and plan.rung > 0:
        new = replace(plan, stage="maintenance")
        what = f"Maintenance: {new.dose.describe()}"
        why = f"{plan.total_weeks} weeks done and your dose has risen {plan.rung} step(s): keep it up on 2 days a week."
        return new, [Change(nxt, "maintenance", what, why, f"{NICE_CG171}; {BO_MOTHERFIT}")]
    why = (
        f"{plan.total_weeks} weeks done without measurable progress. Keep going, and book a review with a "
        "pelvic-health physiotherapist, who can check the squeeze and adjust the plan."
    )
    if plan.stage == "relaxation":
        why += " Down-training often takes about 16 weeks."
    return plan, [
        Change(nxt, "review", "Review with a physiotherapist", why, f"{NICE_NG210}; {NICE_QS77}; {GLAZER_1995}")
    ]
