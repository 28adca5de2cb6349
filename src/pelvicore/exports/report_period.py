"""What the period report shows of her training: trainers and calibration, adherence, assessments with their
norms and classes, progress by week, technique, and her plan with its changes.

The care part (diary, questionnaires, red flags, bone screen) is :mod:`pelvicore.exports.report_care`; each part
is read only when the report's scope allows it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from typing import Any

from pelvicore.care.records import CareRecords
from pelvicore.exports.report_charts import day_chart, unit_text
from pelvicore.exports.report_render import number
from pelvicore.exports.report_session import routine_title, trainer_text
from pelvicore.sessions.assessment_report import ROUTINE_ASSESSMENT, TITLES, assess_session, plain_problem
from pelvicore.signal.pipeline import abdominal_reference
from pelvicore.store.repository import SessionRecord, SessionStore
from pelvicore.training.library import NICE_CG171
from pelvicore.training.plan_records import Plans

#: Sessions read for one report: more than three a day for a year.
MAX_SESSIONS = 1200
#: Assessments run for one report (each reads its whole trace), the latest first.
MAX_ASSESSMENTS = 12
TECHNIQUE_SOURCE = "Lift or push: the two-zone rule (floor up, abdomen not pushing; Perifit), two-zone trainers only"


@dataclass(frozen=True, slots=True)
class WeekRow:
    """One week of training (``length`` days: the last may be short), each number with its unit."""

    start: date
    sessions: int
    days: int
    length: int
    strongest: str
    longest_hold: str
    pushes: str


def _day(record: SessionRecord, tz: tzinfo | None) -> date:
    return record.created_at.astimezone(tz).date()


def _number(summary: dict[str, Any] | None, key: str) -> float | None:
    value = (summary or {}).get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _push_share(records: list[SessionRecord]) -> tuple[int, int]:
    """(pushes, squeezes) over the sessions whose trainer could tell lifting from pushing."""
    pushes = squeezes = 0
    for r in records:
        if abdominal_reference(r.units) is not None and r.summary:
            pushes += int(_number(r.summary, "pushes") or 0)
            squeezes += int(_number(r.summary, "count") or 0)
    return pushes, squeezes


def _weeks(records: list[SessionRecord], start: date, today: date, tz: tzinfo | None, unit: str) -> list[WeekRow]:
    rows = []
    week = start
    while week <= today:
        end = week + timedelta(days=7)
        these = [r for r in records if week <= _day(r, tz) < end]
        peaks = [p for r in these if _unit(r) == unit and (p := _number(r.summary, "max_peak")) is not None]
        holds = [h for r in these if (h := _number(r.summary, "longest_hold_s")) is not None]
        pushes, squeezes = _push_share(these)
        rows.append(
            WeekRow(
                week,
                len(these),
                len({_day(r, tz) for r in these}),
                min(7, (today - week).days + 1),
                number(max(peaks), unit) if peaks else "—",
                number(max(holds), "s") if holds else "—",
                f"{100 * pushes / squeezes:.0f} % of {squeezes}" if squeezes else "not measured" if these else "—",
            )
        )
        week = end
    return rows


def _unit(record: SessionRecord) -> str:
    unit = (record.summary or {}).get("unit")
    return str(unit) if unit else next(iter(record.units.values()), "raw")


def _assessment_row(store: SessionStore, listed: SessionRecord, tz: tzinfo | None) -> dict[str, Any]:
    """One assessment session: its test, the main result with units, the class or norm, and the sources."""
    record = store.get(listed.id, owner=listed.user_id) or listed
    protocol = ROUTINE_ASSESSMENT[record.routine]
    report = assess_session(store, record, protocol)
    row: dict[str, Any] = {"day": _day(record, tz), "test": TITLES[protocol], "sources": []}
    r = report.result
    if r is None:
        return row | {"result": plain_problem(report), "judged": "—"}
    row["sources"] = list(r.get("sources", []))
    if protocol == "perfect":
        klass = r["power_class"] or ("below 7.5 cmH2O" if r["power_cmh2o"] is not None else "—")
        return row | {
            "result": f"power {number(r['power_cmh2o'], 'cmH2O')}; endurance {number(r['endurance_s'], 's')}; "
            f"{r['repetitions']} repetitions; {r['fast']} fast contractions",
            "judged": f"{klass} (Angelo 2017)",
        }
    if protocol == "cough":
        coughs = r["coughs"]
        return row | {
            "result": f"the Knack in {sum(c['knack'] for c in coughs)} of {len(coughs)} coughs",
            "judged": number(r["knack_pct"], "% of coughs", 0),
        }
    unit = r["units"]["amplitude"]
    phases, norms, pct = r["phases"], r["norms"], r["normalised"]
    result = (
        f"flicks {number(phases['flicks']['peak_mean'], unit, 1)}, tonic {number(phases['tonic']['mean'], unit, 1)}, "
        f"endurance {number(phases['endurance']['mean'], unit, 1)} ({number(pct['endurance']['mean'], '%')} of max)"
    )
    judged = ", ".join(f"{k.replace('_', ' ')} {v['position']}" for k, v in norms.items() if v.get("position"))
    return row | {"result": result, "judged": judged or f"no norms for {unit_text(unit)} (EMG µV only)"}


def training_context(
    store: SessionStore, plans: Plans, *, user_id: int, start: date, today: date, tz: tzinfo | None
) -> dict[str, Any]:
    """The training part of the period report (sessions, assessments, plan, progress)."""
    listed = store.list_sessions(user_id, limit=MAX_SESSIONS)
    records = sorted((r for r in listed if start <= _day(r, tz) <= today), key=lambda r: r.created_at)
    trained = [r for r in records if r.contraction_count > 0]
    units = Counter(_unit(r) for r in trained)
    unit = units.most_common(1)[0][0] if units else "raw"
    sources = [NICE_CG171]
    assessments = [
        _assessment_row(store, r, tz)
        for r in reversed(records)
        if r.routine in ROUTINE_ASSESSMENT and r.status != "running"
    ][:MAX_ASSESSMENTS][::-1]
    for a in assessments:
        sources += [s for s in a["sources"] if s not in sources]
    pushes, squeezes = _push_share(trained)
    if squeezes:
        sources.append(TECHNIQUE_SOURCE)
    chart = None
    if trained:
        days = [_day(r, tz) for r in trained]
        peaks = [_number(r.summary, "max_peak") if _unit(r) == unit else None for r in trained]
        holds = [_number(r.summary, "longest_hold_s") for r in trained]
        chart = day_chart(
            days,
            [
                ("Strongest squeeze per session", peaks, f"above rest ({unit_text(unit)})"),
                ("Longest hold per session", holds, "hold (s)"),
            ],
            start=start,
            end=today,
        )
    stored = plans.get(user_id)
    plan = None
    if stored is not None:
        p = stored.plan
        plan = {
            "goal": p.goal,
            "stage": p.stage,
            "week": p.week,
            "total_weeks": p.total_weeks,
            "start": p.start,
            "set": p.dose.describe_set(),
            "sets_per_day": p.dose.sets_per_day,
            "days_per_week": p.dose.days_per_week,
            "finished": p.finished,
            "changes": [c for c in p.all_changes()],
        }
        sources += [c.source for c in p.all_changes() if c.source and c.source not in sources]
    statuses = Counter(r.status for r in records)
    return {
        "sessions": len(records),
        "trained_sessions": len(trained),
        "training_days": len({_day(r, tz) for r in trained}),
        "statuses": dict(statuses),
        "trainers": sorted({trainer_text(r) for r in records}),
        "routines": Counter(routine_title(r) for r in records).most_common(),
        "devices": store.list_devices(user_id),
        "unit": unit,
        "other_units": sorted(u for u in units if u != unit),
        "weeks": _weeks(trained, start, today, tz, unit),
        "progress_chart": chart,
        "pushes": pushes,
        "squeezes": squeezes,
        "assessments": assessments,
        "plan": plan,
        "sources": sources,
    }


def period_context(
    store: SessionStore,
    care: CareRecords,
    plans: Plans,
    *,
    user_id: int,
    today: date,
    days: int,
    scope: frozenset[str],
    patient_label: str,
    tz: tzinfo | None,
) -> dict[str, Any]:
    """Everything ``period_report.html`` shows; only the parts ``scope`` names are read."""
    from pelvicore.exports.report_care import care_context

    start = today - timedelta(days=days - 1)
    training = (
        training_context(store, plans, user_id=user_id, start=start, today=today, tz=tz)
        if "training" in scope
        else None
    )
    care_part = care_context(care, user_id=user_id, start=start, today=today) if "care" in scope else None
    sources = [*(training or {}).get("sources", []), *(care_part or {}).get("sources", [])]
    return {
        "header_title": f"report {start:%d %b %Y} – {today:%d %b %Y}",
        "header_who": patient_label,
        "patient_label": patient_label,
        "start": start,
        "today": today,
        "days": days,
        "scope": sorted(scope),
        "training": training,
        "care": care_part,
        "sources": list(dict.fromkeys(sources)),
    }
