"""The FastAPI application factory."""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from pelvicore.accounts import Accounts
from pelvicore.devices.ble.hub import open_backend
from pelvicore.sessions import ServerBusy, SessionManager
from pelvicore.store.accounts import AccountStore
from pelvicore.store.db import default_database_url, make_engine, migrate
from pelvicore.store.errors import StoreError, UnknownSessionError
from pelvicore.store.plans import PlanStore
from pelvicore.store.repository import SessionStore
from pelvicore.training.plan_records import Plans
from pelvicore.web.routers import account, assessments, care, games, pages, programme, progress, sessions
from pelvicore.web.security import Boundary, BoundaryConfig
from pelvicore.web.settings import Settings

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database is migrated and interrupted sessions are closed on start-up."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url or default_database_url())
        migrate(engine)
        store = SessionStore(engine)
        store.interrupt_running()  # sessions cut short by a crash or a kill
        app.state.store = store
        app.state.plans = Plans(PlanStore(engine))
        app.state.accounts = Accounts(AccountStore(engine))
        async with contextlib.AsyncExitStack() as stack:
            backend = None
            if settings.ble != "none":
                backend = await stack.enter_async_context(open_backend(settings.ble, speed=settings.ble_speed))
            app.state.manager = SessionManager(
                store, flush_s=settings.flush_s, backend=backend, max_sessions=settings.max_live_sessions
            )
            try:
                yield
            finally:
                await app.state.manager.shutdown()
                engine.dispose()

    app = FastAPI(
        title="pelvicore",
        summary="Open pelvic-floor biofeedback: live sessions, contractions, history.",
        version="0.1.0",
        lifespan=lifespan,
        # Swagger UI and ReDoc load their scripts from a CDN: the schema is at /openapi.json (signed in).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # 422 naming the field, also when the bad value itself cannot be written as JSON (1e400 is infinite).
        return JSONResponse(
            {"detail": _json_safe(jsonable_encoder(exc.errors()))}, status.HTTP_422_UNPROCESSABLE_CONTENT
        )

    @app.exception_handler(ServerBusy)
    async def busy(request: Request, exc: ServerBusy) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "60"})

    @app.exception_handler(StoreError)
    async def refused_by_store(request: Request, exc: StoreError) -> JSONResponse:
        # The store checks what it is given (lengths, finite numbers, known sessions) for every caller: a value
        # it refuses is the request's fault, never a 500.
        code = status.HTTP_404_NOT_FOUND if isinstance(exc, UnknownSessionError) else 422
        return JSONResponse({"detail": str(exc)[:300]}, code)

    config = BoundaryConfig(settings.hosts(), settings.max_body_bytes, settings.max_ws_message_bytes)
    app.add_middleware(Boundary, config=config)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(account.router)
    app.include_router(sessions.router)
    app.include_router(pages.router)
    app.include_router(games.router)
    app.include_router(assessments.router)
    app.include_router(programme.router)
    app.include_router(progress.router)
    app.include_router(care.router)
    return app


def _json_safe(value: Any) -> Any:
    """``value`` with infinite and NaN floats written as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value
