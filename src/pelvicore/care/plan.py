"""Her self-care plan: the seven things that help a back at home, plus the pelvic floor, each tailored and sourced.

:func:`build_plan` turns her profile, diary, latest triage and training into one item per area. Each item says
what to do, why it matters for her (from her own data, or the general reason when her data say nothing), and
where the advice comes from. A triage result that needs a clinician (emergency or soon) heads the plan: the
plan comes after that advice, never instead of it. Plans are reviewed every week, as in the selfBACK trial.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from pelvicore.care import sources as src
from pelvicore.care.diary import DiaryEntry
from pelvicore.care.plan_items import (
    Area,
    Now,
    PlanItem,
    bone_nutrition,
    exercise,
    heat_cold,
    hydration,
    pelvic_floor,
    posture,
    stress_sleep,
    weight,
)
from pelvicore.care.profile import CareProfile
from pelvicore.care.training_log import TrainingSummary
from pelvicore.care.triage import Level, TriageResult

REVIEW_DAYS = 7  # selfBACK reviewed and re-tailored each plan weekly
NOT_A_DIAGNOSIS = (
    "pelvicore does not diagnose. This plan is self-care alongside your clinician's advice; if anything new or "
    "worrying appears, run the red-flag check again."
)


@dataclass(frozen=True, slots=True)
class UrgentAdvice:
    """A triage result that needs a clinician: it heads the plan."""

    level: Level
    advice: str
    reasons: tuple[str, ...]
    note: str

    def to_dict(self) -> dict[str, object]:
        return {"level": self.level, "advice": self.advice, "reasons": list(self.reasons), "note": self.note}


@dataclass(frozen=True, slots=True)
class SelfCarePlan:
    """The plan: urgent advice first when triage asks for a clinician, then the items (priorities first)."""

    plan_date: dt.date
    review_on: dt.date
    urgent: UrgentAdvice | None
    items: tuple[PlanItem, ...]
    to_tailor: tuple[str, ...]
    sources: tuple[str, ...]
    note: str = NOT_A_DIAGNOSIS

    def to_dict(self) -> dict[str, object]:
        return {
            "plan_date": self.plan_date.isoformat(),
            "review_on": self.review_on.isoformat(),
            "urgent": None if self.urgent is None else self.urgent.to_dict(),
            "items": [item.to_dict() for item in self.items],
            "to_tailor": list(self.to_tailor),
            "sources": list(self.sources),
            "note": self.note,
        }


def review_due(plan_date: dt.date, today: dt.date) -> bool:
    """Whether a plan made on ``plan_date`` is due for its weekly review (every 7 days; selfBACK, JAMA IM 2021)."""
    return (today - plan_date).days >= REVIEW_DAYS


def build_plan(
    profile: CareProfile,
    diary_entries: Iterable[DiaryEntry],
    triage_result: TriageResult | None,
    training_summary: TrainingSummary | None,
    *,
    today: dt.date | None = None,
) -> SelfCarePlan:
    """Build her self-care plan.

    Parameters
    ----------
    profile : CareProfile
        Any fields may be missing; ``to_tailor`` then says what would tailor the plan further.
    diary_entries : iterable of DiaryEntry
        Her diary; the last 14 days describe how she is now, and her pain run how long the pain has lasted.
    triage_result : TriageResult or None
        Her latest red-flag triage. ``emergency`` or ``soon`` puts its advice first, in ``urgent``.
    training_summary : TrainingSummary or None
        Her recent pelvic-floor training.
    today : date
        The plan's date (default: today); the review falls 7 days later.

    Sources: ACP 2017; NICE CG171; IOM 2011; BHOF; EFSA; WHO; selfBACK (JAMA Intern Med 2021); the seed article.
    """
    today = today or dt.date.today()
    entries = sorted((e for e in diary_entries if e.date <= today), key=lambda e: e.date)
    now = Now.of(entries, today)
    items = [
        exercise(profile, now),
        pelvic_floor(profile, now, training_summary),
        bone_nutrition(profile),
        posture(profile, now),
        heat_cold(now),
        stress_sleep(profile, now),
        hydration(profile),
        weight(profile),
    ]
    items.sort(key=lambda item: not item.priority)  # stable: the area order within priorities and the rest
    to_tailor = tuple(
        text
        for fields_, text in (
            (profile.needs("bone"), "age and weight: for your bone-risk screen and vitamin D target"),
            (profile.needs("bmi"), "height and weight: for your body-mass index"),
            ([] if profile.calcium_mg_per_day is not None else ["calcium"], "how much calcium you get a day"),
            ([] if entries else ["diary"], "a few diary entries: pain, stiffness, sleep and leaking"),
        )
        if fields_
    )
    used = dict.fromkeys(s for item in items for s in item.sources)
    return SelfCarePlan(
        plan_date=today,
        review_on=today + dt.timedelta(days=REVIEW_DAYS),
        urgent=_urgent(triage_result),
        items=tuple(items),
        to_tailor=to_tailor,
        sources=(*used, src.SELFBACK),
    )


def _urgent(result: TriageResult | None) -> UrgentAdvice | None:
    if result is None or result.level not in ("emergency", "soon"):
        return None
    note = (
        "Get help first: the self-care plan below is for after you have been checked."
        if result.level == "emergency"
        else "Keep to the plan below while you wait for your appointment; it does not replace it."
    )
    return UrgentAdvice(result.level, result.advice, tuple(r.text for r in result.reasons), note)


__all__ = ["Area", "PlanItem", "SelfCarePlan", "UrgentAdvice", "build_plan", "review_due"]
