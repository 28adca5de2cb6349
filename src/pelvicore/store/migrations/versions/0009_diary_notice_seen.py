"""A diary entry remembers when she saw the warning it raised, so an urgent one stays in view until then.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("diary_entries", sa.Column("notice_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("diary_entries") as batch:
        batch.drop_column("notice_seen_at")
