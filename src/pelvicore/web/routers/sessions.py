"""JSON API and WebSocket for sessions."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Query, WebSocket, WebSocketDisconnect, status
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from pelvicore.accounts import Principal
from pelvicore.accounts.sharing import Sharing
from pelvicore.devices.ble.sensor import DEFAULT_HZ
from pelvicore.devices.ble.stream import stream_units
from pelvicore.devices.browser import BrowserSource
from pelvicore.devices.profiles import PROFILES, identify
from pelvicore.devices.profiles.base import DecodeError
from pelvicore.devices.simulator.persons import PERSONS
from pelvicore.errors import PelvicoreError
from pelvicore.sessions import SensorUnavailable, SessionManager, SessionNotResumable
from pelvicore.store.repository import SessionRecord
from pelvicore.training.feedback import honest_summary, stored_feedback
from pelvicore.web.deps import (
    CurrentUser,
    ManagerDep,
    SessionDriver,
    SessionOwner,
    StoreDep,
    ws_manager,
    ws_store,
    ws_user,
)

router = APIRouter()

Profile = Literal["healthy", "weak", "fatiguing", "hypertonic", "bearing-down"]
Routine = Literal["quick-check", "daily", "glazer", "perfect", "cough"]
assert set(Profile.__args__) == set(PERSONS)  # type: ignore[attr-defined]


DeviceProfileName = Literal["perifit", "kgoal", "kgoal-boost", "elvie", "magic-motion", "femfit", "open"]
assert set(DeviceProfileName.__args__) == set(PROFILES)  # type: ignore[attr-defined]


class SessionRequest(BaseModel):
    """Start a session with the simulator, a trainer through the server's Bluetooth (``device``), or a
    trainer the web page connects with Web Bluetooth (``browser``)."""

    source: Literal["simulator", "device", "browser"] = "simulator"
    device_address: str | None = Field(
        None, pattern=r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$|^[0-9A-Fa-f-]{36}$", description="With source device"
    )
    device_profile: DeviceProfileName | None = Field(None, description="Trainer kind (browser: required)")
    profile: Profile = "healthy"
    routine: Routine = "quick-check"
    speed: float = Field(1.0, ge=0.1, le=100, description="Playback speed of the simulator (1 = real time, 0.1 to 100)")
    seed: int | None = Field(None, ge=0, le=2**32 - 1, description="Seed of the simulated person (default: random)")


class SessionCreated(BaseModel):
    id: str


@router.get("/api/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.post("/api/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionCreated)
async def create_session(body: SessionRequest, manager: ManagerDep, user: CurrentUser) -> SessionCreated:
    if body.source == "device":
        if body.device_address is None:
            raise HTTPException(422, "device_address is required with source device")
        try:
            session_id = await manager.start_device(
                user, address=body.device_address, profile=body.device_profile, routine=body.routine
            )
        except SensorUnavailable as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    elif body.source == "browser":
        if body.device_profile is None:
            raise HTTPException(422, "device_profile is required with source browser")
        session_id = await manager.start_browser(user, profile=body.device_profile, routine=body.routine)
    else:
        session_id = await manager.start_simulator(
            user, profile=body.profile, routine=body.routine, speed=body.speed, seed=body.seed
        )
    return SessionCreated(id=session_id)


def _record(store: StoreDep, session_id: str, user: int) -> dict[str, Any]:
    record = store.get(session_id, owner=user)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no session {session_id!r}")
    return _public(record)


def _public(record: SessionRecord) -> dict[str, Any]:
    """A session as the API gives it: honest about technique, with its end feedback once it is over."""
    return asdict(record) | {"summary": honest_summary(record), "feedback": _feedback(record)}


def _feedback(record: SessionRecord) -> dict[str, str] | None:
    feedback = stored_feedback(record)
    return None if feedback is None else feedback.to_dict()


@router.get("/api/sessions")
def list_sessions(store: StoreDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [asdict(r) | {"summary": honest_summary(r)} for r in store.list_sessions(user)]


@router.get("/api/sessions/{session_id}")
def get_session(session_id: str, store: StoreDep, owner: SessionOwner) -> dict[str, Any]:
    """One session: hers, or a patient's who shares her training with the clinician asking."""
    return _record(store, session_id, owner)


@router.delete("/api/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_session(session_id: str, store: StoreDep, manager: ManagerDep, user: CurrentUser) -> None:
    """Delete a recorded session with its whole trace and events (a running one must be stopped first)."""
    record = _record(store, session_id, user)
    if record["status"] == "running" or session_id in manager.live:
        raise HTTPException(status.HTTP_409_CONFLICT, "the session is still running: stop it, then delete it")
    store.delete_session(session_id, owner=user)


@router.get("/api/sessions/{session_id}/trace")
def get_trace(
    session_id: str, store: StoreDep, owner: SessionOwner, max_points: Annotated[int, Query(ge=1, le=10**7)] = 4000
) -> dict[str, Any]:
    """The recorded samples, thinned to about ``max_points`` per channel (min and max kept per bucket)."""
    fs_hz, channels, index = store.load_trace(session_id, owner=owner)
    step = max(1, int(np.ceil(index.size / max(1, max_points))))
    return {
        "fs_hz": fs_hz,
        "t_s": np.round(index[::step] / fs_hz, 3).tolist(),
        "channels": {name: np.round(x[::step], 3).tolist() for name, x in channels.items()},
    }


@router.post("/api/sessions/{session_id}/{action}")
async def control(
    session_id: str, action: Literal["pause", "resume", "stop"], manager: ManagerDep, store: StoreDep,
    owner: SessionDriver,
) -> dict[str, str]:  # fmt: skip
    """Pause, resume or stop a running session; ``resume`` also carries on an interrupted one. Hers, or one her
    clinician records with her in the clinic. Any worker takes it: a session another worker runs gets it there."""
    record = _record(store, session_id, owner)
    live = manager.live.get(session_id)
    if live is not None:
        getattr(live, action)()
        return {"status": action}
    if record["status"] == "running":
        if await manager.control_elsewhere(session_id, {"action": action}):
            return {"status": action}
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"session {session_id!r} is not running any more: the server process that ran it has stopped, and it "
            "will be marked interrupted within seconds (then it can be resumed)",
        )
    if action == "resume":
        try:
            await manager.resume(session_id, owner=owner)
        except SessionNotResumable as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        return {"status": "resumed"}
    raise HTTPException(status.HTTP_409_CONFLICT, f"session {session_id!r} is not running")


@router.websocket("/ws/sessions/{session_id}")
async def stream(websocket: WebSocket, session_id: str) -> None:
    """A session's frames, cues, contractions and end, live: for her, and read-only for a clinician she shares
    her training with, when she lets them watch this session."""
    manager, store = ws_manager(websocket), ws_store(websocket)
    user = ws_user(websocket)
    owner, driving = _clinician_view(websocket, session_id) or (user, True)
    record = store.get(session_id, owner=owner)
    if record is None:
        if "websocket.http.response" in websocket.scope.get("extensions", {}):
            await websocket.send_denial_response(JSONResponse({"detail": "no such session"}, status.HTTP_404_NOT_FOUND))
        else:
            await websocket.close(code=4404, reason="no such session")
        return
    await websocket.accept()

    async def send_live() -> bool:
        if owner == user:
            return await _forward(websocket, manager, session_id)
        return await _forward_while_allowed(websocket, manager, session_id)

    try:
        live = manager.live.get(session_id)
        running = live is not None or record.status == "running"  # here, or on another worker
        if running and record.source == "browser" and driving:
            # Two directions at once; a page that goes away ends both (and the session carries on until it is
            # stopped or the page comes back). Its trainer's messages go to the worker that runs the session.
            if live is not None and isinstance(live.source, BrowserSource):
                deliver = _deliver_here(live.source)
            else:
                deliver = _deliver_elsewhere(manager, session_id)
            forward = asyncio.create_task(send_live())
            receiver = asyncio.create_task(_receive_payloads(websocket, deliver))
            done, pending = await asyncio.wait({forward, receiver}, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if receiver in done:
                return  # the page left: nothing to close
            forward.result()
        elif not running or not await send_live():
            # Over (or ended between the handshake and now): what was stored.
            record = store.get(session_id, owner=owner) or record
            for c in record.contractions:
                await websocket.send_json({"type": "contraction"} | c)
            await websocket.send_json(
                {
                    "type": "end",
                    "status": record.status,
                    "summary": honest_summary(record),
                    "feedback": _feedback(record),
                }
            )
        await websocket.close()
    except (WebSocketDisconnect, _ShareEnded):
        pass


def _clinician_view(websocket: WebSocket, session_id: str) -> tuple[int, bool] | None:
    """(the patient, driving) when a clinician may watch her session live — she allowed it for this session — or
    drives it, recording it with her in the clinic; None otherwise. The watch goes into her audit log."""
    sharing: Sharing = websocket.app.state.sharing
    principal = websocket.scope.get("state", {}).get("principal")
    if not isinstance(principal, Principal):
        return None
    address = websocket.client.host if websocket.client else ""
    return sharing.session_owner(principal, session_id, "live", at=datetime.now(UTC), live=True, address=address)


#: How often an open live view of a clinician's checks that she still shares (and still allows it), seconds.
SHARE_CHECK_S = 2.0


class _ShareEnded(Exception):
    """She revoked the share, it expired, or she turned live view off: the clinician's live view is closed."""


async def _forward_while_allowed(websocket: WebSocket, manager: SessionManager, session_id: str) -> bool:
    """``_forward`` for a clinician's live view, closed (``_ShareEnded``) as soon as she no longer allows it."""
    sharing: Sharing = websocket.app.state.sharing
    principal = websocket.scope["state"]["principal"]

    def allowed() -> bool:
        return (
            sharing.session_owner(principal, session_id, "live", at=datetime.now(UTC), live=True, audit=False)
            is not None
        )

    forward = asyncio.create_task(_forward(websocket, manager, session_id))
    while not forward.done():
        await asyncio.wait({forward}, timeout=SHARE_CHECK_S)
        if not forward.done() and not await asyncio.to_thread(allowed):
            forward.cancel()
            await asyncio.gather(forward, return_exceptions=True)
            await websocket.close(code=4403, reason="she no longer shares this session")
            raise _ShareEnded
    return forward.result()


async def _forward(websocket: WebSocket, manager: SessionManager, session_id: str) -> bool:
    """Send the live session's messages until its end; False if it had ended before anything was sent."""
    sent = False
    async for text in manager.fanout.subscribe(session_id):
        await websocket.send({"type": "websocket.send", "text": text})  # send_text's one extra call, per frame
        sent = True
    return sent


Deliver = Callable[[Any], Awaitable[None]]


def _deliver_here(source: BrowserSource) -> Deliver:
    async def deliver(message: Any) -> None:
        source.take(message)

    return deliver


def _deliver_elsewhere(manager: SessionManager, session_id: str) -> Deliver:
    """A page's trainer messages to the worker that runs its session: looked up once, and again if it is gone."""
    worker: str | None = None

    async def deliver(message: Any) -> None:
        nonlocal worker
        if not isinstance(message, dict):
            raise DecodeError("expected a JSON object")
        control = {"action": "page", "message": message}
        if worker is None or not await manager.control_elsewhere(session_id, control, worker):
            worker = await manager.worker_of(session_id)
            if worker is None or not await manager.control_elsewhere(session_id, control, worker):
                raise DecodeError("the session is not running on any server now: reload the page")

    return deliver


async def _receive_payloads(websocket: WebSocket, deliver: Deliver) -> None:
    """Messages from a page that streams its trainer with Web Bluetooth (see ``static/webble.js``)."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            try:
                await deliver(json.loads(await websocket.receive_text()))
            except (ValueError, DecodeError) as exc:
                await websocket.send_json({"type": "error", "text": f"message ignored: {exc}"})


@router.get("/api/devices/profiles")
def device_profiles() -> list[dict[str, Any]]:
    """Every trainer kind, with what a Web Bluetooth page needs to find and read it."""
    return [
        {
            "name": p.name,
            "title": p.title,
            "names": list(p.names),
            "services": list(p.services),
            "characteristics": list(p.characteristics),
            "mode": p.mode,
            "web_bluetooth": p.web_bluetooth,
            "battery_characteristic": p.battery_characteristic,
            "poll_hz": p.sampling_hz or DEFAULT_HZ,
            "units": stream_units(p),
            "source": p.source,
        }
        for p in PROFILES.values()
    ]


@router.get("/api/devices/scan")
async def scan_devices(manager: ManagerDep, seconds: float = Query(3.0, gt=0, le=30)) -> list[dict[str, Any]]:
    """Trainers the server's Bluetooth hears: address, name, profile, RSSI (dBm)."""
    if manager.backend is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "this server has no Bluetooth backend")
    try:
        adverts = await manager.backend.central.scan(seconds)
    except PelvicoreError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    rows = []
    for a in adverts:
        profile = identify(a.name, a.services)
        if profile is not None:
            rows.append({"address": a.address, "name": a.name, "profile": profile.name, "rssi": a.rssi})
    return rows


class CalibrationBody(BaseModel):
    """A trainer's calibration: rest level and maximum voluntary contraction above it, in ``unit``."""

    rest: float = Field(allow_inf_nan=False)
    mvc: float = Field(gt=0, allow_inf_nan=False)
    unit: Literal["raw", "cmH2O"]


@router.get("/api/devices")
def list_devices(store: StoreDep, user: CurrentUser) -> list[dict[str, Any]]:
    """The trainers used so far, each with its calibration (rest, mvc, unit) when it has one."""
    return [asdict(d) for d in store.list_devices(user)]


@router.put("/api/devices/{profile}/{key}/calibration")
def put_calibration(
    profile: DeviceProfileName,
    key: Annotated[str, PathParam(max_length=200)],
    body: CalibrationBody,
    store: StoreDep,
    user: CurrentUser,
) -> dict[str, Any]:
    """Set a trainer's calibration by hand (a clinician's measured maximum, for instance)."""
    store.save_calibration(user, profile, key, rest=body.rest, mvc=body.mvc, unit=body.unit)
    return asdict(store.get_calibration(user, profile, key))  # type: ignore[arg-type]


@router.delete("/api/devices/{profile}/{key}/calibration", status_code=status.HTTP_204_NO_CONTENT)
def delete_calibration(profile: DeviceProfileName, key: str, store: StoreDep, user: CurrentUser) -> None:
    """Forget a trainer's calibration: its readings show as raw again until the next session measures it."""
    if not store.forget_calibration(user, profile, key):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no calibration for {profile} {key!r}")
