"""The clinician's pages: her patients at a glance (``/clinic``) and one patient's record (``/clinic/patients/{id}``).

Every read of a patient's data goes through ``Sharing.access``, which finds the share that covers it (or answers
404: a clinician cannot tell whether someone has an account) and writes the read into the patient's audit log.
Changes (a prescription, a note, a message, an invitation) go to the JSON API in ``routers/clinic.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import segno
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from pelvicore.accounts import Principal
from pelvicore.accounts.sharing import NotShared, Scope, Sharing, scope_of
from pelvicore.care.diary import SIGN_LABELS
from pelvicore.care.insight import MIN_WEEKS, build_insight
from pelvicore.clinic.alerts import NO_TRAINING_SOURCE, PAIN_SOURCE, PUSH_SOURCE
from pelvicore.clinic.dashboard import DAYS_WITH_DATA_SOURCE, DAYS_WITH_DATA_TARGET, PatientRow, load_patient_row
from pelvicore.sessions.assessment_report import ROUTINE_ASSESSMENT
from pelvicore.store.errors import StoreError
from pelvicore.store.shares import ShareRecord
from pelvicore.training.dosing import POSITION_LADDER
from pelvicore.training.feedback import technique_measured
from pelvicore.training.library import Position
from pelvicore.training.plan_records import StoredPlan
from pelvicore.web.care_data import CareDep, scores_of, training_of
from pelvicore.web.deps import ClinicDep, ClinicianDep, ClockDep, PlansDep, SharingDep, StoreDep, client_address
from pelvicore.web.routers.clinic import SUMMARY_READ
from pelvicore.web.routers.pages import templates
from pelvicore.web.routers.progress import ANGELO_2017, MEASURES, progress_data
from pelvicore.web.routers.sessions import Routine

router = APIRouter(default_response_class=HTMLResponse, tags=["clinic pages"])

#: Sessions listed on a patient's record, newest first.
MAX_SESSIONS = 200
#: Diary days listed on a patient's record, newest first.
DIARY_DAYS = 28
GOALS = ("strength", "endurance", "relaxation", "maintenance")
STAGES = ("relaxation", "technique", "training", "maintenance")
POSITIONS: tuple[Position, ...] = (*POSITION_LADDER[:2], "kneeling", POSITION_LADDER[2])
#: The guided assessments a clinician records with her in the clinic (``POST /api/clinic/patients/{id}/sessions``).
IN_CLINIC_ROUTINES: tuple[Routine, ...] = ("perfect", "glazer", "cough", "quick-check")
ALERT_ORDER = {"red_flag": 0, "pain_worse": 1, "pushing": 2, "no_training": 3}
ALERT_TITLES = {
    "red_flag": "Red flag",
    "pain_worse": "Pain worse",
    "pushing": "Pushing persists",
    "no_training": "No training",
}
RULE_SOURCES = {"pain_worse": PAIN_SOURCE, "pushing": PUSH_SOURCE, "no_training": NO_TRAINING_SOURCE}


def _first_scope(share: ShareRecord) -> Scope:
    return "training" if share.training else "care"


def _open(sharing: Sharing, clinician: Principal, patient_id: int, scope: Scope, what: str, *, request: Request,
          at: dt.datetime) -> ShareRecord:  # fmt: skip
    """Her share covering ``scope`` (the read noted in her audit log), or 404."""
    try:
        return sharing.access(clinician, patient_id, scope, what, at=at, address=client_address(request))
    except NotShared:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such patient") from None


def urgency(row: PatientRow | None) -> int:
    """How urgent a patient's alerts are, to sort by: any red flag outranks any number of worse pains (up to 9),
    a worse pain any pushing, pushing no training."""
    if row is None:
        return 0
    return sum(10 ** (len(ALERT_ORDER) - 1 - ALERT_ORDER[a.kind]) for a in row.alerts)


@router.get("/clinic")
def clinic_page(
    request: Request, clinician: ClinicianDep, sharing: SharingDep, store: StoreDep, plans: PlansDep, care: CareDep,
    clock: ClockDep,
) -> HTMLResponse:  # fmt: skip
    """Her patients, the last 30 days at a glance, those with alerts first."""
    rows: list[tuple[ShareRecord, PatientRow | None]] = []
    for share in sharing.patients(clinician, at=clock.now):
        _open(sharing, clinician, share.user_id, _first_scope(share), SUMMARY_READ,
              request=request, at=clock.now)  # fmt: skip
        try:
            row = load_patient_row(store=store, plans=plans, care=care, user_id=share.user_id, name=share.patient,
                                   scope=scope_of(share), today=clock.today, tz=clock.tz)  # fmt: skip
        except StoreError:  # one unreadable record must not hide the other patients
            row = None
        rows.append((share, row))
    rows.sort(key=lambda r: (-urgency(r[1]), r[0].patient.lower()))
    context = {
        "rows": rows,
        "target": DAYS_WITH_DATA_TARGET,
        "target_source": DAYS_WITH_DATA_SOURCE,
        "alert_titles": ALERT_TITLES,
        "urgency": urgency,
        "email": clinician.user.email or clinician.user.name,
    }
    return templates.TemplateResponse(request, "clinic.html", context)


class QrRequest(BaseModel):
    url: str = Field(max_length=300, description="The invitation's path, /share/accept?token=...")


_INVITATION = re.compile(r"/share/accept\?token=[A-Za-z0-9_\-.~%]{8,200}")


@router.post("/clinic/invitation-qr", response_class=HTMLResponse)
def invitation_qr(body: QrRequest, request: Request, clinician: ClinicianDep) -> HTMLResponse:
    """A QR code (SVG) of an invitation link, so that she can open it with her phone's camera."""
    if not _INVITATION.fullmatch(body.url):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "url: expected an invitation path, "
                            "/share/accept?token=...")  # fmt: skip
    buffer = io.BytesIO()
    absolute = str(request.base_url).rstrip("/") + body.url
    segno.make(absolute, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
    return HTMLResponse(buffer.getvalue().decode(), media_type="image/svg+xml")


# -- one patient's record ---------------------------------------------------------------------------------------------
def _sessions(store: StoreDep, patient_id: int, clock: ClockDep) -> list[dict[str, Any]]:
    """Her sessions as the record's table shows them, newest first."""
    rows = []
    for s in store.list_sessions(patient_id, limit=MAX_SESSIONS):
        summary = s.summary or {}
        measured = technique_measured(s)
        rows.append({
            "id": s.id,
            "at": s.created_at.astimezone(clock.tz),
            "routine": s.routine,
            "status": s.status,
            "contractions": s.contraction_count,
            "strongest": summary.get("max_peak"),
            "unit": summary.get("unit") or s.units.get("floor", "raw"),
            "pushes": summary.get("pushes") if measured else None,
            "technique_measured": measured,
            "assessment": s.routine in ROUTINE_ASSESSMENT and s.status == "completed",
        })  # fmt: skip
    return rows


def _plan(plans: PlansDep, patient_id: int) -> tuple[StoredPlan | None, str | None]:
    try:
        return plans.get(patient_id), None
    except StoreError as exc:
        return None, str(exc)


def _care(care: CareDep, store: StoreDep, patient_id: int, *, training: bool, today: dt.date) -> dict[str, Any]:
    """Her diary of the last weeks with its scored questionnaires, and the weekly insight (training counted only
    when she shares it)."""
    entries = care.list_entries(patient_id)
    recent = [e for e in entries if 0 <= (today - e.date).days < DIARY_DAYS][::-1]
    insight = build_insight(entries, training_of(store, patient_id) if training else ())
    estimates = [
        ("Pain and training", insight.pain),
        ("Leaking and training", insight.leaking),
        ("Function (PEG-3) and training", insight.function),
        ("Strength over time", insight.strength),
    ]
    return {
        "diary": [(e, scores_of(e)) for e in recent],
        "insight": insight,
        "estimates": [(t, e) for t, e in estimates if e.status != "not_enough_data"],
        "min_weeks": MIN_WEEKS,
        "diary_days": DIARY_DAYS,
        "signs": SIGN_LABELS,
    }


@router.get("/clinic/patients/{patient_id}")
def patient_page(
    request: Request, patient_id: int, clinician: ClinicianDep, sharing: SharingDep, store: StoreDep,
    plans: PlansDep, care: CareDep, clinic: ClinicDep, clock: ClockDep,
) -> HTMLResponse:  # fmt: skip
    """One patient's record, as far as her share lets the clinician see."""
    share = sharing.shares.active(clinician.id, patient_id, at=clock.now)
    if share is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such patient")
    scope = scope_of(share)
    for s in sorted(scope):
        share = _open(sharing, clinician, patient_id, s, f"your {s} record", request=request, at=clock.now)
    row = load_patient_row(store=store, plans=plans, care=care, user_id=patient_id, name=share.patient, scope=scope,
                           today=clock.today, tz=clock.tz)  # fmt: skip
    context: dict[str, Any] = {
        "share": share,
        "scope": scope,
        "row": row,
        "target": DAYS_WITH_DATA_TARGET,
        "target_source": DAYS_WITH_DATA_SOURCE,
        "alert_titles": ALERT_TITLES,
        "notes": clinic.notes(patient_id, clinician.id),
        "messages": clinic.messages(patient_id, clinician.id),  # read before marking: "read" is for hers to me
        "tz": clock.tz,
        "goals": GOALS,
        "stages": STAGES,
        "positions": POSITIONS,
        "in_clinic_routines": IN_CLINIC_ROUTINES,
    }
    clinic.mark_read(patient_id, clinician.id, from_clinician=False, at=clock.now)  # she sees that they were read
    if "training" in scope:
        stored, plan_error = _plan(plans, patient_id)
        context |= {
            "sessions": _sessions(store, patient_id, clock),
            "progress": progress_data(store, plans, patient_id, clock),
            "measures": MEASURES,
            "angelo": ANGELO_2017,
            "stored_plan": stored,
            "plan_error": plan_error,
        }
    if "care" in scope:
        context |= _care(care, store, patient_id, training="training" in scope, today=clock.today)
    return templates.TemplateResponse(request, "clinic_patient.html", context)
