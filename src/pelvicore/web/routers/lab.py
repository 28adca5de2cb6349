"""For researchers: publish her running session on the Lab Streaming Layer (``sessions/lsl.py``)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from pelvicore.sessions.lsl import LslUnavailable, SessionNotLive, lsl_switch, source_ids
from pelvicore.web.deps import CurrentUser, ManagerDep, StoreDep

router = APIRouter(tags=["lab"])


class LslRequest(BaseModel):
    publish: bool


class LslState(BaseModel):
    publish: bool
    source_ids: list[str]
    """The LSL source ids of the session's signal and marker streams."""


@router.put("/api/sessions/{session_id}/lsl", response_model=LslState)
async def set_lsl(
    session_id: str, body: LslRequest, store: StoreDep, manager: ManagerDep, user: CurrentUser
) -> LslState:
    """Publish (or stop publishing) her running session on the Lab Streaming Layer: its signal and its markers,
    for LabRecorder or MNE-LSL on her network to record. 409 once it has ended; 503 without pelvicore[lsl]."""
    record = await run_in_threadpool(store.get, session_id, owner=user)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no session {session_id!r}")
    if session_id not in manager.live:
        raise HTTPException(status.HTTP_409_CONFLICT, f"session {session_id!r} is not running")
    switch = lsl_switch(manager)
    try:
        if body.publish:
            switch.start(session_id)
        else:
            await switch.stop(session_id)
    except SessionNotLive as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except LslUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None
    return LslState(publish=body.publish, source_ids=list(source_ids(session_id)))
