"""``ImportStore``: write a whole archive of hers into one account, in one transaction.

Storage only: ``exports.archive_import`` reads and checks the zip; this writes what it found, as it was (sessions
with their own ids and times, chunks, events, diary, care profile, plan, trainers, audit log), or nothing at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pelvicore.store.accounts import AuditRecord
from pelvicore.store.care import DiaryRow
from pelvicore.store.checks import SAMPLE_DTYPE
from pelvicore.store.errors import StoreError
from pelvicore.store.models import (
    AuditEvent,
    CareProfileRow,
    Chunk,
    Device,
    DiaryEntryRow,
    Event,
    LiveSession,
    SessionStatus,
    TrainingPlanRow,
    User,
    utc_now,
)  # fmt: skip
from pelvicore.store.plans import PlanRow
from pelvicore.store.repository import DeviceCalibration
from pelvicore.store.transactions import Transactions


class ImportClashError(StoreError):
    """What the archive holds is already on the target (a session id, her plan, her profile, diary days...)."""


@dataclass(frozen=True, slots=True)
class SessionImport:
    """One session as it was: its row's values, its chunks (first sample number, samples of shape
    (n_channels, n_samples) in the order of ``units``) and events (kind, t_s, payload) in order."""

    id: str
    source: str
    profile: str | None
    routine: str
    steps: dict[str, Any] | None
    speed: float
    status: SessionStatus
    end_reason: str | None
    created_at: datetime
    ended_at: datetime | None
    fs_hz: float
    units: dict[str, str]
    summary: dict[str, Any] | None
    contraction_count: int
    seed: int | None
    live_view: bool
    recorded_by: str | None
    chunks: Sequence[tuple[int, npt.NDArray[np.float64]]] = ()
    events: Sequence[tuple[str, float, dict[str, Any]]] = ()


@dataclass(frozen=True, slots=True)
class ImportRows:
    """Everything one import writes. ``audit`` newest first, as ``list_audit`` gives it; ``account_created_at``:
    when her account began (the account keeps the earlier of it and its own)."""

    account_created_at: datetime
    sessions: Sequence[SessionImport] = ()
    devices: Sequence[DeviceCalibration] = ()
    profile: dict[str, Any] | None = None
    diary: Sequence[DiaryRow] = ()
    plan: PlanRow | None = None
    audit: Sequence[AuditRecord] = field(default_factory=tuple)
    note: tuple[str, str] = ("archive imported", "")
    """(action, detail) of the audit line the import adds."""


class ImportStore(Transactions):
    """Writes an archive into an account; see ``SessionStore`` for the engine it needs."""

    def write(self, user_id: int, rows: ImportRows, *, actor: str) -> None:
        """Write ``rows`` into account ``user_id`` in one transaction, or nothing: ``ImportClashError`` names the
        first thing already there (a session id on this server, her plan, profile, a diary day, a trainer)."""
        try:
            with self._write() as db:
                user = db.get(User, user_id, with_for_update=True)
                if user is None:
                    raise StoreError(f"unknown user id {user_id!r}")
                _check_clashes(db, user_id, rows)
                if rows.account_created_at < user.created_at:
                    user.created_at = rows.account_created_at
                for session in rows.sessions:
                    _write_session(db, user_id, session)
                now = utc_now()
                for d in rows.devices:
                    db.add(Device(user_id=user_id, profile=d.profile, key=d.key, rest=d.rest, mvc=d.mvc,
                                  unit=d.unit, calibrated_at=d.calibrated_at))  # fmt: skip
                if rows.profile is not None:
                    db.add(CareProfileRow(user_id=user_id, data=rows.profile, updated_at=now))
                for entry in rows.diary:
                    db.add(DiaryEntryRow(user_id=user_id, entry_date=entry.day, pain=entry.pain,
                                         leaking_episodes=entry.leaking_episodes, sleep_hours=entry.sleep_hours,
                                         payload=dict(entry.payload), updated_at=now))  # fmt: skip
                if rows.plan is not None:
                    p = rows.plan
                    db.add(TrainingPlanRow(user_id=user_id, data=p.data, reminder_times=list(p.reminders),
                                           week_started_at=p.week_started_at, created_at=p.created_at,
                                           updated_at=p.updated_at))  # fmt: skip
                # Oldest first, so that ids (the log's order) keep hers; then the line saying she moved here.
                audit = [
                    {"user_id": user_id, "actor_id": user_id if a.by_owner else None, "actor": a.actor,
                     "action": a.action, "detail": a.detail, "address": a.address, "at": a.at}
                    for a in reversed(rows.audit)
                ]  # fmt: skip
                action, detail = rows.note
                audit.append({"user_id": user_id, "actor_id": None, "actor": actor[:254], "action": action[:50],
                              "detail": detail[:300], "address": "", "at": now})  # fmt: skip
                db.flush()
                db.connection().execute(insert(AuditEvent), audit)
        except IntegrityError as exc:  # written by someone else meanwhile
            raise ImportClashError(f"the archive clashes with what this server holds: {exc.orig}"[:300]) from None


def _check_clashes(db: Session, user_id: int, rows: ImportRows) -> None:
    ids = [s.id for s in rows.sessions]
    for start in range(0, len(ids), 500):
        taken = db.scalar(select(LiveSession.id).where(LiveSession.id.in_(ids[start : start + 500])).limit(1))
        if taken is not None:
            raise ImportClashError(f"session {taken} is already on this server (imported before?)")
    if rows.plan is not None and db.get(TrainingPlanRow, user_id) is not None:
        raise ImportClashError("this account has a training plan already (delete it first to import hers)")
    if rows.profile is not None and db.get(CareProfileRow, user_id) is not None:
        raise ImportClashError("this account has a care profile already (delete it first to import hers)")
    days = [entry.day for entry in rows.diary]
    if days:
        taken_days = sorted(
            db.scalars(
                select(DiaryEntryRow.entry_date).where(DiaryEntryRow.user_id == user_id,
                                                       DiaryEntryRow.entry_date.in_(days))
            )
        )  # fmt: skip
        if taken_days:
            shown = ", ".join(d.isoformat() for d in taken_days[:3]) + (" ..." if len(taken_days) > 3 else "")
            raise ImportClashError(f"this account's diary has {len(taken_days)} of the same days already: {shown}")
    for d in rows.devices:
        found = db.scalar(
            select(func.count(Device.id)).where(Device.user_id == user_id, Device.profile == d.profile,
                                                Device.key == d.key)
        )  # fmt: skip
        if found:
            raise ImportClashError(f"this account has trainer {d.key!r} ({d.profile}) already")


def _write_session(db: Session, user_id: int, s: SessionImport) -> None:
    db.add(
        LiveSession(
            id=s.id, user_id=user_id, source=s.source, profile=s.profile, routine=s.routine, steps=s.steps,
            speed=s.speed, status=s.status, end_reason=s.end_reason, created_at=s.created_at, ended_at=s.ended_at,
            fs_hz=s.fs_hz, units=dict(s.units), summary=s.summary, contraction_count=s.contraction_count,
            seed=s.seed, live_view=s.live_view, recorded_by=s.recorded_by,
        )
    )  # fmt: skip
    db.flush()  # the session row before its chunks and events (foreign keys)
    connection = db.connection()
    now = utc_now()
    chunk_rows = [
        {"session_id": s.id, "seq": seq, "first_index": first, "n_samples": samples.shape[1],
         "data": np.ascontiguousarray(samples, dtype=SAMPLE_DTYPE).tobytes(), "created_at": now}
        for seq, (first, samples) in enumerate(s.chunks)
    ]  # fmt: skip
    if chunk_rows:
        connection.execute(insert(Chunk), chunk_rows)
    event_rows = [
        {"session_id": s.id, "seq": seq, "kind": kind, "t_s": t_s, "payload": payload, "created_at": now}
        for seq, (kind, t_s, payload) in enumerate(s.events)
    ]
    if event_rows:
        connection.execute(insert(Event), event_rows)


__all__ = ["ImportClashError", "ImportRows", "ImportStore", "SessionImport"]
