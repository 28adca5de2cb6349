"""The clinician's API: patients who share with her, one patient's record, sessions, prescription, private notes,
messages and the period report.

Every route that names a patient goes through ``Sharing.access``: 404 unless the patient shares what the route
reads (``training`` or ``care``) with this clinician now, and each read is written to the patient's audit log.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field

from pelvicore.accounts import Principal
from pelvicore.accounts.sharing import NotShared, Scope, Sharing, scope_of
from pelvicore.clinic.dashboard import load_patient_row
from pelvicore.exports.report_pdf import period_report_pdf
from pelvicore.store.clinic import MESSAGE_MAX_CHARS, NOTE_MAX_CHARS, NoteRecord
from pelvicore.store.shares import ShareRecord
from pelvicore.training.dosing import Goal, Stage
from pelvicore.training.errors import PlanError
from pelvicore.training.feedback import honest_summary
from pelvicore.training.library import Position
from pelvicore.training.plan_json import plan_to_dict
from pelvicore.training.prescription import Prescription, prescribe
from pelvicore.web.deps import (
    ClinicDep,
    ClinicianDep,
    ClockDep,
    ManagerDep,
    PlansDep,
    SharingDep,
    StoreDep,
    client_address,
    now,
)
from pelvicore.web.routers.care_api import CareDep
from pelvicore.web.routers.sessions import DeviceProfileName, Profile, Routine
from pelvicore.web.routers.shares import message_dict

router = APIRouter(prefix="/api/clinic", tags=["clinic"])
Now = Annotated[datetime, Depends(now)]
MAX_REPORT_DAYS = 366
SUMMARY_READ = "your summary on their list of patients (/clinic)"
"""How her audit log names a read of her dashboard row (the page and the API say the same, so they merge)."""


class Invitation(BaseModel):
    url: str
    expires_at: datetime


class PlanChange(BaseModel):
    """What the clinician changes in her plan (leave out what stays) and why: ``note`` is shown to her."""

    note: str = Field(min_length=1, max_length=1000, description="Why: she reads it in her programme")
    goal: Goal | None = None
    stage: Stage | None = None
    hold_s: float | None = Field(None, ge=1, le=60, description="Hold of each squeeze, s")
    reps: int | None = Field(None, ge=1, le=12, description="Holds a set")
    fast_reps: int | None = Field(None, ge=0, le=20, description="Quick flicks a set")
    position: Position | None = None
    sets_per_day: int | None = Field(None, ge=1, le=6)
    days_per_week: int | None = Field(None, ge=1, le=7)


class ClinicSession(BaseModel):
    """A guided session with her in the clinic: her trainer through this computer's Web Bluetooth (``browser``),
    recorded into her record; or the simulator, to show her how it works — a demo in the clinician's own account,
    never in her record (it would count as her training)."""

    routine: Routine = "perfect"
    source: Literal["browser", "simulator"] = "browser"
    device_profile: DeviceProfileName | None = Field(None, description="Her trainer's kind (browser: required)")
    profile: Profile = "healthy"
    speed: float = Field(1.0, ge=0.1, le=100, description="Playback speed of the simulator (1 = real time, 0.1 to 100)")


class ClinicSessionStarted(BaseModel):
    id: str
    url: str


class Text(BaseModel):
    text: str = Field(min_length=1, max_length=max(NOTE_MAX_CHARS, MESSAGE_MAX_CHARS))


def patient_access(
    request: Request, sharing: Sharing, clinician: Principal, patient_id: int, scope: Scope | Literal["any"],
    what: str, at: datetime,
) -> ShareRecord:  # fmt: skip
    """The clinician's active share of ``patient_id`` covering ``scope`` (``any``: either), read noted; else 404."""
    try:
        if scope == "any":
            share = sharing.shares.active(clinician.id, patient_id, at=at)
            if share is None:
                raise NotShared(f"no patient {patient_id!r}")
            scope = "training" if share.training else "care"
        return sharing.access(clinician, patient_id, scope, what, at=at, address=client_address(request))
    except NotShared:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no patient {patient_id!r}") from None


@router.post("/invitations", status_code=status.HTTP_201_CREATED, response_model=Invitation)
def invite(sharing: SharingDep, clinician: ClinicianDep, at: Now) -> Invitation:
    """An invitation link (valid 14 days, used once) to send a patient: she chooses what to share when she opens it."""
    token, expires = sharing.invite(clinician, at=at)
    return Invitation(url=f"/share/accept?token={token}", expires_at=expires)


@router.get("/patients")
def patients(
    request: Request, sharing: SharingDep, clinician: ClinicianDep, store: StoreDep, plans: PlansDep,
    care: CareDep, clock: ClockDep,
) -> list[dict[str, Any]]:  # fmt: skip
    """Her patients with the last 30 days at a glance: days with training data, sessions against the plan, latest
    assessment, technique, pain trend and the alerts that need her."""
    rows = []
    for share in sharing.patients(clinician, at=clock.now):
        scope = scope_of(share)
        sharing.accounts.audit_read(share.user_id, clinician, SUMMARY_READ, address=client_address(request))
        row = load_patient_row(store=store, plans=plans, care=care, user_id=share.user_id, name=share.patient,
                               scope=scope, today=clock.today, tz=clock.tz)  # fmt: skip
        rows.append(row.to_dict() | {"scope": sorted(scope), "share_expires_at": share.expires_at.isoformat()})
    return rows


@router.get("/patients/{patient_id}")
def patient(
    patient_id: int, request: Request, sharing: SharingDep, clinician: ClinicianDep, store: StoreDep,
    plans: PlansDep, care: CareDep, clock: ClockDep,
) -> dict[str, Any]:  # fmt: skip
    """One patient: what she shares and until when, her 30-day row, and her plan with every change (training)."""
    share = patient_access(request, sharing, clinician, patient_id, "any", "your record", clock.now)
    scope = scope_of(share)
    row = load_patient_row(store=store, plans=plans, care=care, user_id=patient_id, name=share.patient,
                           scope=scope, today=clock.today, tz=clock.tz)  # fmt: skip
    stored = plans.get(patient_id) if share.training else None
    return {
        "patient": {"id": patient_id, "name": share.patient},
        "scope": sorted(scope),
        "in_clinic": share.in_clinic,
        "share_expires_at": share.expires_at.isoformat(),
        "row": row.to_dict(),
        "plan": None if stored is None else plan_to_dict(stored.plan),
        "changes": [] if stored is None else [c.to_dict() for c in stored.plan.all_changes()],
    }


@router.get("/patients/{patient_id}/sessions")
def patient_sessions(
    patient_id: int, request: Request, sharing: SharingDep, clinician: ClinicianDep, store: StoreDep, at: Now,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[dict[str, Any]]:  # fmt: skip
    """Her sessions, newest first (as ``GET /api/sessions`` gives her own)."""
    patient_access(request, sharing, clinician, patient_id, "training", "your list of sessions", at)
    return [asdict(r) | {"summary": honest_summary(r)} for r in store.list_sessions(patient_id, limit=limit)]


@router.post(
    "/patients/{patient_id}/sessions", status_code=status.HTTP_201_CREATED, response_model=ClinicSessionStarted
)
async def record_in_clinic(
    patient_id: int, body: ClinicSession, request: Request, sharing: SharingDep, clinician: ClinicianDep,
    manager: ManagerDep, at: Now,
) -> ClinicSessionStarted:  # fmt: skip
    """Record a guided assessment with her in the room, into her record: only when her share allows sessions in
    the clinic (403 otherwise, saying so). The clinician's page then drives it like her own live page. A simulated
    demo runs in the clinician's own account."""
    share = patient_access(
        request, sharing, clinician, patient_id, "training", "your record, to start a session in the clinic", at
    )
    if not share.in_clinic:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "she has not allowed sessions in the clinic: she can add it "
                            "from her Sharing page")  # fmt: skip
    if body.source == "browser":
        if body.device_profile is None:
            raise HTTPException(422, "device_profile is required with source browser")
        session_id = await manager.start_browser(
            patient_id, profile=body.device_profile, routine=body.routine, recorded_by=clinician.label
        )
    else:
        session_id = await manager.start_simulator(
            clinician.id, profile=body.profile, routine=body.routine, speed=body.speed
        )
        return ClinicSessionStarted(id=session_id, url=f"/sessions/{session_id}/live")
    sharing.accounts.audit(patient_id, clinician, "recorded in the clinic", f"session {session_id} ({body.routine})",
                           address=client_address(request))  # fmt: skip
    return ClinicSessionStarted(id=session_id, url=f"/sessions/{session_id}/live")


@router.post("/patients/{patient_id}/plan")
def prescribe_plan(
    patient_id: int, body: PlanChange, request: Request, sharing: SharingDep, clinician: ClinicianDep,
    plans: PlansDep, clock: ClockDep,
) -> dict[str, Any]:  # fmt: skip
    """Change her plan (goal, stage, dose) with a reason she reads in her programme; 409 before she has a plan."""
    patient_access(request, sharing, clinician, patient_id, "training", "your plan", clock.now)
    stored = plans.get(patient_id)
    if stored is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "she has no plan yet: she makes one from her Programme page")
    try:
        rx = Prescription(**body.model_dump())
        new, change = prescribe(stored.plan, rx, by=clinician.label, on=clock.today)
    except PlanError as exc:
        raise HTTPException(422, str(exc)) from None
    plans.save(patient_id, new, new_week=False)
    sharing.accounts.audit(patient_id, clinician, "plan changed", change.what[:300], address=client_address(request))
    return {"plan": plan_to_dict(new), "change": change.to_dict()}


@router.get("/patients/{patient_id}/notes")
def notes(
    patient_id: int, request: Request, sharing: SharingDep, clinician: ClinicianDep, clinic: ClinicDep, at: Now
) -> list[dict[str, Any]]:
    """The clinician's private notes about her, newest first (she never sees them here)."""
    patient_access(request, sharing, clinician, patient_id, "any", "their notes about you", at)
    return [_note(n) for n in clinic.notes(patient_id, clinician.id)]


@router.post("/patients/{patient_id}/notes", status_code=status.HTTP_201_CREATED)
def add_note(
    patient_id: int, body: Text, request: Request, sharing: SharingDep, clinician: ClinicianDep, clinic: ClinicDep,
    at: Now,
) -> dict[str, Any]:  # fmt: skip
    patient_access(request, sharing, clinician, patient_id, "any", "their notes about you", at)
    if len(body.text) > NOTE_MAX_CHARS:
        raise HTTPException(422, f"a note is at most {NOTE_MAX_CHARS} characters")
    return _note(clinic.add_note(patient_id, clinician.id, body.text, at=at))


@router.get("/patients/{patient_id}/messages")
def messages(
    patient_id: int, request: Request, sharing: SharingDep, clinician: ClinicianDep, clinic: ClinicDep, at: Now
) -> list[dict[str, Any]]:
    """The messages with her, oldest first; hers are marked read as the clinician opens them."""
    patient_access(request, sharing, clinician, patient_id, "any", "your messages", at)
    thread = clinic.messages(patient_id, clinician.id)
    clinic.mark_read(patient_id, clinician.id, from_clinician=False, at=at)
    return [message_dict(m) for m in thread]


@router.post("/patients/{patient_id}/messages", status_code=status.HTTP_201_CREATED)
def send_message(
    patient_id: int, body: Text, request: Request, sharing: SharingDep, clinician: ClinicianDep, clinic: ClinicDep,
    at: Now,
) -> dict[str, Any]:  # fmt: skip
    """A plain-text message to her, shown in her app."""
    patient_access(request, sharing, clinician, patient_id, "any", "your messages", at)
    if len(body.text) > MESSAGE_MAX_CHARS:
        raise HTTPException(422, f"a message is at most {MESSAGE_MAX_CHARS} characters")
    return message_dict(clinic.add_message(patient_id, clinician.id, body.text, from_clinician=True, at=at))


@router.get("/patients/{patient_id}/report.pdf", response_class=Response)
async def period_report(
    patient_id: int, request: Request, sharing: SharingDep, clinician: ClinicianDep, store: StoreDep,
    plans: PlansDep, care: CareDep, clock: ClockDep, days: Annotated[int, Query(ge=1, le=MAX_REPORT_DAYS)] = 90,
) -> Response:  # fmt: skip
    """Her PDF report over the last ``days`` days: only what she shares."""
    share = patient_access(
        request, sharing, clinician, patient_id, "any", f"a PDF report of your last {days} days", clock.now
    )
    pdf = await anyio.to_thread.run_sync(
        lambda: period_report_pdf(store, user_id=patient_id, today=clock.today, patient_label=share.patient,
                                  days=days, scope=frozenset(scope_of(share)), care=care, plans=plans, tz=clock.tz)
    )  # fmt: skip
    name = f"pelvicore-patient-{patient_id}-{clock.today.isoformat()}.pdf"
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _note(n: NoteRecord) -> dict[str, Any]:
    return {"id": n.id, "text": n.text, "at": n.at.isoformat()}
