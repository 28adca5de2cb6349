"""Training reminders as an iCalendar feed (RFC 5545), written by hand: one repeating event per time of day.

Times are floating local times (no time zone), so 08:00 stays 08:00 on the person's own clock wherever she is.
The daily plan repeats until the end of its weeks; maintenance repeats weekly on its training days, open-ended.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from pelvicore.training.errors import PlanError
from pelvicore.training.plan import Plan

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_LINE_OCTETS = 75  # RFC 5545 3.1: lines longer than this are folded


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline."""
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold one content line into CRLF-separated pieces of at most 75 octets, never splitting a UTF-8 character.

    Continuation lines start with one space (RFC 5545 3.1), which counts towards their 75 octets.
    """
    pieces: list[str] = []
    current, size, limit = "", 0, _LINE_OCTETS
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            pieces.append(current)
            current, size, limit = "", 0, _LINE_OCTETS - 1
        current += ch
        size += n
    pieces.append(current)
    return "\r\n ".join(pieces)


def _training_days(first: date, per_week: int) -> list[str]:
    """``per_week`` days spread over the week, the first being ``first``."""
    offsets = sorted({math.floor(i * 7 / per_week) for i in range(per_week)})
    return [_DAYS[(first.weekday() + k) % 7] for k in offsets]


def _plan_key(plan: Plan) -> str:
    """A stable id for the plan: the same plan gives the same event UIDs, so re-importing updates the events."""
    core = {"start": plan.start.isoformat(), "goal": plan.goal, "assessment": plan.assessment.to_dict()}
    return hashlib.sha256(json.dumps(core, sort_keys=True).encode()).hexdigest()[:16]


def reminders_ics(plan: Plan, times: Sequence[time], *, now: datetime | None = None) -> str:
    """An iCalendar feed reminding the person of each session of ``plan`` at ``times`` (local clock times).

    The events start on the first day of the plan's current week. ``now`` (UTC) stamps the feed (DTSTAMP).
    """
    if not times:
        raise PlanError("reminders: give at least one time of day, e.g. 08:00")
    if len(set(times)) != len(times):
        raise PlanError(f"reminders: each time may be given once, got {', '.join(t.strftime('%H:%M') for t in times)}")
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    first = plan.current_week.first_day
    session = plan.session()
    dose = plan.dose
    minutes = max(1, math.ceil(session.duration_s / 60))
    # A finished plan keeps its last dose with no end date, as maintenance does.
    weeks_left = 0 if plan.finished else plan.total_weeks - plan.week + 1
    if plan.stage == "maintenance":
        days = _training_days(first, dose.days_per_week)
        rule = f"FREQ=WEEKLY;BYDAY={','.join(days)}"
    else:
        rule = "FREQ=DAILY" + (f";COUNT={7 * weeks_left}" if weeks_left > 0 else "")
    how_often = f"{dose.sets_per_day} times a day" + (
        "" if dose.days_per_week == 7 else f" on {dose.days_per_week} days a week"
    )
    description = (
        f"{session.title}.\nSets: {how_often}.\nBreathe out as you squeeze and never hold your breath; keep your "
        f"buttocks, thighs and tummy soft.\npelvicore plan, week {plan.week} of {plan.total_weeks} ({plan.stage})."
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//pelvicore//training reminders//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:pelvicore training",
    ]
    key = _plan_key(plan)
    for i, t in enumerate(sorted(times)):
        start = datetime.combine(first, t.replace(second=0, microsecond=0, tzinfo=None))
        title = f"Pelvic-floor exercises ({i + 1} of {len(times)} today)"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{key}-{t.strftime('%H%M')}@pelvicore",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{start.strftime('%Y%m%dT%H%M%S')}",
            f"DURATION:PT{minutes}M",
            f"RRULE:{rule}",
            f"SUMMARY:{escape_text(title)}",
            f"DESCRIPTION:{escape_text(description)}",
            "TRANSP:TRANSPARENT",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(title)}",
            "TRIGGER:PT0M",
            "END:VALARM",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def parse_clock_time(text: str) -> time:
    """``HH:MM`` (24-hour clock) -> ``time``; ``PlanError`` otherwise."""
    parts = text.strip().split(":")
    if len(parts) == 2 and all(p.isascii() and p.isdigit() and 1 <= len(p) <= 2 for p in parts):
        hour, minute = int(parts[0]), int(parts[1])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise PlanError(f"time must be HH:MM on a 24-hour clock, e.g. 08:00 or 19:30, got {text!r}")
