"""The eight areas of the self-care plan: for each, what to do, why for her, and the sources.

Each builder reads her profile and what her diary says about now (:class:`Now`), and marks the item a priority
when her own data (or her goals) point to it. Facts and figures: ACP 2017 (Qaseem et al.); NICE CG171; IOM 2011;
BHOF; EFSA 2010; WHO body-mass index categories; the seed article on menopause and back pain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pelvicore.care import sources as src
from pelvicore.care.bone import CADARETTE, screen_bone_risk
from pelvicore.care.diary import DiaryEntry, pain_run
from pelvicore.care.profile import CareProfile
from pelvicore.care.training_log import TrainingSummary

Area = Literal[
    "exercise", "pelvic_floor", "bone_nutrition", "posture", "heat_cold", "stress_sleep", "hydration", "weight"
]

CHRONIC_WEEKS = 12  # ACP 2017: chronic low back pain lasts 12 weeks or more
RECENT_DAYS = 14  # the diary entries that describe "now"
CALCIUM_MG, CALCIUM_UPPER_MG = 1200, 2000  # women over 50 (IOM 2011)
VITAMIN_D_UPPER_IU = 4000  # IOM 2011
SLEEP_HOURS = (7, 9)
DRINKS_L = 1.6  # EFSA: about 1.6 L a day from drinks
MIN_TRAINING_DAYS = 3  # Bø-style programmes: daily, or at least 3-4 days a week
LONG_SITTING_HOURS = 6  # pelvicore's threshold for "sits most of the day"


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One area of the plan: what to do, why for her, its sources, and whether her data make it a priority."""

    area: Area
    title: str
    actions: tuple[str, ...]
    why: tuple[str, ...]
    sources: tuple[str, ...]
    priority: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "area": self.area,
            "title": self.title,
            "actions": list(self.actions),
            "why": list(self.why),
            "sources": list(self.sources),
            "priority": self.priority,
        }


@dataclass(frozen=True, slots=True)
class Now:
    """What her diary says about the last two weeks."""

    pain_weeks: float | None
    flare: bool
    recent_pain: float | None
    stiffness: bool
    regions: frozenset[str]
    sleep_hours: float | None
    leaks: bool
    start_back: str | None
    psychosocial: float | None
    odi_band: str | None

    @classmethod
    def of(cls, entries: list[DiaryEntry], today: dt.date) -> Now:
        recent = [e for e in entries if (today - e.date).days < RECENT_DAYS]
        week = [e.pain for e in recent if e.pain is not None and (today - e.date).days < 7]
        before = [e.pain for e in entries if e.pain is not None and 7 <= (today - e.date).days < 28]
        run = pain_run(entries) if recent else []
        sleep = [e.sleep_hours for e in recent if e.sleep_hours is not None]
        scores = {s.instrument: s for e in entries for s in e.instruments}  # the latest of each
        sbt, odi = scores.get("start_back"), scores.get("odi")
        return cls(
            pain_weeks=(run[0].date - run[-1].date).days / 7 if run else None,
            flare=bool(week and before) and _mean(week) - _mean(before) >= 2,  # NPRS important change
            recent_pain=_mean(week) if week else None,
            stiffness=any(e.stiffness in ("morning", "all_day") for e in recent),
            regions=frozenset(r for e in recent for r in e.where),
            sleep_hours=_mean(sleep) if sleep else None,
            leaks=any(e.leaking_episodes for e in recent),
            start_back=None if sbt is None else sbt.band,
            psychosocial=None if sbt is None else sbt.subscales[0].value,
            odi_band=None if odi is None else odi.band,
        )


def exercise(p: CareProfile, now: Now) -> PlanItem:
    actions = [
        "Keep moving every day: low-impact activity such as walking, swimming or cycling.",
        "Strengthen your core and back: motor-control (deep core) exercises, yoga or tai chi.",
    ]
    why = []
    chronic = now.pain_weeks is not None and now.pain_weeks >= CHRONIC_WEEKS
    if chronic:
        why.append(
            f"Your back pain has lasted {now.pain_weeks:.0f} weeks: for long-lasting back pain, exercise, "
            "yoga, tai chi and motor-control exercise are first-line care (ACP 2017)."
        )
    if now.start_back in ("medium risk", "high risk"):
        why.append(
            f"Your STarT Back result ({now.start_back}) means a higher chance that the pain lasts: "
            "exercise is a core part of care for that."
        )
    if (now.recent_pain or 0) >= 7 or now.odi_band in ("severe", "crippled", "bed-bound"):
        actions.append("Start gently with short sessions and build up as the pain allows.")
        why.append("Your pain or disability is high right now: little and often is easier than long sessions.")
    if p.osteoporosis or p.fractures or p.steroids:
        actions.append("Choose low-impact exercise, and ask a physiotherapist which exercises suit your bones.")
        why.append("Your history (osteoporosis, a fracture or steroid tablets) makes bone-safe exercise important.")
    why.extend(_goal_reasons(p, "less_back_pain", "stay_active"))
    return PlanItem(
        "exercise",
        "Low-impact exercise and core strength",
        tuple(actions),
        tuple(why) or ("Staying active is one of the best-supported things for back pain.",),
        (src.ACP_2017, src.SEED_ARTICLE),
        bool(why),
    )


def pelvic_floor(p: CareProfile, now: Now, training: TrainingSummary | None) -> PlanItem:
    actions = [
        "Squeeze and lift your pelvic floor at least 8 times, 3 times a day, for at least 12 weeks; "
        "pelvicore's 'Daily training set' is one such set.",
        "Breathe out as you squeeze; do not push down or hold your breath.",
        "If you can, start with a pelvic-floor physiotherapist: supervised training works best at first.",
    ]
    why = []
    if now.leaks:
        why.append("Your diary shows leaking: pelvic-floor training is the first treatment, and often cures it.")
    elif p.stress_incontinence_longstanding:
        why.append("You have leaked on coughing or sneezing for a long time: training is the first treatment.")
    if training is not None and training.days_trained_last_7_days < MIN_TRAINING_DAYS:
        why.append(
            f"You trained on {training.days_trained_last_7_days} of the last 7 days: aim for daily, or at least "
            f"{MIN_TRAINING_DAYS}-4 days a week."
        )
    elif training is not None:
        why.append(f"You trained on {training.days_trained_last_7_days} of the last 7 days: keep it up.")
    if "tailbone" in now.regions:
        why.append(
            "Tailbone pain is one of the pelvic-floor symptoms: letting go fully after each squeeze matters as "
            "much as the squeeze."
        )
    goals = _goal_reasons(p, "less_leaking", "stronger_pelvic_floor")
    why.extend(goals)
    important = now.leaks or bool(p.stress_incontinence_longstanding) or bool(goals)
    low_adherence = training is not None and training.days_trained_last_7_days < MIN_TRAINING_DAYS
    return PlanItem(
        "pelvic_floor",
        "Pelvic-floor training",
        tuple(actions),
        tuple(why) or ("A strong pelvic floor that can also relax supports the base of the spine.",),
        (src.NICE_CG171, src.NICE_PFMT, src.COCHRANE_PFMT, src.BO_MOTHERFIT),
        important or low_adherence,
    )


def bone_nutrition(p: CareProfile) -> PlanItem:
    over_70 = p.age is not None and p.age > 70
    vit_d = "800 IU (20 µg)" if over_70 else "600 IU (15 µg)"
    age_note = "" if p.age is not None and p.age > 50 else " (the targets for women over 50)"
    actions = (
        f"Calcium: aim for {CALCIUM_MG:,} mg a day{age_note}, from food first, and no more than {CALCIUM_UPPER_MG:,} "
        "mg: milk, yoghurt and cheese; calcium-set tofu; tinned sardines or salmon with their bones; fortified "
        "plant drinks; kale, broccoli and almonds.",
        f"Vitamin D: {vit_d} a day{age_note} (some advise 800-1,000 IU from 50), and no more than "
        f"{VITAMIN_D_UPPER_IU:,} IU: oily fish, egg yolks and fortified foods; ask your clinician whether you need "
        "a supplement.",
    )
    why, sources_ = [], [src.IOM_2011, src.BHOF]
    if p.menopause_status in ("peri", "post"):
        why.append("Bone loss speeds up around and after menopause, so calcium and vitamin D matter more now.")
    if p.osteoporosis or p.fractures or p.steroids:
        why.append("Your history (osteoporosis, a fracture or steroid tablets) puts your bones at higher risk.")
    if p.calcium_mg_per_day is not None and p.calcium_mg_per_day < CALCIUM_MG:
        why.append(
            f"You get about {p.calcium_mg_per_day:,.0f} mg of calcium a day: about "
            f"{CALCIUM_MG - p.calcium_mg_per_day:,.0f} mg short of {CALCIUM_MG:,} mg."
        )
    elif p.calcium_mg_per_day is not None and p.calcium_mg_per_day > CALCIUM_UPPER_MG:
        why.append(
            f"You get about {p.calcium_mg_per_day:,.0f} mg of calcium a day, above the {CALCIUM_UPPER_MG:,} "
            "mg upper limit: talk to your clinician about cutting down supplements."
        )
    if p.vitamin_d_iu_per_day is not None and p.vitamin_d_iu_per_day > VITAMIN_D_UPPER_IU:
        why.append(
            f"You take about {p.vitamin_d_iu_per_day:,.0f} IU of vitamin D a day, above the "
            f"{VITAMIN_D_UPPER_IU:,} IU upper limit: check the dose with your clinician."
        )
    if p.age is not None and p.weight_kg is not None:
        risk = screen_bone_risk(p.age, p.weight_kg, estrogen_now=bool(p.hormone_therapy))
        if risk.discuss_dxa:
            why.append(
                f"Your bone-risk screen (OST {risk.ost:.1f}, ORAI {risk.orai}) suggests discussing a "
                "bone-density (DXA) scan with your clinician."
            )
            sources_.append(CADARETTE)
    why.extend(_goal_reasons(p, "bone_health"))
    return PlanItem(
        "bone_nutrition",
        "Calcium and vitamin D for your bones",
        actions,
        tuple(why) or ("Calcium and vitamin D keep bones strong as oestrogen falls.",),
        tuple(sources_),
        bool(why),
    )


def posture(p: CareProfile, now: Now) -> PlanItem:
    actions = (
        "When you sit: feet flat on the floor, hips slightly above your knees, lower back supported "
        "(a small cushion or rolled towel).",
        "Set your chair and screen so you can sit like this without leaning forward, and get up to move regularly.",
    )
    why = []
    if "mid_back" in now.regions:
        why.append("You have pain between the shoulder blades, which a stooped posture can bring on.")
    if p.sitting_hours_per_day is not None and p.sitting_hours_per_day >= LONG_SITTING_HOURS:
        why.append(f"You sit about {p.sitting_hours_per_day:g} hours a day.")
    return PlanItem(
        "posture",
        "Posture and your workstation",
        actions,
        tuple(why) or ("Good sitting posture takes strain off the lower back.",),
        (src.SEED_ARTICLE,),
        bool(why),
    )


def heat_cold(now: Now) -> PlanItem:
    actions = (
        "For stiffness and a long-standing ache: warmth, such as a heat pack or a warm bath, for 15-20 minutes at a "
        "time, with a cloth between the pack and your skin.",
        "For a new flare of pain: a cold pack wrapped in a towel, no more than 15-20 minutes at a time.",
        "Never put heat or cold on skin that feels numb.",
    )
    why = []
    if now.stiffness:
        why.append("Your diary shows stiffness: warmth eases stiff muscles and joints.")
    if now.flare:
        why.append("Your pain this week is 2 or more points above the weeks before: a flare, when cold can help.")
    return PlanItem(
        "heat_cold",
        "Heat for stiffness, cold for a flare",
        actions,
        tuple(why) or ("Heat and cold are simple ways to ease pain at home.",),
        (src.ACP_2017, src.SEED_ARTICLE),
        bool(why),
    )


def stress_sleep(p: CareProfile, now: Now) -> PlanItem:
    low, high = SLEEP_HOURS
    actions = (
        f"Aim for {low}-{high} hours of sleep a night.",
        "Try mindfulness-based stress reduction, yoga or tai chi: they help long-lasting back pain and stress.",
    )
    why = []
    if now.sleep_hours is not None and now.sleep_hours < low:
        why.append(f"You have slept about {now.sleep_hours:.1f} hours a night lately, under {low} hours.")
    if now.psychosocial is not None and now.psychosocial >= 4:
        why.append("Your STarT Back answers show worry and low mood weigh on your back pain: easing stress helps.")
    why.extend(_goal_reasons(p, "better_sleep"))
    return PlanItem(
        "stress_sleep",
        "Stress and sleep",
        actions,
        tuple(why) or ("Poor sleep and stress make pain feel worse.",),
        (src.SEED_ARTICLE, src.ACP_2017),
        bool(why),
    )


def hydration(p: CareProfile) -> PlanItem:
    actions = (
        "Drink about 1.6 L a day; food supplies the rest of the 2.0 L of water a day (EFSA). The IOM suggests "
        "more: 2.7 L in total, about 2.2 L of it from drinks.",
    )
    why = []
    if p.drinks_l_per_day is not None and p.drinks_l_per_day < DRINKS_L:
        why.append(f"You drink about {p.drinks_l_per_day:g} L a day, under {DRINKS_L:g} L.")
    return PlanItem(
        "hydration",
        "Hydration",
        actions,
        tuple(why) or ("Drinking enough is one of the everyday habits that help a back.",),
        (src.EFSA_WATER, src.IOM_WATER, src.SEED_ARTICLE),
        bool(why),
    )


def weight(p: CareProfile) -> PlanItem:
    actions = ("Aim for a healthy weight with regular activity and balanced meals, rather than strict dieting.",)
    bmi = p.bmi()
    why, sources_ = [], [src.SEED_ARTICLE]
    if bmi is not None:
        sources_.append(src.WHO_BMI)
        category = "underweight" if bmi < 18.5 else "healthy" if bmi < 25 else "overweight" if bmi < 30 else "obesity"
        why.append(f"Your body-mass index is {bmi:.1f} ({category}, WHO categories).")
        if bmi >= 25:
            why.append("Weight gained around menopause is one of the things that drive back pain.")
        elif bmi < 18.5:
            why.append("A low weight raises the risk of weak bones (ORAI scores weight under 60 kg as a risk).")
            sources_.append(CADARETTE)
    priority = bmi is not None and (bmi >= 25 or bmi < 18.5)
    why.extend(_goal_reasons(p, "healthy_weight"))
    return PlanItem(
        "weight",
        "A healthy weight",
        actions,
        tuple(why) or ("Weight gain around menopause adds strain on the back.",),
        tuple(sources_),
        priority or bool(_goal_reasons(p, "healthy_weight")),
    )


def _goal_reasons(p: CareProfile, *goals: str) -> list[str]:
    return [f"It serves your goal: {g.replace('_', ' ')}." for g in p.goals if g in goals]


def _mean(values: list[int] | list[float]) -> float:
    return sum(values) / len(values)


__all__ = [
    "Area",
    "Now",
    "PlanItem",
    "bone_nutrition",
    "exercise",
    "heat_cold",
    "hydration",
    "pelvic_floor",
    "posture",
    "stress_sleep",
    "weight",
]
