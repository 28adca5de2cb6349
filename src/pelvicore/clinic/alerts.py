"""What a therapist should look at first: red flags, pain getting worse, pushing that persists, training stopped.

Each rule is a pure function of a patient's records and names its source:

- ``red_flag``: a diary entry of the last 30 days whose triage was urgent ("soon" or "emergency"), decided by the
  care package's own rules (:func:`pelvicore.care.diary.new_flags`, then :func:`pelvicore.care.triage.triage`),
  the same warning she was shown.
- ``pain_worse``: mean NPRS pain of the last 14 days at least 2 points above the 14 days before; 2 points is the
  minimal clinically important difference of the NPRS in low back pain (Ostelo et al. 2008).
- ``pushing``: in each of her last 3 sessions with a two-zone reading, at least half of the measured squeezes
  pushed down (Perifit's two-zone rule; pelvicore's persistence rule).
- ``no_training``: no session with data in the last 7 days, though she has trained before or her plan began at
  least 7 days ago.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from pelvicore.care.diary import SIGN_LABELS, DiaryEntry, new_flags
from pelvicore.care.profile import CareProfile
from pelvicore.care.triage import Level, TriageResult, triage
from pelvicore.training.library import PUSH_RULE

AlertKind = Literal["red_flag", "pain_worse", "pushing", "no_training"]
Direction = Literal["better", "worse", "same"]

#: How far back red flags and the pain trend look, days (today included).
WINDOW_DAYS: Final = 30
#: Triage levels a therapist is alerted to: those the patient herself sees as a standing warning.
RED_FLAG_LEVELS: Final[tuple[Level, ...]] = ("emergency", "soon")
#: Each half of the pain trend, days.
PAIN_HALF_DAYS: Final = 14
#: NPRS points (0-10) that make a change clinically important.
PAIN_MCID_POINTS: Final = 2.0
PAIN_SOURCE: Final = (
    "NPRS minimal clinically important difference of 2 points in low back pain: Ostelo et al. 2008, Spine 33(1):90-94"
)
#: Sessions with a two-zone reading that the pushing rule looks at, and the share of pushes in each, %.
PUSH_SESSIONS: Final = 3
PUSH_SHARE_PCT: Final = 50.0
PUSH_SOURCE: Final = (
    f"{PUSH_RULE}; pelvicore's rule: pushes in at least {PUSH_SHARE_PCT:g} % of the measured squeezes in each of "
    f"the last {PUSH_SESSIONS} sessions with a two-zone reading"
)
#: Days without a session before the therapist is told.
NO_TRAINING_DAYS: Final = 7
NO_TRAINING_SOURCE: Final = (
    f"pelvicore's rule: no session with data for {NO_TRAINING_DAYS} days; NICE CG171 asks for pelvic-floor "
    "training 3 times a day for at least 3 months"
)
_ADVICE: dict[Level, str] = {
    "emergency": "call emergency services or go to an emergency department now",
    "soon": "see her GP or clinician this week",
    "routine": "mention it at her next routine appointment",
    "self-care": "carry on with her self-care plan",
}


@dataclass(frozen=True, slots=True)
class Alert:
    """Something for the therapist to look at: its ``kind``, plain ``text``, the ``source`` of the rule, and the
    day it began (``since``) when it has one."""

    kind: AlertKind
    text: str
    source: str
    since: dt.date | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "text": self.text,
            "source": self.source,
            "since": None if self.since is None else self.since.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class PainTrend:
    """Mean diary pain (NPRS 0-10) of the last 14 days (``recent``) and of the 14 before (``before``); ``None``
    where no entry scored pain. ``direction`` is ``None`` unless both are known."""

    recent: float | None
    before: float | None
    direction: Direction | None

    def to_dict(self) -> dict[str, object]:
        return {"recent": self.recent, "before": self.before, "direction": self.direction}


@dataclass(frozen=True, slots=True)
class SessionTechnique:
    """One session's two-zone readings: the day it was on, squeezes whose technique was measured, and pushes."""

    day: dt.date
    measured: int
    pushes: int


def short_day(day: dt.date) -> str:
    """A day as a list shows it: ``3 Dec``."""
    return f"{day.day} {day:%b}"


def pain_trend(diary: Iterable[DiaryEntry], *, today: dt.date) -> PainTrend:
    """Mean pain of days ``today - 13`` to ``today`` against days ``today - 27`` to ``today - 14``.

    A rise of at least ``PAIN_MCID_POINTS`` (2) is ``worse``, a fall as large ``better``, anything less
    ``same`` (Ostelo et al. 2008).
    """
    recent: list[int] = []
    before: list[int] = []
    for e in diary:
        if e.pain is None:
            continue
        age = (today - e.date).days
        if 0 <= age < PAIN_HALF_DAYS:
            recent.append(e.pain)
        elif PAIN_HALF_DAYS <= age < 2 * PAIN_HALF_DAYS:
            before.append(e.pain)
    r = round(sum(recent) / len(recent), 1) if recent else None
    b = round(sum(before) / len(before), 1) if before else None
    if r is None or b is None:
        return PainTrend(r, b, None)
    # The difference of the means, times both counts: whole numbers, so exactly 2 points is 2 (and 1.96 is not).
    change = sum(recent) * len(before) - sum(before) * len(recent)
    mcid = PAIN_MCID_POINTS * len(recent) * len(before)
    direction: Direction = "worse" if change >= mcid else "better" if -change >= mcid else "same"
    return PainTrend(r, b, direction)


def pain_alert(trend: PainTrend, *, today: dt.date) -> Alert | None:
    """An alert when the pain trend is ``worse``."""
    if trend.direction != "worse":
        return None
    since = today - dt.timedelta(days=PAIN_HALF_DAYS - 1)
    text = (
        f"Pain worse: her diary's mean pain was {trend.recent:g}/10 over the last {PAIN_HALF_DAYS} days, "
        f"up from {trend.before:g}/10 in the {PAIN_HALF_DAYS} days before"
    )
    return Alert("pain_worse", text, PAIN_SOURCE, since)


def _what(result: TriageResult) -> str:
    """The reasons at the result's level, in plain words: a ticked sign's label, else the reason's first sentence."""
    parts = []
    for r in result.reasons:
        if r.level != result.level:
            break
        words = SIGN_LABELS.get(r.flag) or r.text.split(". ")[0].rstrip(".")
        parts.append(words[0].lower() + words[1:])
    return "; ".join(dict.fromkeys(parts))


def red_flag_alerts(diary: Sequence[DiaryEntry], *, today: dt.date, profile: CareProfile | None = None) -> list[Alert]:
    """One alert per diary day of the last 30 whose triage was urgent, newest first.

    Each entry is judged as the diary judged it when she saved it: against the entries before it, with her care
    profile's history (:func:`~pelvicore.care.diary.new_flags`), then :func:`~pelvicore.care.triage.triage`.
    Give at least 4 weeks of entries before the window, so that "new" means what it meant to her.
    """
    start = today - dt.timedelta(days=WINDOW_DAYS - 1)
    alerts = []
    for entry in sorted(diary, key=lambda e: e.date, reverse=True):
        if not start <= entry.date <= today:
            continue
        flags = new_flags(entry, diary, profile=profile)
        if not flags.triage:
            continue
        result = triage(flags.answers)
        if result.level not in RED_FLAG_LEVELS:
            continue
        text = f"Red flag on {short_day(entry.date)}: {_what(result)} — she was advised to {_ADVICE[result.level]}"
        sources = "; ".join(dict.fromkeys(r.source for r in result.reasons if r.level == result.level))
        alerts.append(Alert("red_flag", text, sources, entry.date))
    return alerts


def pushing_alert(sessions: Sequence[SessionTechnique]) -> Alert | None:
    """An alert when each of the last ``PUSH_SESSIONS`` sessions with a two-zone reading pushed in at least half of
    its measured squeezes; ``sessions`` in any order."""
    measured = sorted((s for s in sessions if s.measured), key=lambda s: s.day)[-PUSH_SESSIONS:]
    if len(measured) < PUSH_SESSIONS or any(100.0 * s.pushes < PUSH_SHARE_PCT * s.measured for s in measured):
        return None
    pushes, total = sum(s.pushes for s in measured), sum(s.measured for s in measured)
    text = (
        f"Pushing down instead of lifting in each of her last {PUSH_SESSIONS} sessions with a two-zone reading "
        f"({pushes} of {total} squeezes, since {short_day(measured[0].day)})"
    )
    return Alert("pushing", text, PUSH_SOURCE, measured[0].day)


def no_training_alert(last_training: dt.date | None, *, plan_start: dt.date | None, today: dt.date) -> Alert | None:
    """An alert when she has not trained for ``NO_TRAINING_DAYS`` days (today included), though she trained before
    or her plan began at least that long ago."""
    if last_training is not None:
        if (today - last_training).days < NO_TRAINING_DAYS:
            return None
        days = (today - last_training).days
        text = f"No training for {days} days (last session on {short_day(last_training)})"
        return Alert("no_training", text, NO_TRAINING_SOURCE, last_training)
    if plan_start is None or (today - plan_start).days < NO_TRAINING_DAYS:
        return None
    text = f"No training yet: her plan began on {short_day(plan_start)}"
    return Alert("no_training", text, NO_TRAINING_SOURCE, plan_start)


__all__ = [
    "NO_TRAINING_DAYS",
    "NO_TRAINING_SOURCE",
    "PAIN_MCID_POINTS",
    "PAIN_SOURCE",
    "PUSH_SOURCE",
    "RED_FLAG_LEVELS",
    "Alert",
    "AlertKind",
    "PainTrend",
    "SessionTechnique",
    "no_training_alert",
    "pain_alert",
    "pain_trend",
    "pushing_alert",
    "red_flag_alerts",
    "short_day",
]
