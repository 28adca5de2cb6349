"""The FastAPI application factory."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from pelvicore.accounts import Accounts
from pelvicore.accounts.sharing import Sharing
from pelvicore.devices.ble.hub import open_backend
from pelvicore.sessions import SessionManager
from pelvicore.store.accounts import AccountStore
from pelvicore.store.clinic import ClinicStore
from pelvicore.store.db import default_database_url, make_engine, migrate
from pelvicore.store.plans import PlanStore
from pelvicore.store.repository import SessionStore
from pelvicore.store.shares import ShareStore
from pelvicore.training.plan_records import Plans
from pelvicore.web.error_pages import install_error_pages
from pelvicore.web.routers import (
    account,
    assessments,
    care,
    clinic,
    clinic_pages,
    exports,
    games,
    her_sharing_pages,
    lab,
    pages,
    phone,
    programme,
    progress,
    sessions,
    shares,
)
from pelvicore.web.security import Boundary, BoundaryConfig
from pelvicore.web.settings import Settings

STATIC = Path(__file__).parent / "static"


def app_from_environment() -> FastAPI:
    """The app of one worker among several (``serve --workers N``): its settings come from ``PELVICORE_*``."""
    return create_app(Settings())


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database is migrated and sessions left running by a crash are closed on start-up."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url or default_database_url())
        migrate(engine)
        store = SessionStore(engine)
        app.state.store = store
        app.state.plans = Plans(PlanStore(engine))
        app.state.accounts = Accounts(AccountStore(engine))
        app.state.sharing = Sharing(ShareStore(engine), app.state.accounts)
        app.state.clinic = ClinicStore(engine)
        async with contextlib.AsyncExitStack() as stack:
            backend = None
            if settings.ble != "none":
                backend = await stack.enter_async_context(open_backend(settings.ble, speed=settings.ble_speed))
            app.state.manager = SessionManager(
                store, flush_s=settings.flush_s, backend=backend, max_sessions=settings.max_live_sessions,
                redis_url=settings.redis_url,
            )  # fmt: skip
            # Alone: sessions a crash or a kill left running are interrupted. With Redis: those of dead workers.
            await app.state.manager.start()
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

    install_error_pages(app)
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
    app.include_router(her_sharing_pages.router)
    app.include_router(shares.router)
    app.include_router(clinic.router)
    app.include_router(clinic_pages.router)
    app.include_router(lab.router)
    app.include_router(exports.router)
    app.include_router(phone.router)
    return app
