"""Sharing with a clinician: her shares, invitation links, clinicians' notes, messages; a session says whether
her clinicians may watch it live and which clinician recorded it in the clinic.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

The sessions table gains its columns in place (no batch copy), as in 0006: on SQLite, copying a parent table
with foreign keys on would cascade-delete every chunk and event.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _user(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def _at(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "shares",
        sa.Column("id", sa.String(32), primary_key=True),
        _user("user_id"),
        _user("clinician_id"),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.Column("care", sa.Boolean(), nullable=False),
        sa.Column("in_clinic", sa.Boolean(), nullable=False, server_default="0"),
        _at("created_at"),
        _at("expires_at"),
        _at("revoked_at", nullable=True),
    )
    op.create_index("ix_shares_user_id", "shares", ["user_id"])
    op.create_index("ix_shares_clinician_id", "shares", ["clinician_id"])
    op.create_table(
        "share_invitations",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user("clinician_id"),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _at("created_at"),
        _at("expires_at"),
        _at("used_at", nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_share_invitations_token_hash"),
    )
    op.create_index("ix_share_invitations_clinician_id", "share_invitations", ["clinician_id"])
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "clinic_notes",
        sa.Column("id", big_id, primary_key=True),
        _user("user_id"),
        _user("clinician_id"),
        sa.Column("text", sa.String(4000), nullable=False),
        _at("at"),
    )
    op.create_index("ix_clinic_notes_user_id_clinician_id", "clinic_notes", ["user_id", "clinician_id"])
    op.create_table(
        "messages",
        sa.Column("id", big_id, primary_key=True),
        _user("user_id"),
        _user("clinician_id"),
        sa.Column("from_clinician", sa.Boolean(), nullable=False),
        sa.Column("text", sa.String(2000), nullable=False),
        _at("at"),
        _at("read_at", nullable=True),
    )
    op.create_index("ix_messages_user_id_at", "messages", ["user_id", "at"])
    op.create_index("ix_messages_clinician_id_at", "messages", ["clinician_id", "at"])
    op.add_column("sessions", sa.Column("live_view", sa.Boolean(), nullable=False, server_default="0"))
    op.add_column("sessions", sa.Column("recorded_by", sa.String(254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("recorded_by")
        batch.drop_column("live_view")
    for table in ("messages", "clinic_notes", "share_invitations", "shares"):
        op.drop_table(table)
