"""What the care pages and the care API share: her stored profile, diary and training, turned into care results.

Each function is one step a request takes (save a diary entry and decide on triage, build the plan, build the
insight); the routers only read requests and render answers, so a page and its JSON twin always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import Depends, HTTPException, Request, status

from pelvicore.care.answers import TriageAnswers
from pelvicore.care.diary import (
    DiaryEntry,
    DiaryError,
    DiaryFlags,
    combine_answers,
    latest_flags,
    new_flags,
    parse_entry,
)
from pelvicore.care.insight import Insight, build_insight
from pelvicore.care.instruments import InstrumentScore
from pelvicore.care.plan import REVIEW_DAYS, SelfCarePlan, build_plan
from pelvicore.care.profile import CareProfile, parse_profile
from pelvicore.care.records import CareRecords
from pelvicore.care.training_log import TrainingSession, sessions_from_records, summarise_training
from pelvicore.care.triage import TriageResult, triage
from pelvicore.errors import PelvicoreError
from pelvicore.store.care import CareStore
from pelvicore.store.repository import SessionStore

MAX_SESSIONS = 1000  # more than a year of daily training: the insight uses its last 12 weeks
SIGNS_KEPT_DAYS = 7


def _care_records(request: Request) -> CareRecords:
    care = getattr(request.app.state, "care_records", None)
    if care is None:
        store: SessionStore = request.app.state.store
        care = request.app.state.care_records = CareRecords(CareStore(store.engine))
    return care


CareDep = Annotated[CareRecords, Depends(_care_records)]


def unprocessable(exc: PelvicoreError) -> HTTPException:
    """A 422 answer whose detail is the error's own message (it names the field and what was expected)."""
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


def profile_of(care: CareRecords, user: int) -> CareProfile:
    """Her saved profile, or an empty one (every field unknown) before she saves one."""
    return care.get_profile(user) or CareProfile()


def needs_of(profile: CareProfile) -> dict[str, list[str]]:
    """For each feature that needs profile fields, the fields still missing."""
    return {"bone": profile.needs("bone"), "bmi": profile.needs("bmi")}


def save_profile(care: CareRecords, user: int, obj: object) -> tuple[CareProfile, TriageResult]:
    """Check and store her profile, and run triage on the history it gives (onboarding)."""
    try:
        profile = parse_profile(obj)
    except PelvicoreError as exc:
        raise unprocessable(exc) from None
    care.save_profile(user, profile)
    return profile, triage(profile.triage_answers())


@dataclass(frozen=True, slots=True)
class DiarySaved:
    """A stored diary entry, what is new in it, and the triage it led to (``None`` when nothing was new)."""

    entry: DiaryEntry
    replaced: bool
    flags: DiaryFlags
    triage: TriageResult | None

    @property
    def scores(self) -> list[InstrumentScore]:
        return scores_of(self.entry)

    def to_dict(self) -> dict[str, object]:
        return {
            "entry": self.entry.to_dict(),
            "replaced": self.replaced,
            "scores": [s.to_dict() for s in self.scores],
            "flags": self.flags.to_dict(),
            "triage": None if self.triage is None else self.triage.to_dict(),
        }


def scores_of(entry: DiaryEntry) -> list[InstrumentScore]:
    """Every scored instrument of an entry: pain, PEG-3, then the entered questionnaires."""
    return [s for s in (entry.pain_score(), entry.peg_score(), *entry.instruments) if s is not None]


#: How far back a new entry may be dated: a diary is kept day by day, and a year covers every review.
MAX_BACKDATE_DAYS: Final = 366


def check_new_entry(entry: DiaryEntry, today: dt.date) -> None:
    """Refuse an entry she is adding that says nothing, or is dated in the future or over a year back.

    ``today`` is her day; one day of slack either way allows for time zones.
    """
    if entry.is_empty():
        raise DiaryError("nothing to save: answer at least one question (pain, where, leaking, sleep, ...)")
    if entry.date > today + dt.timedelta(days=1):
        raise DiaryError(f"date: {entry.date.isoformat()} is in the future; a diary entry is for today or a past day")
    if entry.date < today - dt.timedelta(days=MAX_BACKDATE_DAYS):
        raise DiaryError(f"date: {entry.date.isoformat()} is more than a year ago; enter days within the last year")


def save_entry(care: CareRecords, user: int, obj: object) -> DiarySaved:
    """Check and store a diary entry (replacing that day's), then triage it when it reports something new."""
    try:
        entry = parse_entry(obj)
        check_new_entry(entry, dt.date.today())
    except PelvicoreError as exc:
        raise unprocessable(exc) from None
    others = [e for e in care.list_entries(user) if e.date != entry.date]
    flags = new_flags(entry, others, profile=care.get_profile(user))
    replaced = care.replace_entry(user, entry)
    return DiarySaved(entry, replaced, flags, triage(flags.answers) if flags.triage else None)


#: Warnings that stay in view (home page, care overview) until she marks them read, and for how long at most.
NOTICE_LEVELS = ("emergency", "soon")
NOTICE_DAYS = 30


@dataclass(frozen=True, slots=True)
class OpenNotice:
    """A diary entry's urgent triage result that she has not yet marked as read."""

    day: dt.date
    result: TriageResult


def open_notice(care: CareRecords, user: int, *, today: dt.date) -> OpenNotice | None:
    """The most urgent unread warning her diary raised in the last ``NOTICE_DAYS`` days (the latest of equals)."""
    start = today - dt.timedelta(days=NOTICE_DAYS)
    entries = care.list_entries(user)
    seen = care.notices_seen(user, start=start)
    profile = care.get_profile(user)
    found = []
    for entry in entries:
        if entry.date < start or entry.date in seen:
            continue
        flags = new_flags(entry, entries, profile=profile)  # compared with the days before it
        if flags.triage and (result := triage(flags.answers)).level in NOTICE_LEVELS:
            found.append(OpenNotice(entry.date, result))
    return max(found, key=lambda n: (n.result.level == "emergency", n.day), default=None)


def training_of(store: SessionStore, user: int) -> tuple[TrainingSession, ...]:
    """Her pelvic-floor training: stored sessions with at least one contraction."""
    return sessions_from_records(store.list_sessions(user, limit=MAX_SESSIONS))


@dataclass(frozen=True, slots=True)
class PlanView:
    """The plan with the triage that heads it, what is new in the diary, and the plan's week."""

    plan: SelfCarePlan
    triage: TriageResult
    flags: DiaryFlags | None
    week_began: dt.date
    next_review: dt.date

    def to_dict(self) -> dict[str, object]:
        return self.plan.to_dict() | {
            "triage": self.triage.to_dict(),
            "diary_flags": None if self.flags is None else self.flags.to_dict(),
            "week_began": self.week_began.isoformat(),
            "next_review": self.next_review.isoformat(),
        }


def review_week(first_day: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The plan's current week and its next review: weeks of 7 days from her first diary day (selfBACK's weekly
    review), so the review date stays put while she fills in the diary."""
    if first_day is None or first_day > today:
        return today, today + dt.timedelta(days=REVIEW_DAYS)
    began = today - dt.timedelta(days=(today - first_day).days % REVIEW_DAYS)
    return began, began + dt.timedelta(days=REVIEW_DAYS)


def plan_for(care: CareRecords, store: SessionStore, user: int, *, today: dt.date) -> PlanView:
    """Her plan today: triage on her history, on what is new in her latest entry and on the warning signs of the
    last week's entries, then :func:`build_plan`.

    A warning sign stays at the head of the plan for :data:`SIGNS_KEPT_DAYS` days: a calm entry today must not
    hide the numbness she reported yesterday.
    """
    profile = profile_of(care, user)
    entries = [e for e in care.list_entries(user) if e.date <= today]
    flags = latest_flags(entries, profile=profile)
    week = [e for e in entries if (today - e.date).days < SIGNS_KEPT_DAYS]
    signs = {s for e in week for s in e.signs}
    if any("radiating_hips_legs" in e.where and e.leg_tingling_or_numbness for e in week):
        signs.add("radiating_leg_pain_with_numbness")
    reported = TriageAnswers(**dict.fromkeys(signs, True))  # signs are yes/no answer keys
    result = triage(combine_answers(flags.answers if flags is not None else profile.triage_answers(), reported))
    sessions = training_of(store, user)
    summary = summarise_training(sessions, today=today) if sessions else None
    plan = build_plan(profile, entries, result, summary, today=today)
    began, review = review_week(entries[0].date if entries else None, today)
    return PlanView(plan, result, flags, began, review)


def insight_for(care: CareRecords, store: SessionStore, user: int) -> Insight:
    """Weekly diary against training, with the estimates (see :mod:`pelvicore.care.insight`)."""
    return build_insight(care.list_entries(user), training_of(store, user))


__all__ = [
    "MAX_BACKDATE_DAYS",
    "CareDep",
    "DiarySaved",
    "OpenNotice",
    "PlanView",
    "check_new_entry",
    "insight_for",
    "needs_of",
    "open_notice",
    "plan_for",
    "profile_of",
    "review_week",
    "save_entry",
    "save_profile",
    "scores_of",
    "training_of",
    "unprocessable",
]
