"""Engines and migrations: URLs, SQLite settings, Alembic upgrades found inside the package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from pelvicore.store import SessionStore, StoreError, default_database_url, make_engine, migrate
from pelvicore.store.db import MIGRATIONS_DIR, alembic_config
from pelvicore.store.models import Base

TABLES = {
    "alembic_version", "users", "sessions", "chunks", "events", "devices", "care_profiles", "diary_entries",
    "training_plans", "login_sessions", "api_tokens", "audit_events", "login_failures", "shares", "share_invitations",
    "clinic_notes", "messages", "workers",
}  # fmt: skip


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0002_session_seed.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0003_devices.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0004_care.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0005_training_plans.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0006_accounts.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0007_end_states.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0008_session_steps.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0010_sharing.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0011_workers.py").is_file()
    assert head_revision() == "0011"


def test_migrate_twice_is_a_no_op(engine: Engine) -> None:
    store = SessionStore(engine)
    user_id = store.ensure_user("alice")
    migrate(engine)
    assert set(inspect(engine).get_table_names()) == TABLES
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
        assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    assert store.ensure_user("alice") == user_id


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_migrations_keep_every_recorded_session(db_url: str) -> None:
    """0006 adds columns to ``users`` in place, and 0007 rebuilds ``sessions`` with foreign keys off: with them
    on, SQLite would cascade-delete every session, chunk and event."""
    engine = make_engine(db_url)
    try:
        with engine.execution_options(pelvicore_write=True).begin() as connection:
            command.upgrade(alembic_config(connection), "0005")
        store = SessionStore(engine)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO users (name, created_at) VALUES ('local', CURRENT_TIMESTAMP)"))
            user_id = connection.scalar(text("SELECT id FROM users"))
            connection.execute(
                text(
                    "INSERT INTO sessions (id, user_id, source, routine, speed, status, created_at, fs_hz, units, "
                    "contraction_count) VALUES ('s1', :u, 'simulator', 'daily', 1, 'running', CURRENT_TIMESTAMP, "
                    '50, \'{"floor": "cmH2O"}\', 0)'
                ),
                {"u": user_id},
            )
            connection.execute(
                text(
                    "INSERT INTO chunks (session_id, seq, first_index, n_samples, data, created_at) "
                    "VALUES ('s1', 0, 0, 3, :data, CURRENT_TIMESTAMP)"
                ),
                {"data": np.array([1.0, 2.0, 3.0], dtype="<f8").tobytes()},
            )
            connection.execute(
                text(
                    "INSERT INTO events (session_id, seq, kind, t_s, payload, created_at) "
                    """VALUES ('s1', 0, 'cue', 0.0, '{"text": "squeeze"}', CURRENT_TIMESTAMP)"""
                )
            )
        migrate(engine)
        record = store.get("s1", owner=user_id)
        assert record is not None and record.status == "running" and record.end_reason is None
        assert store.load_trace("s1", owner=user_id)[1]["floor"].tolist() == [1.0, 2.0, 3.0]
        assert store.get_events("s1", owner=user_id) == [{"kind": "cue", "t_s": 0.0, "text": "squeeze"}]
        store.finish("s1", "failed", None, reason="the sensor's stream broke")  # allowed by the new check
        assert store.get("s1", owner=user_id).end_reason == "the sensor's stream broke"  # type: ignore[union-attr]
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT role FROM users")) == "person"
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # back on
    finally:
        engine.dispose()


def test_migrate_accepts_a_url(db_url: str) -> None:
    migrate(db_url)
    engine = make_engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) == TABLES
    finally:
        engine.dispose()


def test_sqlite_engine_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_in_memory_sqlite_keeps_one_database() -> None:
    engine = make_engine("sqlite://")
    try:
        migrate(engine)
        store = SessionStore(engine)
        assert store.ensure_user() == store.ensure_user()
    finally:
        engine.dispose()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_postgresql_urls_use_psycopg3(scheme: str) -> None:
    engine = make_engine(f"{scheme}://someone@localhost:5432/db?options=-csearch_path%3Dpc_x")
    try:
        assert engine.url.drivername == "postgresql+psycopg"
        assert engine.url.query == {"options": "-csearch_path=pc_x"}
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url"])
def test_unsupported_urls_are_store_errors(url: str) -> None:
    with pytest.raises(StoreError, match="database"):
        make_engine(url)


def test_default_database_url_is_in_the_user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    url = default_database_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'pelvicore' / 'pelvicore.sqlite3'}"
    assert (tmp_path / "data" / "pelvicore").is_dir()
