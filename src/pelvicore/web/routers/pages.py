"""HTML pages: home, live session, summary, history."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from pelvicore.devices.simulator.persons import PERSONS
from pelvicore.store.errors import StoreError
from pelvicore.training.feedback import stored_feedback, technique_measured
from pelvicore.training.plan_session import PREFIX
from pelvicore.training.protocols import PROTOCOLS
from pelvicore.training.routines import get_protocol
from pelvicore.training.strongest import measures_her, size_of, strongest_of
from pelvicore.training.today import today_of
from pelvicore.web import care_labels
from pelvicore.web.care_data import CareDep, open_notice
from pelvicore.web.deps import ClockDep, CurrentUser, PlansDep, PrincipalDep, SessionOwner, SharingDep, StoreDep
from pelvicore.web.live_watch import live_watch
from pelvicore.web.phone_screen import phone_screen
from pelvicore.web.welcome import GOALS, trainer_guides

router = APIRouter(default_response_class=HTMLResponse)
templates = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")


def routine_title(name: str) -> str:
    """A routine's readable title (a game's or a plan's session included), or its name if it has none."""
    try:
        return get_protocol(name).title
    except Exception:  # an old or malformed routine name still shows, as itself
        return name


templates.env.filters["routine_title"] = routine_title
templates.env.filters["technique_measured"] = technique_measured
templates.env.filters["size"] = size_of
templates.env.filters["strongest"] = strongest_of
templates.env.tests["calibrated"] = lambda summary: strongest_of(summary) is not None  # a summary with a % scale
ROUTINES = ["quick-check", "daily", "glazer", "perfect", "cough"]


@router.get("/")
def home(
    request: Request, store: StoreDep, care: CareDep, plans: PlansDep, clock: ClockDep, user: CurrentUser
) -> HTMLResponse:
    sessions = store.list_sessions(user, limit=500)
    today = clock.today
    trained = [s for s in sessions if s.status != "running" and s.contraction_count]
    done_today = [s for s in sessions if clock.day_of(s.created_at) == today]
    try:
        stored = plans.get(user)
    except StoreError:
        stored = None  # an unreadable plan: the programme page says so; the start page still works
    plan = stored.plan if stored is not None and not stored.plan.finished else None
    # With a plan, "done" counts its sessions (as the programme does); the streak counts any day she trained.
    counted = [s for s in trained if s.routine.startswith(PREFIX)] if plan else trained
    day = today_of(
        [clock.day_of(s.created_at) for s in counted],
        [clock.day_of(s.created_at) for s in trained],
        today,
        sets_per_day=plan.dose.sets_per_day if plan else None,
        reminders=stored.reminders if plan and stored else (),
        now_local=clock.now.astimezone(clock.tz),
    )
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "persons": PERSONS,
            "routines": [PROTOCOLS[r] for r in ROUTINES],
            "day": day,
            "today_sessions": len(done_today),
            "today_contractions": sum(s.contraction_count for s in done_today),
            "recent": sessions[:5],
            "notice": open_notice(care, user, today=today),
            "labels": care_labels,
            "phone": phone_screen(request.app.state.settings),
        },
    )


@router.get("/sessions/{session_id}/live")
def live(
    request: Request, session_id: str, store: StoreDep, owner: SessionOwner, principal: PrincipalDep,
    sharing: SharingDep, clock: ClockDep,
) -> HTMLResponse:  # fmt: skip
    """Her live session; for a clinician she shares with, the same page read-only ("watching")."""
    record = store.get(session_id, owner=owner)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such session")
    watch = live_watch(sharing, session_id, owner=owner, viewer=principal, at=clock.now)
    # Where to go when the session ends, besides its summary: an assessment's report, or back to the programme.
    next_step = None
    if record.routine in ("perfect", "glazer", "glazer-2s", "cough"):
        next_step = (f"/sessions/{session_id}/assessment", "See the assessment report")
    elif record.routine.startswith("plan:"):
        next_step = ("/programme", "Back to your programme")
    return templates.TemplateResponse(
        request,
        "live.html",
        {
            "session": record,
            "routine": get_protocol(record.routine),
            "next_step": next_step,
            "watching": watch.watching,
            "watch": watch,
            # Her first session with this kind of trainer measures her rest and her strongest squeeze.
            "measures_her": not watch.watching and measures_her(record, store.list_devices(record.user_id)),
        },
    )


@router.get("/sessions/{session_id}")
def summary(request: Request, session_id: str, store: StoreDep, owner: SessionOwner) -> HTMLResponse:
    record = store.get(session_id, owner=owner)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such session")
    return templates.TemplateResponse(request, "summary.html", {"session": record, "feedback": stored_feedback(record)})


@router.get("/welcome")
def welcome(request: Request, user: CurrentUser) -> HTMLResponse:
    """The first run: the pelvic floor, a correct squeeze, a sensor, calibration and her goal."""
    return templates.TemplateResponse(request, "welcome.html", {"trainers": trainer_guides(), "goals": GOALS})


@router.get("/history")
def history(request: Request, store: StoreDep, user: CurrentUser) -> HTMLResponse:
    return templates.TemplateResponse(request, "history.html", {"sessions": store.list_sessions(user, limit=200)})
