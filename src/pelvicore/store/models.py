"""The tables: users and their sign-in records, their live sessions, each session's signal chunks and events,
trainers, care records and training plans (and, from ``clinic_models``, the tables of sharing with a clinician).

Every row belongs to a person: a session through ``user_id``, a chunk or an event through its session.
Deleting a user deletes their sessions, and deleting a session deletes its chunks and events.
The schema itself is created by the Alembic migrations in ``migrations/versions``; keep both in step.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pelvicore.store.base import Base, BigId, UTCDateTime, utc_now
from pelvicore.store.clinic_models import ClinicNote, Message, Share, ShareInvitation

__all__ = [
    "ApiToken", "AuditEvent", "Base", "BigId", "CareProfileRow", "Chunk", "ClinicNote", "Device",
    "DiaryEntryRow", "EndStatus", "Event", "LiveSession", "LoginFailure", "LoginSession", "Message", "Role",
    "SessionStatus", "Share", "ShareInvitation", "TrainingPlanRow", "UTCDateTime", "User", "utc_now",
]  # fmt: skip

SessionStatus = Literal["running", "completed", "stopped", "interrupted", "failed"]
"""``completed``: the routine ran to its end; ``stopped``: she stopped it before; ``interrupted``: the server went
away (it can be resumed); ``failed``: an error ended it (``end_reason`` says which)."""
EndStatus = Literal["completed", "stopped", "interrupted", "failed"]

Role = Literal["person", "clinician", "admin"]


class User(Base):
    """An account. ``name`` is unique: the email of an account made with one, ``"local"`` for the local owner
    (the person who runs pelvicore on her own computer and signs in by a one-time link, without a password).

    ``password_hash`` is an Argon2id hash (None: no password sign-in); ``totp_secret`` is the base32 secret of her
    second factor once she has confirmed it (``totp_pending`` while she sets it up).
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('person', 'clinician', 'admin')", name="role"),
        Index(None, "email", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(String(16), default="person", server_default="person")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_pending: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class LoginSession(Base):
    """A signed-in browser. ``id`` is the SHA-256 of the cookie's secret (the secret itself is never stored);
    ``csrf_token`` is what the pages send back with every change they make."""

    __tablename__ = "login_sessions"
    __table_args__ = (Index(None, "user_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class ApiToken(Base):
    """A bearer token for scripts (``kind`` ``api``) or a one-time sign-in link (``link``), by its SHA-256."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("kind IN ('api', 'link')", name="kind"), Index(None, "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Something that happened to a person's account or data: a sign-in, a read by someone else, an export...

    ``user_id`` is whose account or data it concerns; ``actor_id`` who did it (None: nobody signed in, such as
    a failed sign-in; ``actor`` keeps their name even after that account is gone).
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "user_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(50))
    detail: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class LoginFailure(Base):
    """A failed sign-in, kept an hour to throttle guessing per account (``account``: the email tried, lower
    case) and per network address."""

    __tablename__ = "login_failures"
    __table_args__ = (Index(None, "account", "at"), Index(None, "address", "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class LiveSession(Base):
    """One live session of one person: where the signal came from, how it went, and its summary."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'completed', 'stopped', 'interrupted', 'failed')", name="status"),
        Index(None, "user_id", "created_at"),
        Index(None, "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(100))
    profile: Mapped[str | None] = mapped_column(String(100))
    routine: Mapped[str] = mapped_column(String(100))
    # The steps it plays, as data (``Protocol.to_dict``): what the session did, whatever the name means later.
    steps: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    speed: Mapped[float] = mapped_column(Float)
    status: Mapped[SessionStatus] = mapped_column(String(16), default="running")
    end_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fs_hz: Mapped[float] = mapped_column(Float)
    # Channel name -> unit. Plain JSON (not JSONB) keeps the key order, which is the order of the
    # channels inside every chunk's data.
    units: Mapped[dict[str, str]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    contraction_count: Mapped[int] = mapped_column(Integer, default=0)
    # Seed of a simulated person, so that an interrupted simulated session can be resumed.
    seed: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    # She lets the clinicians she shares training with watch this session live.
    live_view: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The clinician who recorded it with her in the clinic, by name (kept if that account goes); None: she did.
    recorded_by: Mapped[str | None] = mapped_column(String(254))
    # The server process that runs it while it runs (``workers.id``); its lease ends with that worker's heartbeat.
    worker_id: Mapped[str | None] = mapped_column(String(32), index=True)


class Worker(Base):
    """A server process sharing this database, alive while its ``heartbeat_at`` is recent."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, index=True)
    # Where it runs (host name, process id and port), for the operator's logs.
    address: Mapped[str] = mapped_column(String(200))


class Device(Base):
    """A trainer a person has used (``key``: its Bluetooth address, or its name when a browser connected it),
    with its calibration: rest level and maximum voluntary contraction (mvc) above rest, in ``unit``."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("user_id", "profile", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    profile: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    rest: Mapped[float | None] = mapped_column(Float)
    mvc: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))
    calibrated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Chunk(Base):
    """A block of consecutive samples of every channel of a session.

    ``data`` is float64 little-endian, channel after channel in the order of the session's ``units`` keys,
    ``n_samples`` values each. ``first_index`` is the sample number of the first sample, so gaps show.
    """

    __tablename__ = "chunks"
    # The unique (session_id, seq) index also serves every lookup by session_id.
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    first_index: Mapped[int] = mapped_column(BigInteger)
    n_samples: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class Event(Base):
    """Something that happened at ``t_s`` seconds into a session: a contraction, a cue, a warning, a problem..."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(50))
    t_s: Mapped[float] = mapped_column(Float)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class CareProfileRow(Base):
    """A person's care profile (one per user), as the JSON of ``pelvicore.care.profile.CareProfile.to_dict``."""

    __tablename__ = "care_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class DiaryEntryRow(Base):
    """One diary entry of one person and day, as the JSON of ``pelvicore.care.diary.DiaryEntry.to_dict``.

    Pain, leaking and sleep are copied into columns of their own, so that charts and queries need not parse
    the payload; the unique (user_id, entry_date) index serves every lookup by date range.
    """

    __tablename__ = "diary_entries"
    __table_args__ = (
        UniqueConstraint("user_id", "entry_date"),
        CheckConstraint("pain BETWEEN 0 AND 10", name="pain"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    entry_date: Mapped[date] = mapped_column(Date)
    pain: Mapped[int | None] = mapped_column(Integer)
    leaking_episodes: Mapped[int | None] = mapped_column(Integer)
    sleep_hours: Mapped[float | None] = mapped_column(Float)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    notice_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When she marked the warning this entry raised as read (cleared when the entry is replaced)."""


class TrainingPlanRow(Base):
    """A person's training plan (one per user), as the JSON of ``pelvicore.training.plan_json.plan_to_dict``.

    ``reminder_times`` are her clock times for the daily sets (``"HH:MM"``); ``week_started_at`` is when the plan's
    current week began (the plan was made or last reviewed): the weekly review judges the sessions since then.
    """

    __tablename__ = "training_plans"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    reminder_times: Mapped[list[str]] = mapped_column(JSON)
    week_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
