"""The training programme: make a 12-week plan, this week's dose, today's session, the weekly review, reminders."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from pelvicore.devices.simulator.persons import PERSONS
from pelvicore.errors import PelvicoreError
from pelvicore.sessions import SensorUnavailable
from pelvicore.sessions.assessment_report import plan_inputs
from pelvicore.sessions.stored import summary_of
from pelvicore.store.errors import StoreError
from pelvicore.store.repository import SessionRecord, SessionStore
from pelvicore.training.dosing import Goal
from pelvicore.training.plan import AssessmentSummary
from pelvicore.training.plan_json import plan_to_dict
from pelvicore.training.plan_records import StoredPlan
from pelvicore.training.plan_session import PREFIX, plan_routine, session_exercises
from pelvicore.training.programme import new_plan, review_refusal, update_plan
from pelvicore.training.reminders import parse_clock_time, reminders_ics
from pelvicore.training.weeks import LocalClock, day_text
from pelvicore.web.deps import ClockDep, CurrentUser, ManagerDep, PlansDep, StoreDep
from pelvicore.web.routers.pages import templates
from pelvicore.web.routers.sessions import DeviceProfileName, Profile

router = APIRouter()
GOAL_TEXT = {
    "strength": "Strength: stronger, longer holds",
    "endurance": "Endurance: holds up to 10 s and a steady squeeze up to a minute",
    "relaxation": "Relaxation: learn to let go (an over-tight floor, pelvic or tailbone pain)",
    "maintenance": "Maintenance: keep what you built, 2 days a week",
}
ASSESSMENT_ROUTINES = ("perfect",)
HOLD_TEXT = "Longest hold at ≥ 75 % of your strongest squeeze"


class PlanRequest(BaseModel):
    """A new plan: from a finished assessment session (``from_session``), or from numbers typed in."""

    goal: Goal = "strength"
    from_session: str | None = Field(None, description="A finished PERFECT session to start from")
    max_squeeze: float | None = Field(None, ge=0, le=500, allow_inf_nan=False, description="Strongest squeeze")
    max_unit: Literal["cmH2O", "%", "raw"] = "cmH2O"
    longest_hold_s: float | None = Field(None, ge=0, le=600, allow_inf_nan=False, description=HOLD_TEXT)
    fast_reps: int | None = Field(None, ge=0, le=50, description="Quick contractions in 10 s")
    resting_tone_high: bool = False
    release_slow: bool = False
    lift_pct: float | None = Field(None, ge=0, le=100, allow_inf_nan=False)


class TodayRequest(BaseModel):
    """Today's session of the plan, on the simulator or a trainer (as ``POST /api/sessions``)."""

    source: Literal["simulator", "device", "browser"] = "simulator"
    device_address: str | None = Field(None, pattern=r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$|^[0-9A-Fa-f-]{36}$")
    device_profile: DeviceProfileName | None = None
    profile: Profile = "healthy"
    speed: float = Field(1.0, ge=0.1, le=100, description="Playback speed of the simulator (1 = real time, 0.1 to 100)")
    seed: int | None = Field(None, ge=0, le=2**32 - 1, description="Seed of the simulated person (default: random)")


class RemindersRequest(BaseModel):
    times: list[str] = Field(min_length=1, max_length=10, description='Clock times, e.g. ["08:00", "19:30"]')


class SessionStarted(BaseModel):
    id: str
    url: str


def latest_assessment(store: SessionStore, user: int) -> SessionRecord | None:
    """The newest finished PERFECT session with contractions, the plan's natural starting point."""
    for s in store.list_sessions(user, limit=200):
        if s.routine in ASSESSMENT_ROUTINES and s.status == "completed" and s.contraction_count:
            return s
    return None


def _week_sessions(store: SessionStore, user: int, stored: StoredPlan, clock: LocalClock) -> list[SessionRecord]:
    """The plan's finished sessions on the days of its current week (her days), oldest first.

    Progress counts the same sessions for the same week (``training.weeks``).
    """
    week = stored.plan.current_week
    found = [
        s
        for s in store.list_sessions(user, limit=500)
        if s.routine.startswith(PREFIX) and s.status != "running" and week.holds(clock.day_of(s.created_at))
    ]
    return sorted(found, key=lambda s: s.created_at)


def _status(store: SessionStore, user: int, stored: StoredPlan, clock: LocalClock) -> dict[str, Any]:
    plan = stored.plan
    week = _week_sessions(store, user, stored, clock)
    today = clock.today
    days = plan.current_week
    session = plan.session()
    return {
        "plan": plan_to_dict(plan),
        "routine": plan_routine(plan),
        "session": {"title": session.title, "duration_s": session.duration_s, "source": session.source},
        "exercises": [e.to_dict() for e in session_exercises(plan)],
        "changes": [c.to_dict() for c in plan.all_changes()],
        "week": {
            "number": plan.week,
            "of": plan.total_weeks,
            "first_day": days.first_day.isoformat(),
            "last_day": days.last_day.isoformat(),
            "last_day_text": day_text(days.last_day),
            "review_from": days.review_from.isoformat(),
            "review_from_text": day_text(days.review_from),
            "over": days.over(today),
            "finished": plan.finished,
            "review_refused": review_refusal(plan, today=today),
            "sessions_done": len(week),
            "sessions_planned": plan.planned_sessions,
            "today_done": sum(clock.day_of(s.created_at) == today for s in week),
            "sets_per_day": plan.dose.sets_per_day,
        },
        "reminders": [t.strftime("%H:%M") for t in stored.reminders],
    }


def _stored(plans: PlansDep, user: int) -> StoredPlan:
    try:
        stored = plans.get(user)
    except StoreError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no training plan yet: make one first")
    return stored


@router.get("/api/programme")
def get_programme(store: StoreDep, plans: PlansDep, user: CurrentUser, clock: ClockDep) -> dict[str, Any]:
    """The plan, this week's dose and session with its exercises, every change with its reason and source."""
    return _status(store, user, _stored(plans, user), clock)


@router.post("/api/programme", status_code=status.HTTP_201_CREATED)
def create_programme(
    body: PlanRequest, store: StoreDep, plans: PlansDep, user: CurrentUser, clock: ClockDep
) -> dict[str, Any]:
    """Make a new 12-week plan (replacing any plan she had) from an assessment session or from numbers."""
    try:
        if body.from_session is not None:
            record = store.get(body.from_session, owner=user)
            if record is None or record.user_id != user:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no session {body.from_session!r}")
            if record.status == "running":
                raise HTTPException(status.HTTP_409_CONFLICT, "that session is still running")
            summary = plan_inputs(store, record)
        else:
            if body.max_squeeze is None or body.longest_hold_s is None:
                raise HTTPException(422, "give max_squeeze and longest_hold_s, or from_session")
            summary = AssessmentSummary(
                body.max_squeeze,
                body.longest_hold_s,
                body.fast_reps,
                body.max_unit,
                body.resting_tone_high,
                body.release_slow,
                body.lift_pct,
            )
        plan = new_plan(summary, body.goal, start=clock.today)
    except PelvicoreError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    plans.save(user, plan)
    return _status(store, user, _stored(plans, user), clock)


@router.delete("/api/programme", status_code=status.HTTP_204_NO_CONTENT)
def delete_programme(plans: PlansDep, user: CurrentUser) -> None:
    if not plans.delete(user):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no training plan")


@router.post("/api/programme/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionStarted)
async def start_today(body: TodayRequest, manager: ManagerDep, plans: PlansDep, user: CurrentUser) -> SessionStarted:
    """Start one set of this week's session as a live session (its routine name carries the dose)."""
    routine = plan_routine(_stored(plans, user).plan)
    if body.source == "device":
        if body.device_address is None:
            raise HTTPException(422, "device_address is required with source device")
        try:
            session_id = await manager.start_device(
                user, address=body.device_address, profile=body.device_profile, routine=routine
            )
        except SensorUnavailable as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    elif body.source == "browser":
        if body.device_profile is None:
            raise HTTPException(422, "device_profile is required with source browser")
        session_id = await manager.start_browser(user, profile=body.device_profile, routine=routine)
    else:
        session_id = await manager.start_simulator(
            user, profile=body.profile, routine=routine, speed=body.speed, seed=body.seed
        )
    return SessionStarted(id=session_id, url=f"/sessions/{session_id}/live")


@router.post("/api/programme/review")
def review_week(store: StoreDep, plans: PlansDep, user: CurrentUser, clock: ClockDep) -> dict[str, Any]:
    """Review the plan's current week from its sessions: the plan for next week and each change, with why.

    409 with the reason while the week has not ended (her days, ``training.weeks``) or once the plan is finished.
    """
    stored = _stored(plans, user)
    records = [store.get(s.id, owner=user) for s in _week_sessions(store, user, stored, clock)]
    summaries = [summary_of(r, tz=clock.tz) for r in records if r is not None]
    week = stored.plan.week
    try:
        new, changes = update_plan(stored.plan, summaries, today=clock.today)
    except PelvicoreError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    plans.save(user, new, new_week=True)
    review = {
        "week": week,
        "sessions": len(summaries),
        "changes": [c.to_dict() for c in changes],
        "measures": new.reviews[-1].measures.to_dict(),
    }
    return {"review": review} | _status(store, user, _stored(plans, user), clock)


@router.put("/api/programme/reminders")
def put_reminders(body: RemindersRequest, plans: PlansDep, user: CurrentUser) -> dict[str, list[str]]:
    """Her clock times for the daily sets, used by the calendar feed and the browser notifications."""
    _stored(plans, user)
    try:
        times = [parse_clock_time(t) for t in body.times]
        plans.set_reminders(user, times)
    except PelvicoreError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return {"times": sorted(t.strftime("%H:%M") for t in times)}


@router.get("/programme/reminders.ics", response_class=Response)
def reminders_feed(plans: PlansDep, user: CurrentUser) -> Response:
    """An iCalendar feed of the plan's sets at her reminder times, to import into any calendar app."""
    stored = _stored(plans, user)
    text = reminders_ics(stored.plan, stored.reminders)
    return Response(
        text,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="pelvicore-training.ics"'},
    )


@router.get("/programme", response_class=HTMLResponse)
def programme_page(
    request: Request, store: StoreDep, plans: PlansDep, user: CurrentUser, clock: ClockDep
) -> HTMLResponse:
    try:
        stored = plans.get(user)
    except StoreError:
        stored = None  # an unreadable plan: she can make a new one
    latest = latest_assessment(store, user)
    latest_inputs = None
    if latest is not None:
        try:
            latest_inputs = plan_inputs(store, latest)
        except PelvicoreError:
            latest = None
    context: dict[str, Any] = {
        "status": None if stored is None else _status(store, user, stored, clock),
        "latest": latest,
        "latest_inputs": latest_inputs,
        "goals": GOAL_TEXT,
        "persons": PERSONS,
        "today": clock.today,
    }
    return templates.TemplateResponse(request, "programme.html", context)
