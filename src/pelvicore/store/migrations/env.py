"""Alembic environment: runs the revisions in ``versions/`` on the connection ``migrate`` hands over.

For ``alembic revision`` during development, build the config with ``pelvicore.store.db.alembic_config()``
and set ``sqlalchemy.url``; no ``alembic.ini`` is needed.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from pelvicore.store.db import make_engine
from pelvicore.store.models import Base


def _run(connection: Connection) -> None:
    # render_as_batch: SQLite can only alter a table by copying it, which batch mode does.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection handed over and no sqlalchemy.url set in the Alembic config")
    engine = make_engine(url)
    try:
        with engine.begin() as new_connection:
            _run(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run pelvicore.store.migrate")
_run_online()
