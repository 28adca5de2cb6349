"""Her day: sessions done against the plan's sets, the streak, the next reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from pelvicore.training.today import next_reminder, streak, today_of

TODAY = date(2026, 12, 6)


def days_ago(*n: int) -> list[date]:
    return [TODAY - timedelta(days=k) for k in n]


def test_a_streak_counts_days_in_a_row_and_today_still_open_does_not_break_it() -> None:
    assert streak(days_ago(0, 1, 2, 4), TODAY) == 3
    assert streak(days_ago(1, 2), TODAY) == 2  # not trained yet today: yesterday's run still stands
    assert streak(days_ago(2, 3), TODAY) == 0  # a whole day missed
    assert streak([], TODAY) == 0
    assert streak(days_ago(0, 0, 0), TODAY) == 1  # three sessions, one day


def test_the_next_reminder_is_later_today_else_tomorrows_first() -> None:
    reminders = [time(20, 0), time(8, 0), time(13, 0)]
    assert next_reminder(reminders, datetime(2026, 12, 6, 9, 30, tzinfo=UTC)) == time(13, 0)
    assert next_reminder(reminders, datetime(2026, 12, 6, 21, 0, tzinfo=UTC)) == time(8, 0)
    assert next_reminder([], datetime(2026, 12, 6, 9, 0, tzinfo=UTC)) is None


def test_today_counts_done_and_to_do_against_the_plan() -> None:
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    day = today_of(days_ago(0, 0, 1), days_ago(0, 1), TODAY, sets_per_day=3, reminders=[time(18, 0)], now_local=now)
    assert (day.done, day.planned, day.to_do, day.streak_days, day.next_reminder) == (2, 3, 1, 2, time(18, 0))
    over = today_of(days_ago(0, 0, 0, 0), days_ago(0), TODAY, sets_per_day=3, now_local=now)
    assert over.to_do == 0  # never a negative count
    free = today_of([], days_ago(1, 2, 3), TODAY, sets_per_day=None, now_local=now)
    assert free.to_do is None and free.planned is None and free.streak_days == 3
