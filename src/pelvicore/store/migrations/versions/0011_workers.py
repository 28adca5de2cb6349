"""Server processes that share one database: each worker's heartbeat, and which worker runs each live session.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workers")),
    )
    op.create_index(op.f("ix_workers_heartbeat_at"), "workers", ["heartbeat_at"])
    op.add_column("sessions", sa.Column("worker_id", sa.String(32), nullable=True))
    op.create_index(op.f("ix_sessions_worker_id"), "sessions", ["worker_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sessions_worker_id"), table_name="sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("worker_id")
    op.drop_index(op.f("ix_workers_heartbeat_at"), table_name="workers")
    op.drop_table("workers")
