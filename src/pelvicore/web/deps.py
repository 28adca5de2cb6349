"""Request dependencies, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, WebSocket

from pelvicore.store.plans import PlanStore
from pelvicore.store.repository import SessionStore
from pelvicore.web.live import SessionManager


def _store(request: Request) -> SessionStore:
    return request.app.state.store


def _manager(request: Request) -> SessionManager:
    return request.app.state.manager


def _plans(request: Request) -> PlanStore:
    return request.app.state.plans


def _user(request: Request) -> int:
    # One local person for now; accounts and sharing plug in here.
    return request.app.state.user_id


StoreDep = Annotated[SessionStore, Depends(_store)]
ManagerDep = Annotated[SessionManager, Depends(_manager)]
PlansDep = Annotated[PlanStore, Depends(_plans)]
CurrentUser = Annotated[int, Depends(_user)]


def ws_manager(websocket: WebSocket) -> SessionManager:
    return websocket.app.state.manager


def ws_store(websocket: WebSocket) -> SessionStore:
    return websocket.app.state.store
