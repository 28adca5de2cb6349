"""Downloads of what pelvicore recorded, in standard formats: a session's PDF report, FHIR R4 bundle, EDF+ or
CSV; her own period as a FHIR bundle. Hers, or a patient's for a clinician she shares her training with
(``SessionOwner``: the read goes into her audit log)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from pelvicore.accounts.sharing import scope_of
from pelvicore.errors import PelvicoreError
from pelvicore.store.repository import SessionStore
from pelvicore.web.deps import ClinicianDep, ClockDep, CurrentUser, PlansDep, SessionOwner, SharingDep, StoreDep
from pelvicore.web.routers.care_api import CareDep
from pelvicore.web.routers.clinic import patient_access

router = APIRouter(tags=["exports"])

FHIR_JSON = "application/fhir+json"
MAX_DAYS = 3660
Days = Annotated[int, Query(ge=1, le=MAX_DAYS, description="The period: the last DAYS days, today included")]


def _finished(store: SessionStore, session_id: str, owner: int) -> None:
    record = store.get(session_id, owner=owner)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no session {session_id!r}")
    if record.status == "running":
        raise HTTPException(status.HTTP_409_CONFLICT, "the session is still running: its exports come when it ends")


def _download(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/api/sessions/{session_id}/report.pdf", response_class=Response)
async def report_pdf(session_id: str, store: StoreDep, owner: SessionOwner) -> Response:
    """The session's PDF report (A4): facts, trace chart, every contraction, feedback, its assessment, sources.

    409 while the session is still running: its report comes when it ends.
    """
    from pelvicore.exports.report_pdf import session_report_pdf

    _finished(store, session_id, owner)
    pdf = await run_in_threadpool(session_report_pdf, store, session_id, owner=owner)  # rendering takes a second
    return _download(pdf, "application/pdf", f"pelvicore-session-{session_id}.pdf")


@router.get("/api/sessions/{session_id}/export", response_class=Response)
async def export_session(
    session_id: str, store: StoreDep, owner: SessionOwner,
    format: Annotated[Literal["fhir", "edf", "csv"], Query(description="fhir: FHIR R4 Bundle; edf: EDF+; csv: zip "
                                                           "of the trace CSV and its events CSV")] = "fhir",
) -> Response:  # fmt: skip
    """A finished session in a standard format, with its contractions, cues and sensor gaps."""
    _finished(store, session_id, owner)
    name = f"pelvicore-session-{session_id}"
    try:
        if format == "fhir":
            from pelvicore.exports.fhir import session_bundle

            text = await run_in_threadpool(lambda: session_bundle(store, session_id, owner=owner))
            return _download(text.encode(), FHIR_JSON, f"{name}.fhir.json")
        if format == "edf":
            from pelvicore.exports.signals import session_edf

            edf = await run_in_threadpool(lambda: session_edf(store, session_id, owner=owner))
            return _download(edf, "application/octet-stream", f"{name}.edf")
        return _download(await run_in_threadpool(_csv_zip, store, session_id, owner, name), "application/zip",
                         f"{name}-csv.zip")  # fmt: skip
    except PelvicoreError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


def _csv_zip(store: SessionStore, session_id: str, owner: int, name: str) -> bytes:
    from pelvicore.exports.signals import write_session_csv

    buffer = io.BytesIO()
    with TemporaryDirectory() as folder, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in write_session_csv(store, session_id, owner=owner, path=Path(folder) / f"{name}.csv"):
            archive.write(path, path.name)
    return buffer.getvalue()


@router.get("/api/me/export/fhir", response_class=Response)
async def my_fhir(store: StoreDep, care: CareDep, plans: PlansDep, user: CurrentUser, clock: ClockDep,
                  days: Days = 90) -> Response:  # fmt: skip
    """Her last ``days`` days as one FHIR R4 Bundle: sessions, diary (pain NPRS, questionnaires), her trainers."""
    from pelvicore.exports.fhir import person_bundle

    start = clock.today - timedelta(days=days - 1)
    text = await run_in_threadpool(
        lambda: person_bundle(store, care, plans, user_id=user, start=start, end=clock.today)
    )
    return _download(text.encode(), FHIR_JSON, f"pelvicore-{start}-{clock.today}.fhir.json")


@router.get("/api/clinic/patients/{patient_id}/export/fhir", response_class=Response)
async def patient_fhir(
    patient_id: int, request: Request, sharing: SharingDep, clinician: ClinicianDep, store: StoreDep,
    care: CareDep, plans: PlansDep, clock: ClockDep, days: Days = 90,
) -> Response:  # fmt: skip
    """A shared patient's last ``days`` days as one FHIR R4 Bundle: only what she shares."""
    from pelvicore.exports.fhir import person_bundle

    what = f"a FHIR export of your last {days} days"
    share = patient_access(request, sharing, clinician, patient_id, "any", what, clock.now)
    start = clock.today - timedelta(days=days - 1)
    text = await run_in_threadpool(
        lambda: person_bundle(store, care, plans, user_id=patient_id, start=start, end=clock.today,
                              scope=frozenset(scope_of(share)))
    )  # fmt: skip
    return _download(text.encode(), FHIR_JSON, f"pelvicore-patient-{patient_id}-{clock.today}.fhir.json")
