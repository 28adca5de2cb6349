"""Database fixtures shared by the store and account tests: SQLite (a fresh file) and PostgreSQL (a fresh schema);
the web tests' helpers on the import path of every test."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from pelvicore.store import SessionStore, make_engine, migrate

# The web tests' helpers (signed-in clients, stored simulated sessions) serve the clinic and export tests too.
WEB_TESTS = str(Path(__file__).resolve().parent / "web")
if WEB_TESTS not in sys.path:
    sys.path.append(WEB_TESTS)

# PostgreSQL is part of the test environment: trust authentication on the local cluster, database "test".
PG_URLS = ("postgresql://postgres@127.0.0.1:5432/test", "postgresql://root@127.0.0.1:5432/test")
PG_WAIT_S = 10.0


def _reachable_pg_url() -> str | None:
    for url in PG_URLS:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return url
        except psycopg.Error:
            continue
    return None


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The URL of the test PostgreSQL database, starting the local cluster if it is down."""
    url = _reachable_pg_url()
    if url is None:
        versions = sorted(p.name for p in Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").is_dir() else []
        for version in versions:
            # Not installed, failing or hung: the retries below decide.
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(
                    ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                    check=False,
                    capture_output=True,
                    timeout=30,
                )
        deadline = time.monotonic() + PG_WAIT_S
        while url is None and time.monotonic() < deadline:
            time.sleep(0.5)
            url = _reachable_pg_url()
    if url is None:
        pytest.fail(f"PostgreSQL is unreachable at {' or '.join(PG_URLS)} (tried pg_ctlcluster start)")
    return url


@pytest.fixture(scope="session")
def pg_admin(pg_url: str) -> Iterator[Engine]:
    """An engine on the test database's default schema, to create and drop the tests' schemas."""
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


@contextlib.contextmanager
def empty_database(backend: str, request: pytest.FixtureRequest, sqlite_file: Path) -> Iterator[str]:
    """The URL of an empty database: ``sqlite_file``, or a PostgreSQL schema of its own (dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{sqlite_file}"
        return
    admin: Engine = request.getfixturevalue("pg_admin")
    schema = f"pc_{uuid.uuid4().hex[:16]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(request.getfixturevalue("pg_url")).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a PostgreSQL schema of its own (dropped afterwards)."""
    with empty_database(request.param, request, tmp_path / "store.sqlite3") as url:
        yield url


@pytest.fixture
def pg_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty PostgreSQL schema of its own (dropped afterwards): for what only PostgreSQL can share."""
    with empty_database("postgresql", request, tmp_path / "unused.sqlite3") as url:
        yield url


@pytest.fixture
def second_db_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A second empty database on the same backend as ``db_url`` (to move data from one to the other)."""
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    with empty_database(backend, request, tmp_path / "second.sqlite3") as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated engine on the test's own database."""
    engine = make_engine(db_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SessionStore:
    return SessionStore(engine)
