"""The reminders feed is valid iCalendar (RFC 5545): CRLF lines of at most 75 octets, folding, nesting, fields."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest

from pelvicore.training.errors import PlanError
from pelvicore.training.plan import AssessmentSummary, Plan
from pelvicore.training.programme import new_plan
from pelvicore.training.reminders import escape_text, fold, parse_clock_time, reminders_ics

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
TIMES = [time(8, 0), time(13, 0), time(19, 30)]


def plan_for(goal: str = "strength") -> Plan:
    return new_plan(AssessmentSummary(20.0, 4.0, 6), goal, start=date(2025, 3, 3))  # type: ignore[arg-type]


def unfold(text: str) -> list[str]:
    """Check the physical lines, then join folded ones (RFC 5545 3.1)."""
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    for line in physical:
        assert "\r" not in line and "\n" not in line, repr(line)
        assert len(line.encode("utf-8")) <= 75, line
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return logical


def components(lines: list[str]) -> list[tuple[str, dict[str, list[str]]]]:
    """Every component as (name, {property: [values]}), checking that BEGIN/END pairs nest."""
    stack: list[tuple[str, dict[str, list[str]]]] = []
    done = []
    for line in lines:
        name, sep, value = line.partition(":")
        assert sep and re.fullmatch(r"[A-Z][A-Z0-9-]*(;[^:]*)?", name), line
        if name == "BEGIN":
            stack.append((value, {}))
        elif name == "END":
            assert stack and stack[-1][0] == value, f"END:{value} does not close {stack[-1][0] if stack else None}"
            done.append(stack.pop())
        else:
            assert stack, f"{line} outside any component"
            stack[-1][1].setdefault(name.split(";")[0], []).append(value)
    assert not stack
    return done


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def test_feed_structure_and_required_properties() -> None:
    text = reminders_ics(plan_for(), TIMES, now=NOW)
    comps = components(unfold(text))
    names = [n for n, _ in comps]
    assert names == ["VALARM", "VEVENT"] * 3 + ["VCALENDAR"]
    calendar = comps[-1][1]
    assert calendar["VERSION"] == ["2.0"] and calendar["PRODID"][0].startswith("-//pelvicore")
    events = [props for name, props in comps if name == "VEVENT"]
    assert len({e["UID"][0] for e in events}) == 3
    for event, t in zip(events, ("080000", "130000", "193000"), strict=True):
        assert event["DTSTAMP"] == ["20250301T093000Z"]
        assert event["DTSTART"] == [f"20250303T{t}"]  # floating local time on the plan's first day
        assert event["RRULE"] == ["FREQ=DAILY;COUNT=84"]  # 12 weeks, every day
        assert re.fullmatch(r"PT\d+M", event["DURATION"][0])
        for key in ("UID", "SUMMARY", "DESCRIPTION"):
            assert len(event[key]) == 1
    description = unescape(events[0]["DESCRIPTION"][0])
    assert "8 holds of 4 s" in description and "never hold your breath" in description
    assert "\n" in description
    alarms = [props for name, props in comps if name == "VALARM"]
    assert all(a["ACTION"] == ["DISPLAY"] and a["TRIGGER"] == ["PT0M"] for a in alarms)


def test_long_lines_are_folded() -> None:
    text = reminders_ics(plan_for(), TIMES, now=NOW)
    assert "\r\n " in text  # the description is longer than 75 octets
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_fold_never_splits_a_character_and_unfolds_to_the_original() -> None:
    line = "DESCRIPTION:" + "Bø-style programme – hold 6–8 s 💪 " * 12
    folded = fold(line)
    pieces = folded.split("\r\n")
    assert len(pieces) > 3
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert pieces[0] + "".join(p[1:] for p in pieces[1:]) == line
    assert fold("SHORT:line") == "SHORT:line"
    exact = "X:" + "a" * 73
    assert fold(exact) == exact and fold(exact + "b") == exact + "\r\n b"


def test_text_escaping() -> None:
    assert escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    assert unescape(escape_text("8 holds; 3 flicks, lying\\ok\nnext")) == "8 holds; 3 flicks, lying\\ok\nnext"


def test_maintenance_repeats_weekly_on_its_days() -> None:
    plan = plan_for("maintenance")
    comps = components(unfold(reminders_ics(plan, [time(7, 15)], now=NOW)))
    [event] = [props for name, props in comps if name == "VEVENT"]
    assert event["RRULE"] == ["FREQ=WEEKLY;BYDAY=MO,TH"]  # 2 days a week; the plan starts on a Monday
    assert event["DTSTART"] == ["20250303T071500"]


def test_later_weeks_start_later_and_count_the_weeks_left() -> None:
    plan = replace(plan_for(), week=5)
    comps = components(unfold(reminders_ics(plan, [time(8, 0)], now=NOW)))
    [event] = [props for name, props in comps if name == "VEVENT"]
    assert event["DTSTART"] == ["20250331T080000"] and event["RRULE"] == ["FREQ=DAILY;COUNT=56"]


def test_same_plan_same_uids() -> None:
    a = reminders_ics(plan_for(), TIMES, now=NOW)
    b = reminders_ics(plan_for(), TIMES, now=datetime(2025, 4, 1, tzinfo=UTC))
    uids = [[line for line in unfold(x) if line.startswith("UID:")] for x in (a, b)]
    assert uids[0] == uids[1]


def test_bad_times_are_refused() -> None:
    with pytest.raises(PlanError, match="at least one time"):
        reminders_ics(plan_for(), [])
    with pytest.raises(PlanError, match="once"):
        reminders_ics(plan_for(), [time(8, 0), time(8, 0)])
    assert parse_clock_time("7:05") == time(7, 5)
    for bad in ("25:00", "8h", "08:60", "", "08:00:00", "٠٨:٠٠"):
        with pytest.raises(PlanError, match="HH:MM"):
            parse_clock_time(bad)
