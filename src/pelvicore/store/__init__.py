"""Storage of live sessions — users, sessions, signal chunks and events — in SQLite or PostgreSQL.

Typical use::

    engine = make_engine(default_database_url())   # or "postgresql://user@host/db"
    migrate(engine)                                 # Alembic "upgrade head"; a no-op when up to date
    store = SessionStore(engine)
    session_id = store.create_session(store.ensure_user(), source="simulator", profile=None,
                                      routine="quick-flicks", speed=1.0, fs_hz=100.0, units={"pressure": "cmH2O"})
"""

from __future__ import annotations

from pelvicore.store.db import default_database_url, make_engine, migrate
from pelvicore.store.errors import StoreError, UnknownSessionError
from pelvicore.store.models import SessionStatus
from pelvicore.store.repository import SessionRecord, SessionStore

__all__ = [
    "SessionRecord",
    "SessionStatus",
    "SessionStore",
    "StoreError",
    "UnknownSessionError",
    "default_database_url",
    "make_engine",
    "migrate",
]
