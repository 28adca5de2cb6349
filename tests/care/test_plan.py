"""Self-care plan: every area present and sourced, tailored from her own data, triage first, reviewed weekly."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pelvicore.care import sources
from pelvicore.care.answers import TriageAnswers
from pelvicore.care.diary import DiaryEntry
from pelvicore.care.instruments import start_back
from pelvicore.care.plan import SelfCarePlan, build_plan, review_due
from pelvicore.care.plan_items import PlanItem
from pelvicore.care.profile import CareProfile
from pelvicore.care.training_log import TrainingSummary
from pelvicore.care.triage import triage

TODAY = dt.date(2025, 3, 17)
AREAS = {"exercise", "pelvic_floor", "bone_nutrition", "posture", "heat_cold", "stress_sleep", "hydration", "weight"}


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def plan_for(
    profile: CareProfile | None = None,
    diary: list[DiaryEntry] | None = None,
    answers: TriageAnswers | None = None,
    training: TrainingSummary | None = None,
) -> SelfCarePlan:
    result = None if answers is None else triage(answers)
    return build_plan(profile or CareProfile(), diary or [], result, training, today=TODAY)


def item(plan: SelfCarePlan, area: str) -> PlanItem:
    return next(i for i in plan.items if i.area == area)


def test_an_empty_profile_still_gets_every_area_with_why_and_sources() -> None:
    plan = plan_for()
    assert {i.area for i in plan.items} == AREAS
    for i in plan.items:
        assert i.actions and i.why and i.sources, i.area
    assert plan.urgent is None
    assert any("age and weight" in t for t in plan.to_tailor)
    assert sources.SELFBACK in plan.sources
    assert "does not diagnose" in plan.note


def test_the_figures_from_the_guidelines() -> None:
    plan = plan_for(CareProfile(age=74))
    bone = " ".join(item(plan, "bone_nutrition").actions)
    assert "1,200 mg" in bone and "2,000 mg" in bone and "800 IU (20 µg)" in bone and "4,000 IU" in bone
    assert "sardines" in bone and "yoghurt" in bone and "oily fish" in bone
    assert "600 IU (15 µg)" in " ".join(item(plan_for(CareProfile(age=60)), "bone_nutrition").actions)
    assert "women over 50" in " ".join(item(plan_for(CareProfile(age=45)), "bone_nutrition").actions)
    heat = " ".join(item(plan, "heat_cold").actions)
    assert heat.count("15-20 minutes") == 2 and "wrapped in a towel" in heat
    assert "7-9 hours" in " ".join(item(plan, "stress_sleep").actions)
    posture = " ".join(item(plan, "posture").actions)
    assert "feet flat" in posture and "hips slightly above your knees" in posture and "lower back supported" in posture
    assert "1.6 L" in item(plan, "hydration").actions[0] and "2.7 L" in item(plan, "hydration").actions[0]
    assert "8 times, 3 times a day" in item(plan, "pelvic_floor").actions[0]


def test_post_menopause_and_low_calcium_make_bones_a_priority() -> None:
    plan = plan_for(CareProfile(age=62, weight_kg=55, menopause_status="post", calcium_mg_per_day=700))
    bone = item(plan, "bone_nutrition")
    assert bone.priority
    why = " ".join(bone.why)
    assert "after menopause" in why and "about 500 mg short" in why
    assert "OST -1.4, ORAI 16" in why and "DXA" in why  # the bone screen from pelvicore.care.bone
    assert any("Cadarette" in s for s in bone.sources)
    assert plan.items[0].priority  # priorities come first


def test_too_much_calcium_or_vitamin_d_is_flagged() -> None:
    why = " ".join(
        item(plan_for(CareProfile(calcium_mg_per_day=2500, vitamin_d_iu_per_day=10_000)), "bone_nutrition").why
    )
    assert "above the 2,000 mg upper limit" in why and "above the 4,000 IU upper limit" in why


def test_morning_stiffness_means_heat_and_a_flare_means_cold() -> None:
    diary = [DiaryEntry(days_ago(k), pain=3, stiffness="morning") for k in range(20, 7, -1)]
    diary += [DiaryEntry(days_ago(k), pain=6) for k in range(6, -1, -1)]
    heat = item(plan_for(diary=diary), "heat_cold")
    assert heat.priority
    assert any("stiffness" in w for w in heat.why) and any("flare" in w for w in heat.why)
    calm = item(plan_for(diary=[DiaryEntry(days_ago(1), pain=3, stiffness="none")]), "heat_cold")
    assert not calm.priority


def test_long_lasting_pain_leads_to_exercise_advice_from_acp() -> None:
    diary = [DiaryEntry(days_ago(k), pain=5) for k in range(0, 100, 3)]
    exercise = item(plan_for(diary=diary), "exercise")
    assert exercise.priority and "ACP 2017" in " ".join(exercise.why)
    assert sources.ACP_2017 in exercise.sources


def test_bone_history_means_bone_safe_exercise() -> None:
    exercise = item(plan_for(CareProfile(osteoporosis=True)), "exercise")
    assert any("physiotherapist" in a for a in exercise.actions)


def test_leaking_and_low_training_make_the_pelvic_floor_a_priority() -> None:
    diary = [DiaryEntry(days_ago(1), leaking_episodes=2)]
    floor = item(plan_for(diary=diary, training=TrainingSummary(2, 1)), "pelvic_floor")
    assert floor.priority
    assert any("leaking" in w for w in floor.why) and any("1 of the last 7 days" in w for w in floor.why)
    assert sources.NICE_CG171 in floor.sources and sources.COCHRANE_PFMT in floor.sources
    regular = item(plan_for(training=TrainingSummary(7, 6)), "pelvic_floor")
    assert not regular.priority and "keep it up" in regular.why[0]


def test_short_sleep_and_a_high_start_back_score_prioritise_stress_and_sleep() -> None:
    high = start_back([False] * 4 + [True] * 4, "very much")
    diary = [DiaryEntry(days_ago(k), sleep_hours=5.5, instruments=(high,) if k == 3 else ()) for k in range(5)]
    plan = plan_for(diary=diary)
    stress = item(plan, "stress_sleep")
    assert stress.priority and "5.5 hours" in stress.why[0] and "STarT Back" in stress.why[1]
    assert item(plan, "exercise").priority  # high risk of lasting pain


def test_bmi_and_mid_back_pain() -> None:
    plan = plan_for(CareProfile(weight_kg=80, height_cm=160), [DiaryEntry(days_ago(0), where=("mid_back",))])
    weight = item(plan, "weight")
    assert weight.priority and "31.2 (obesity, WHO categories)" in weight.why[0]
    assert sources.WHO_BMI in weight.sources
    assert item(plan, "posture").priority and "shoulder blades" in item(plan, "posture").why[0]
    healthy = item(plan_for(CareProfile(weight_kg=60, height_cm=165)), "weight")
    assert not healthy.priority and "healthy" in healthy.why[0]


def test_goals_make_their_areas_priorities_and_say_so() -> None:
    plan = plan_for(CareProfile(goals=("better_sleep", "stronger_pelvic_floor")))
    assert item(plan, "stress_sleep").priority and "better sleep" in item(plan, "stress_sleep").why[-1]
    assert item(plan, "pelvic_floor").priority
    assert not item(plan, "hydration").priority


def test_old_diary_entries_do_not_describe_now() -> None:
    diary = [DiaryEntry(days_ago(40), sleep_hours=4, stiffness="all_day", leaking_episodes=3)]
    plan = plan_for(diary=diary)
    assert not item(plan, "stress_sleep").priority and not item(plan, "heat_cold").priority
    future = [DiaryEntry(TODAY + dt.timedelta(days=3), sleep_hours=4)]
    assert not item(plan_for(diary=future), "stress_sleep").priority


@pytest.mark.parametrize(
    ("answers", "level"),
    [(TriageAnswers(saddle_numbness=True), "emergency"), (TriageAnswers(fever=True), "soon")],
)
def test_urgent_triage_heads_the_plan_without_replacing_it(answers: TriageAnswers, level: str) -> None:
    plan = plan_for(answers=answers)
    assert plan.urgent is not None and plan.urgent.level == level
    assert plan.urgent.advice == triage(answers).advice and plan.urgent.reasons
    assert {i.area for i in plan.items} == AREAS  # the plan is still there
    assert list(plan.to_dict())[:3] == ["plan_date", "review_on", "urgent"]


@pytest.mark.parametrize("answers", [TriageAnswers(), TriageAnswers(age=70)])
def test_self_care_or_routine_triage_adds_no_urgent_advice(answers: TriageAnswers) -> None:
    assert plan_for(answers=answers).urgent is None


def test_weekly_review() -> None:
    plan = plan_for()
    assert plan.review_on == TODAY + dt.timedelta(days=7)
    assert not review_due(TODAY, TODAY + dt.timedelta(days=6))
    assert review_due(TODAY, TODAY + dt.timedelta(days=7))
    assert review_due(TODAY, TODAY + dt.timedelta(days=30))


def test_plan_json() -> None:
    data = plan_for(CareProfile(age=62, weight_kg=55, height_cm=160)).to_dict()
    json.dumps(data, allow_nan=False)
    assert data["plan_date"] == "2025-03-17" and data["review_on"] == "2025-03-24"
    assert all({"area", "title", "actions", "why", "sources", "priority"} == set(i) for i in data["items"])  # type: ignore[union-attr]
