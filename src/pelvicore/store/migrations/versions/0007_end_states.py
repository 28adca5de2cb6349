"""Honest end states: a session ends ``completed``, ``stopped``, ``interrupted`` or ``failed`` (with its reason).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

SQLite cannot alter a CHECK constraint, so there the sessions table is rebuilt (batch mode). ``migrate`` turns foreign
keys off on SQLite while migrating, so that dropping the old table does not cascade to chunks and events.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD = "status IN ('running', 'completed', 'interrupted')"
NEW = "status IN ('running', 'completed', 'stopped', 'interrupted', 'failed')"


def upgrade() -> None:
    _replace_check(NEW, add_reason=True)


def downgrade() -> None:
    op.execute("UPDATE sessions SET status = 'completed' WHERE status IN ('stopped', 'failed')")
    _replace_check(OLD, add_reason=False)


def _replace_check(check: str, *, add_reason: bool) -> None:
    name = op.f("ck_sessions_status")
    # The name the first migration's constraint was given depends on the naming convention then in force.
    old = [
        op.f(found["name"])
        for found in sa.inspect(op.get_bind()).get_check_constraints("sessions")
        if found["name"] and "status" in (found["sqltext"] or "")
    ]
    # SQLite alters a table by copying it (batch mode); PostgreSQL in place.
    with op.batch_alter_table("sessions", recreate="auto") as batch:
        if add_reason:
            batch.add_column(sa.Column("end_reason", sa.String(300), nullable=True))
        else:
            batch.drop_column("end_reason")
        for found in old:
            batch.drop_constraint(found, type_="check")
        batch.create_check_constraint(name, sa.text(check))
