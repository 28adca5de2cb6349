"""The tables of sharing with a clinician: her shares, a clinician's invitation links, a clinician's private
notes and the messages between them.

A share belongs to her (``user_id``): she made it, she can revoke it, and deleting her account deletes it.
Deleting the clinician's account deletes the shares, notes and messages that name them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pelvicore.store.base import Base, BigId, UTCDateTime, utc_now


class Share(Base):
    """She lets ``clinician_id`` read her ``training`` and/or ``care`` data until ``expires_at`` (or until she
    revokes it); ``in_clinic`` also lets the clinician record sessions into her record with her trainer."""

    __tablename__ = "shares"
    __table_args__ = (Index(None, "user_id"), Index(None, "clinician_id"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    training: Mapped[bool] = mapped_column(Boolean)
    care: Mapped[bool] = mapped_column(Boolean)
    in_clinic: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ShareInvitation(Base):
    """A link a clinician sends her to ask for a share, by the SHA-256 of its secret; used once."""

    __tablename__ = "share_invitations"
    __table_args__ = (Index(None, "clinician_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ClinicNote(Base):
    """A clinician's private note about her (``user_id``): the clinician's clinical notes, never shown to her (nor
    in her export: she asks the clinic for them, as for any clinical record)."""

    __tablename__ = "clinic_notes"
    __table_args__ = (Index(None, "user_id", "clinician_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(4000))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class Message(Base):
    """A plain-text message between her (``user_id``) and a clinician she shares with, either way."""

    __tablename__ = "messages"
    __table_args__ = (Index(None, "user_id", "at"), Index(None, "clinician_id", "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    from_clinician: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(String(2000))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
