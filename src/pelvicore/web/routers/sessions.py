"""JSON API and WebSocket for sessions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, WebSocket, WebSocketDisconnect, status
from pydantic import BaseModel, Field

from pelvicore.devices.simulator.persons import PERSONS
from pelvicore.web.deps import CurrentUser, ManagerDep, StoreDep, ws_manager, ws_store
from pelvicore.web.live import SessionNotResumable

router = APIRouter()

Profile = Literal["healthy", "weak", "fatiguing", "hypertonic", "bearing-down"]
Routine = Literal["quick-check", "daily", "glazer", "perfect", "cough"]
assert set(Profile.__args__) == set(PERSONS)  # type: ignore[attr-defined]


class SessionRequest(BaseModel):
    """Start a session. Only the simulator is a source here; sensors come through the device drivers."""

    source: Literal["simulator"] = "simulator"
    profile: Profile = "healthy"
    routine: Routine = "quick-check"
    speed: float = Field(1.0, gt=0, le=100, description="Playback speed of the simulator (1 = real time)")
    seed: int | None = Field(None, ge=0, description="Seed of the simulated person (default: random)")


class SessionCreated(BaseModel):
    id: str


@router.get("/api/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.post("/api/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionCreated)
async def create_session(body: SessionRequest, manager: ManagerDep, user: CurrentUser) -> SessionCreated:
    session_id = await manager.start(user, profile=body.profile, routine=body.routine, speed=body.speed, seed=body.seed)
    return SessionCreated(id=session_id)


def _record(store: StoreDep, session_id: str) -> dict[str, Any]:
    record = store.get(session_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no session {session_id!r}")
    return asdict(record)


@router.get("/api/sessions")
def list_sessions(store: StoreDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [asdict(r) for r in store.list_sessions(user)]


@router.get("/api/sessions/{session_id}")
def get_session(session_id: str, store: StoreDep) -> dict[str, Any]:
    return _record(store, session_id)


@router.get("/api/sessions/{session_id}/trace")
def get_trace(session_id: str, store: StoreDep, max_points: int = 4000) -> dict[str, Any]:
    """The recorded samples, thinned to about ``max_points`` per channel (min and max kept per bucket)."""
    _record(store, session_id)
    fs_hz, channels, index = store.load_trace(session_id)
    step = max(1, int(np.ceil(index.size / max(1, max_points))))
    return {
        "fs_hz": fs_hz,
        "t_s": np.round(index[::step] / fs_hz, 3).tolist(),
        "channels": {name: np.round(x[::step], 3).tolist() for name, x in channels.items()},
    }


@router.post("/api/sessions/{session_id}/{action}")
async def control(session_id: str, action: Literal["pause", "resume", "stop"], manager: ManagerDep) -> dict[str, str]:
    """Pause, resume or stop a running session; ``resume`` also carries on an interrupted one."""
    live = manager.live.get(session_id)
    if live is None and action == "resume":
        try:
            await manager.resume(session_id)
        except SessionNotResumable as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        return {"status": "resumed"}
    if live is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"session {session_id!r} is not running")
    getattr(live, action)()
    return {"status": action}


@router.websocket("/ws/sessions/{session_id}")
async def stream(websocket: WebSocket, session_id: str) -> None:
    manager, store = ws_manager(websocket), ws_store(websocket)
    await websocket.accept()
    try:
        live = manager.live.get(session_id)
        if live is not None:
            async for message in live.messages():
                await websocket.send_json(message)
        else:
            record = store.get(session_id)
            if record is None:
                await websocket.close(code=4404, reason="no such session")
                return
            for c in record.contractions:
                await websocket.send_json({"type": "contraction"} | c)
            await websocket.send_json({"type": "end", "status": record.status, "summary": record.summary})
        await websocket.close()
    except WebSocketDisconnect:
        pass
