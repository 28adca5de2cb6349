"""Request dependencies, as ``Annotated`` aliases.

Who is asking was settled by the security boundary (``web/security.py``) before any route runs; these aliases
hand it to the routes, and refuse (401) if a route is somehow reached without it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket, status

from pelvicore.accounts import Accounts, Principal
from pelvicore.sessions import SessionManager
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


StoreDep = Annotated[SessionStore, Depends(_store)]
ManagerDep = Annotated[SessionManager, Depends(_manager)]
PlansDep = Annotated[Plans, Depends(_plans)]
AccountsDep = Annotated[Accounts, Depends(_accounts)]
PrincipalDep = Annotated[Principal, Depends(_principal)]
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
