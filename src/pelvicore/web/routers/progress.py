"""The progress dashboard: week by week strength, endurance, technique, relaxation, adherence, and every
assessment against its norms (page and JSON)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pelvicore.assess.norms import ANGELO_2017, ANGELO_MEAN_CMH2O, OLEKSY_2020, PERFECT_SOURCE
from pelvicore.sessions.assessment_report import ROUTINE_ASSESSMENT, TITLES, assess_session
from pelvicore.sessions.stored import summary_of
from pelvicore.store.errors import StoreError
from pelvicore.store.repository import SessionRecord, SessionStore
from pelvicore.training.library import GLAZER_1995, NICE_CG171, PUSH_RULE
from pelvicore.training.plan_session import PREFIX
from pelvicore.training.progress import SessionPoint, WeekProgress, weekly_progress
from pelvicore.training.weeks import LocalClock
from pelvicore.web.deps import ClockDep, CurrentUser, PlansDep, StoreDep
from pelvicore.web.routers.pages import templates

router = APIRouter()
MAX_SESSIONS = 500
MAX_ASSESSMENTS = 20

#: Each measure: title, unit (``None``: the strength unit), what it is, and its source.
MEASURES: dict[str, dict[str, str | None]] = {
    "strength": {
        "title": "Strength",
        "unit": None,
        "what": "Your best squeeze of the week, above your resting level, in your trainer's own unit. Not as % of "
        "your strongest, as sessions show it: your strongest grows with you, so a % would hide the gain.",
        "source": f"Squeeze pressure above rest as in {ANGELO_2017}",
    },
    "endurance_s": {
        "title": "Endurance",
        "unit": "s",
        "what": "Your longest hold of the week at 75 % or more of that session's strongest squeeze.",
        "source": "pelvicore's plan target (docs/training.md): holds at >= 75 % of your maximum; "
        f"hold time of a near-maximal squeeze as in the {PERFECT_SOURCE}",
    },
    "lift_pct": {
        "title": "Technique quality",
        "unit": "%",
        "what": "Share of squeezes that lifted rather than pushed down (two-zone trainers only: a single-zone "
        "trainer cannot tell them apart).",
        "source": PUSH_RULE,
    },
    "release_s": {
        "title": "Relaxation",
        "unit": "s",
        "what": "How fast your squeezes let go: median time from 90 % to 10 % of the squeeze; the table also "
        "gives what was left 2-3 s later (residual, % of the squeeze). Lower is better for both.",
        "source": f"Release time and resting tone as measures of down-training: {GLAZER_1995}",
    },
    "sessions": {
        "title": "Adherence",
        "unit": "sessions",
        "what": "Sessions done each week, against the sessions your plan asks for.",
        "source": NICE_CG171,
    },
}


def _points(store: SessionStore, user: int, clock: LocalClock) -> list[SessionPoint]:
    """Her finished sessions, each on the day it was in her time zone (as the programme counts them)."""
    points = []
    for s in store.list_sessions(user, limit=MAX_SESSIONS):
        if s.status == "running":
            continue
        record = store.get(s.id, owner=user)
        if record is None:
            continue
        unit = str((record.summary or {}).get("unit") or record.units.get("floor", "raw"))
        points.append(SessionPoint(summary_of(record, tz=clock.tz), unit, record.routine.startswith(PREFIX)))
    return points


def _assessment_row(store: SessionStore, record: SessionRecord, clock: LocalClock) -> dict[str, Any]:
    protocol = ROUTINE_ASSESSMENT[record.routine]
    report = assess_session(store, record, protocol)
    row: dict[str, Any] = {
        "session": record.id,
        "date": clock.day_of(record.created_at).isoformat(),
        "at": record.created_at.isoformat(),
        "protocol": protocol,
        "title": TITLES[protocol],
        "error": report.error,
    }
    r = report.result
    if r is None:
        return row
    if protocol == "perfect":
        power = r["power_cmh2o"]
        row |= {
            "power_cmh2o": power,
            "power_class": r["power_class"],
            "endurance_s": r["endurance_s"],
            "repetitions": r["repetitions"],
            "fast": r["fast"],
            "norm": ANGELO_MEAN_CMH2O.compare(power),
            "source": ANGELO_2017,
        }
    elif protocol == "glazer":
        norms = r["norms"]
        row |= {
            "phases": {k: v.get("mean", v.get("peak_mean")) for k, v in r["phases"].items()},
            "unit": r["units"]["amplitude"],
            "norms": norms,
            "source": OLEKSY_2020 if norms else "no published norms for the pressure variant",
        }
    else:
        row |= {"knack_pct": r["knack_pct"], "coughs": len(r["coughs"]), "source": r["sources"][0]}
    return row


def _assessments(store: SessionStore, user: int, clock: LocalClock) -> list[dict[str, Any]]:
    done = [
        s
        for s in store.list_sessions(user, limit=MAX_SESSIONS)
        if s.routine in ROUTINE_ASSESSMENT and s.status == "completed"
    ][:MAX_ASSESSMENTS]
    rows = []
    for s in reversed(done):  # oldest first, as the charts read
        record = store.get(s.id, owner=user)
        if record is not None:
            rows.append(_assessment_row(store, record, clock))
    return rows


def _headline(weeks: list[WeekProgress], key: str) -> dict[str, Any]:
    """The latest measured value of ``key`` and the one before it, for "this week" at a glance."""
    measured = [(w.week_start.isoformat(), getattr(w, key)) for w in weeks if getattr(w, key) is not None]
    latest = measured[-1] if measured else None
    before = measured[-2] if len(measured) > 1 else None
    return {
        "week": latest[0] if latest else None,
        "label": _day_label(latest[0]) if latest else None,
        "value": latest[1] if latest else None,
        "previous": before[1] if before else None,
    }


def _day_label(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"


def progress_data(store: SessionStore, plans: PlansDep, user: int, clock: LocalClock) -> dict[str, Any]:
    try:
        stored = plans.get(user)
    except StoreError:
        stored = None
    plan = stored.plan if stored else None
    points = _points(store, user, clock)
    weeks = weekly_progress(
        points,
        planned=plan.planned_sessions if plan else None,
        plan_start=plan.start if plan else None,
        until=clock.today,
    )
    unit = weeks[0].unit if weeks else "cmH2O"
    return {
        "unit": unit,
        "weeks": [w.to_dict() | {"label": _day_label(w.week_start.isoformat())} for w in weeks],
        "headlines": {key: _headline(weeks, key) for key in MEASURES},
        "other_units": sorted({p.unit for p in points} - {unit}),
        "assessments": _assessments(store, user, clock),
        "plan": None
        if plan is None
        else {
            "start": plan.start.isoformat(),
            "start_weekday": f"{plan.start:%A}",
            "sessions_per_week": plan.planned_sessions,
        },
        "measures": {k: v | {"unit": v["unit"] or f"{unit} above rest"} for k, v in MEASURES.items()},
    }


@router.get("/api/progress")
def get_progress(store: StoreDep, plans: PlansDep, user: CurrentUser, clock: ClockDep) -> dict[str, Any]:
    """Week by week: strength, endurance, technique, relaxation, adherence; and each assessment against norms."""
    return progress_data(store, plans, user, clock)


@router.get("/progress", response_class=HTMLResponse)
def progress_page(
    request: Request, store: StoreDep, plans: PlansDep, user: CurrentUser, clock: ClockDep
) -> HTMLResponse:
    data = progress_data(store, plans, user, clock)
    return templates.TemplateResponse(request, "progress.html", {"data": data, "angelo": ANGELO_2017})
