"""Her day at a glance: the plan's sets for today, done and to do, her streak of training days, the next reminder.

Days are her calendar days (``training.weeks.LocalClock``). A streak counts the days in a row, up to today, with
at least one session; a day not trained yet today does not break it until the day is over.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True, slots=True)
class Today:
    """What today holds: sessions done, the plan's sets (``None`` without a plan), streak, next reminder."""

    done: int
    planned: int | None
    streak_days: int
    next_reminder: time | None

    @property
    def to_do(self) -> int | None:
        return None if self.planned is None else max(0, self.planned - self.done)


def streak(days: Iterable[date], today: date) -> int:
    """Days in a row with a session, ending today (or yesterday, while today is still open)."""
    trained = set(days)
    day = today if today in trained else today - timedelta(days=1)
    count = 0
    while day in trained:
        count += 1
        day -= timedelta(days=1)
    return count


def next_reminder(reminders: Sequence[time], now_local: datetime) -> time | None:
    """The first reminder still to come today, else tomorrow's first; ``None`` without reminders."""
    if not reminders:
        return None
    ordered = sorted(reminders)
    clock = now_local.time().replace(tzinfo=None)
    return next((r for r in ordered if r > clock), ordered[0])


def today_of(
    done_days: Sequence[date],
    trained_days: Iterable[date],
    today: date,
    *,
    sets_per_day: int | None,
    reminders: Sequence[time] = (),
    now_local: datetime,
) -> Today:
    """Her day: ``done_days`` holds the day of each session that counts towards the plan's sets (one entry per
    session), ``trained_days`` the days of any training (for the streak)."""
    done = sum(day == today for day in done_days)
    return Today(done, sets_per_day, streak(trained_days, today), next_reminder(reminders, now_local))
