"""Her days and a plan's weeks: the one meaning of "day" and "week" that the programme and progress share.

A day is a calendar day in her time zone (her browser's, sent with each request; UTC when it is not known). A plan
week is 7 days from the plan's start date: week 1 is the start date and the 6 days after it, week 2 the next 7,
and so on. A week can be reviewed from the day after its last day. Progress lays its weeks on the same grid, so
both count the same sessions for a week; someone without a plan gets weeks that start on Monday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The grid of someone without a plan: weeks start on Monday (3 March 2025 was one).
MONDAYS = date(2025, 3, 3)
MAX_ZONE_NAME = 64  # the longest IANA name is about 30 characters


def time_zone(name: str | None) -> tzinfo:
    """The IANA time zone ``name`` (e.g. ``"Europe/Paris"``), or UTC when it is missing or unknown."""
    if not name or len(name) > MAX_ZONE_NAME:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


@dataclass(frozen=True, slots=True)
class LocalClock:
    """The time now and her time zone: what "today" and "the day of a session" mean for her."""

    now: datetime
    tz: tzinfo = UTC

    def day_of(self, at: datetime) -> date:
        """The calendar day, in her time zone, of the aware time ``at``."""
        return at.astimezone(self.tz).date()

    @property
    def today(self) -> date:
        return self.day_of(self.now)


@dataclass(frozen=True, slots=True)
class PlanWeek:
    """Week ``number`` of a plan: its first and last day (both included)."""

    number: int
    first_day: date
    last_day: date

    @property
    def review_from(self) -> date:
        """The first day the week can be reviewed on: the day after its last."""
        return self.last_day + timedelta(days=1)

    def holds(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def over(self, today: date) -> bool:
        return today >= self.review_from


def plan_week(start: date, number: int) -> PlanWeek:
    """Week ``number`` (1-based) of a plan that started on ``start``."""
    first = start + timedelta(days=7 * (number - 1))
    return PlanWeek(number, first, first + timedelta(days=6))


def week_start(day: date, *, anchor: date = MONDAYS) -> date:
    """The first day of the 7-day week holding ``day``, on the grid of weeks that starts on ``anchor``."""
    return day - timedelta(days=(day - anchor).days % 7)


def day_text(day: date) -> str:
    """A day as a person reads it: ``Sunday 9 March 2025``."""
    return f"{day:%A} {day.day} {day:%B %Y}"
