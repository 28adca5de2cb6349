"""Request dependencies, as ``Annotated`` aliases.

Who is asking was settled by the security boundary (``web/security.py``) before any route runs; these aliases
hand it to the routes, and refuse (401) if a route is somehow reached without it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket, status

from pelvicore.accounts import Accounts, Principal
from pelvicore.accounts.sharing import Sharing
from pelvicore.sessions import SessionManager
from pelvicore.store.clinic import ClinicStore
from pelvicore.store.repository import SessionStore
from pelvicore.training.plan_records import Plans
from pelvicore.training.weeks import LocalClock, time_zone

#: Her time zone (IANA name), as her browser gives it: every page sets the cookie (``session.js``); an API client
#: may send the header instead. Without either, her days are UTC days.
TIME_ZONE_HEADER = "X-Time-Zone"
TIME_ZONE_COOKIE = "pelvicore_tz"


def _store(request: Request) -> SessionStore:
    return request.app.state.store


def _manager(request: Request) -> SessionManager:
    return request.app.state.manager


def _plans(request: Request) -> Plans:
    return request.app.state.plans


def _accounts(request: Request) -> Accounts:
    return request.app.state.accounts


def _sharing(request: Request) -> Sharing:
    return request.app.state.sharing


def _clinic(request: Request) -> ClinicStore:
    return request.app.state.clinic


def _principal(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first", headers={"WWW-Authenticate": "Bearer"})
    return principal


def now() -> datetime:
    """The time now (UTC); tests move it with ``app.dependency_overrides[now]``."""
    return datetime.now(UTC)


def _clock(request: Request, at: Annotated[datetime, Depends(now)]) -> LocalClock:
    name = request.headers.get(TIME_ZONE_HEADER) or request.cookies.get(TIME_ZONE_COOKIE)
    return LocalClock(at, time_zone(name))


def _user(principal: Annotated[Principal, Depends(_principal)]) -> int:
    return principal.id


def _clinician(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
    if principal.user.role != "clinician":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this is for clinicians' accounts")
    return principal


def session_owner(
    request: Request, session_id: str, principal: Annotated[Principal, Depends(_principal)],
    at: Annotated[datetime, Depends(now)],
) -> int:  # fmt: skip
    """Whose rows to look for ``session_id`` in: hers, or — for a clinician she shares training with — the
    patient's (the read goes into her audit log). Anyone else gets their own id, so the session is not found."""
    sharing: Sharing = request.app.state.sharing
    found = sharing.session_owner(principal, session_id, request.url.path, at=at, address=client_address(request))
    return principal.id if found is None else found[0]


def session_driver(
    request: Request, session_id: str, principal: Annotated[Principal, Depends(_principal)],
    at: Annotated[datetime, Depends(now)],
) -> int:  # fmt: skip
    """Whose session ``session_id`` the signed-in user may drive (pause, resume, stop): hers, or the patient's for
    the clinician recording it with her in the clinic. Anyone else gets their own id: not found."""
    sharing: Sharing = request.app.state.sharing
    found = sharing.session_owner(principal, session_id, request.url.path, at=at, address=client_address(request))
    return found[0] if found is not None and found[1] else principal.id


StoreDep = Annotated[SessionStore, Depends(_store)]
ManagerDep = Annotated[SessionManager, Depends(_manager)]
PlansDep = Annotated[Plans, Depends(_plans)]
AccountsDep = Annotated[Accounts, Depends(_accounts)]
PrincipalDep = Annotated[Principal, Depends(_principal)]
ClinicianDep = Annotated[Principal, Depends(_clinician)]
"""The signed-in clinician (403 for any other account)."""
SharingDep = Annotated[Sharing, Depends(_sharing)]
ClinicDep = Annotated[ClinicStore, Depends(_clinic)]
SessionOwner = Annotated[int, Depends(session_owner)]
"""Whose session ``{session_id}`` is to read: hers, or a patient's who shares her training with this clinician."""
SessionDriver = Annotated[int, Depends(session_driver)]
"""Whose session ``{session_id}`` to drive: hers, or her clinician's recording it with her in the clinic."""
CurrentUser = Annotated[int, Depends(_user)]
"""The signed-in account's id: every query a route makes is for this user's rows."""
ClockDep = Annotated[LocalClock, Depends(_clock)]
"""The time now and her time zone: her "today" and the day each session was on (``training.weeks``)."""


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def ws_manager(websocket: WebSocket) -> SessionManager:
    return websocket.app.state.manager


def ws_store(websocket: WebSocket) -> SessionStore:
    return websocket.app.state.store


def ws_user(websocket: WebSocket) -> int:
    principal = websocket.scope.get("state", {}).get("principal")
    if not isinstance(principal, Principal):
        raise PermissionError("a WebSocket reached a route without a signed-in user")
    return principal.id
