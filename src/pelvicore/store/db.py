"""Database engines and schema migrations: SQLite by default, PostgreSQL (psycopg 3) for a shared server."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import platformdirs
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from pelvicore.store.errors import StoreError

MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"
"""The Alembic environment (``env.py`` and ``versions/``), shipped inside the package."""

WRITE_OPTION: Final = "pelvicore_write"
"""Execution option marking a transaction that will write: on SQLite it begins with ``BEGIN IMMEDIATE``."""

_SQLITE_TIMEOUT_S: Final = 30.0


def default_database_url() -> str:
    """Return the URL of the per-user SQLite database, creating its folder if needed.

    The file is ``pelvicore.sqlite3`` in ``platformdirs.user_data_dir("pelvicore")``
    (``~/.local/share/pelvicore`` on Linux).
    """
    folder = Path(platformdirs.user_data_dir("pelvicore"))
    folder.mkdir(parents=True, exist_ok=True)
    return URL.create("sqlite", database=str(folder / "pelvicore.sqlite3")).render_as_string()


def make_engine(url: str | URL) -> Engine:
    """Create an engine for a SQLite or PostgreSQL URL.

    Parameters
    ----------
    url : str or URL
        ``sqlite:///path/to/file.sqlite3`` or ``postgresql://user@host:port/db``. Plain ``postgresql://``
        (and ``postgres://``) URLs are switched to the psycopg 3 driver. Connection options go in the query
        string, e.g. ``?options=-csearch_path%3Dmyschema`` to work in one PostgreSQL schema.

    Notes
    -----
    SQLite connections use WAL journaling and enforce foreign keys, may be shared between threads, and wait
    up to 30 s for the write lock. Write transactions take that lock when they begin (``BEGIN IMMEDIATE``),
    so two writers never fail half-way through.
    """
    parsed = _normalized_url(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    in_memory = parsed.database in (None, "", ":memory:")
    engine = create_engine(
        parsed,
        connect_args={"check_same_thread": False, "timeout": _SQLITE_TIMEOUT_S},
        poolclass=StaticPool if in_memory else None,
    )
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


MIGRATION_LOCK = 0x70656C7669  # "pelvi": the advisory lock key of pelvicore's migrations on PostgreSQL


def migrate(engine_or_url: Engine | str | URL) -> None:
    """Bring the database schema up to date (Alembic ``upgrade head``); a no-op when it already is.

    On PostgreSQL the tables go into the first schema of the connection's ``search_path``.
    """
    engine = engine_or_url if isinstance(engine_or_url, Engine) else make_engine(engine_or_url)
    try:
        with engine.connect() as connection:
            sqlite = engine.dialect.name == "sqlite"
            if sqlite:
                # Rebuilding a table (SQLite's only way to change a constraint) drops the old one: with foreign
                # keys on, that would cascade to every row that points at it. The pragma works outside a
                # transaction only, so it is set on the driver's connection before SQLAlchemy begins one.
                _pragma(connection, "PRAGMA foreign_keys=OFF")
            try:
                with connection.execution_options(**{WRITE_OPTION: True}).begin():
                    if engine.dialect.name == "postgresql":
                        # Servers starting together migrate one after the other (held to the transaction's end).
                        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                    command.upgrade(alembic_config(connection), "head")
                    if sqlite:
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise StoreError(f"migration left rows pointing nowhere: {broken[:5]!r}")
            finally:
                if sqlite:
                    _pragma(connection, "PRAGMA foreign_keys=ON")
    finally:
        if engine is not engine_or_url:
            engine.dispose()


def _pragma(connection: Connection, statement: str) -> None:
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def alembic_config(connection: Connection | None = None) -> Config:
    """Build the Alembic configuration in code (no ``alembic.ini``); ``env.py`` runs on ``connection``."""
    config = Config()
    # ConfigParser interpolates "%": escape it in case the install path contains one.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def _normalized_url(url: str | URL) -> URL:
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError, but a malformed port gives ValueError
        raise StoreError(f"cannot parse database URL {url!r}: {exc}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database {parsed.drivername!r} in {url!r}: expected sqlite or postgresql")
    return parsed


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event: the sqlite3 module would otherwise begin
    # lazily before the first INSERT, after a transaction's reads, and lose the write lock race.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL is safe against a crash of pelvicore (a power cut may lose the last commits, never
        # corrupt the file) and spares an fsync per commit: https://www.sqlite.org/pragma.html#pragma_synchronous
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
