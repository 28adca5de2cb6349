"""Assessments: start one as a guided live session, and its report (page and JSON) once the session has ended."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse

from pelvicore.assess.norms import POWER_CLASSES
from pelvicore.devices.simulator.persons import PERSONS
from pelvicore.sessions.assessment_report import (
    NEEDS_CALIBRATION,
    TITLES,
    AssessmentName,
    assess_session,
    assessments_for,
    default_assessment,
    plain_problem,
)
from pelvicore.store.repository import SessionRecord
from pelvicore.training.protocols import PROTOCOLS
from pelvicore.web.deps import SessionOwner, StoreDep
from pelvicore.web.routers.pages import templates

router = APIRouter()
logger = logging.getLogger(__name__)

#: The guided assessments offered on /assess: routine, what she will be asked to do, what the report shows.
GUIDED = (
    (
        "perfect",
        "Three strongest squeezes, five 10 s holds, then ten quick squeezes, with rests between.",
        "Power (cmH2O above rest) and its class, endurance, repetitions, fast contractions, every contraction timed.",
    ),
    (
        "glazer",
        "One minute of rest, five quick flicks, five 10 s holds, a 60 s steady hold, one minute of rest.",
        "The level of each phase against published norms (surface EMG), rise and recovery times, endurance decline.",
    ),
    (
        "cough",
        "Three coughs: squeeze just before each one and keep the squeeze through it.",
        "Whether the floor squeezed before each cough and held through it (the Knack), as % of coughs.",
    ),
)
# Angelo 2017 ranges, lowest first, for the report's table: (class, from, to) in cmH2O above rest.
POWER_RANGES = [
    (name, lower, None if i == 0 else round(POWER_CLASSES[i - 1][0] - 0.1, 1))
    for i, (lower, name) in enumerate(POWER_CLASSES)
][::-1]


def _record(store: StoreDep, session_id: str, user: int) -> SessionRecord:
    record = store.get(session_id, owner=user)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no session {session_id!r}")
    return record


@router.get("/assess", response_class=HTMLResponse)
def assess_page(request: Request) -> HTMLResponse:
    guided = [(PROTOCOLS[name], does, shows) for name, does, shows in GUIDED]
    return templates.TemplateResponse(request, "assess.html", {"guided": guided, "persons": PERSONS})


@router.get("/api/sessions/{session_id}/assessment")
def get_assessment(
    session_id: str,
    store: StoreDep,
    owner: SessionOwner,
    protocol: Annotated[AssessmentName | None, Query(description="Default: the one its routine is for")] = None,
) -> dict[str, Any]:
    """The assessment of a finished session: ``perfect``, ``glazer``, ``cough`` or ``relaxation`` (any session).

    409 while the session is still running, or when the recording cannot give this assessment (the reason says
    why: a trainer in raw units, a session stopped before the protocol's end...).
    """
    record = _record(store, session_id, owner)
    if record.status == "running":
        raise HTTPException(status.HTTP_409_CONFLICT, "the session is still running: its report comes when it ends")
    report = assess_session(store, record, protocol or default_assessment(record.routine))
    if report.result is None:
        raise HTTPException(status.HTTP_409_CONFLICT, report.error or "no result")
    return {"session": session_id, "routine": record.routine, "status": record.status} | report.to_dict()


@router.get("/sessions/{session_id}/assessment", response_class=HTMLResponse)
def assessment_page(
    request: Request, session_id: str, store: StoreDep, owner: SessionOwner, protocol: AssessmentName | None = None
) -> HTMLResponse:
    record = _record(store, session_id, owner)
    offered = assessments_for(record.routine)
    chosen = protocol or default_assessment(record.routine)
    if chosen not in offered:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"this session's routine had no {TITLES[chosen]}: run it from Assess"
        )
    running = record.status == "running"
    report = None if running else assess_session(store, record, chosen)
    relaxation = None
    if report is not None and chosen != "relaxation":
        relaxation = assess_session(store, record, "relaxation")
    for r in (report, relaxation):
        if r is not None and r.error:
            logger.info("session %s: %s not made: %s", session_id, r.protocol, r.error)
    return templates.TemplateResponse(
        request,
        "assessment.html",
        {
            "session": record,
            "running": running,
            "protocol": chosen,
            "title": TITLES[chosen],
            "report": report,
            "problem": plain_problem(report) if report is not None and report.error else None,
            "relaxation": relaxation,
            "relaxation_problem": (plain_problem(relaxation) if relaxation is not None and relaxation.error else None),
            "titles": {name: TITLES[name] for name in offered},
            "needs_calibration": NEEDS_CALIBRATION,
            "power_ranges": POWER_RANGES,
        },
    )
