"""Storage of clinicians' private notes and of the messages between her and a clinician."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from pelvicore.store.checks import check_text
from pelvicore.store.clinic_models import ClinicNote, Message
from pelvicore.store.transactions import Transactions

NOTE_MAX_CHARS = 4000
MESSAGE_MAX_CHARS = 2000


@dataclass(frozen=True, slots=True)
class NoteRecord:
    id: int
    user_id: int
    clinician_id: int
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """A message between her (``user_id``) and clinician ``clinician_id``; ``from_clinician`` says who wrote it."""

    id: int
    user_id: int
    clinician_id: int
    from_clinician: bool
    text: str
    at: datetime
    read_at: datetime | None


class ClinicStore(Transactions):
    """Each method is one short transaction."""

    def add_note(self, user_id: int, clinician_id: int, text: str, *, at: datetime) -> NoteRecord:
        check_text("note", text, NOTE_MAX_CHARS)
        with self._write() as db:
            row = ClinicNote(user_id=user_id, clinician_id=clinician_id, text=text, at=at)
            db.add(row)
            db.flush()
            return NoteRecord(row.id, user_id, clinician_id, text, at)

    def notes(self, user_id: int, clinician_id: int) -> list[NoteRecord]:
        """The clinician's notes about her, newest first."""
        with self._read() as db:
            rows = db.scalars(
                select(ClinicNote)
                .where(ClinicNote.user_id == user_id, ClinicNote.clinician_id == clinician_id)
                .order_by(ClinicNote.id.desc())
            )
            return [NoteRecord(r.id, r.user_id, r.clinician_id, r.text, r.at) for r in rows]

    def add_message(
        self, user_id: int, clinician_id: int, text: str, *, from_clinician: bool, at: datetime
    ) -> MessageRecord:
        check_text("message", text, MESSAGE_MAX_CHARS)
        with self._write() as db:
            row = Message(user_id=user_id, clinician_id=clinician_id, from_clinician=from_clinician, text=text, at=at)
            db.add(row)
            db.flush()
            return _message(row)

    def messages(self, user_id: int, clinician_id: int | None = None, *, limit: int = 200) -> list[MessageRecord]:
        """Her messages (with one clinician, or with all), oldest first, the last ``limit``."""
        query = select(Message).where(Message.user_id == user_id)
        if clinician_id is not None:
            query = query.where(Message.clinician_id == clinician_id)
        with self._read() as db:
            rows = list(db.scalars(query.order_by(Message.id.desc()).limit(limit)))
            return [_message(r) for r in reversed(rows)]

    def mark_read(self, user_id: int, clinician_id: int | None, *, from_clinician: bool, at: datetime) -> int:
        """Mark the messages the other side wrote as read; the number marked."""
        query = update(Message).where(
            Message.user_id == user_id, Message.from_clinician == from_clinician, Message.read_at.is_(None)
        )
        if clinician_id is not None:
            query = query.where(Message.clinician_id == clinician_id)
        with self._write() as db:
            return db.execute(query.values(read_at=at)).rowcount  # type: ignore[attr-defined]

    def unread(self, user_id: int, *, clinician_id: int | None = None, from_clinician: bool) -> int:
        """How many messages the other side wrote that are not read yet."""
        query = select(Message.id).where(
            Message.user_id == user_id, Message.from_clinician == from_clinician, Message.read_at.is_(None)
        )
        if clinician_id is not None:
            query = query.where(Message.clinician_id == clinician_id)
        with self._read() as db:
            return len(db.scalars(query).all())


def _message(r: Message) -> MessageRecord:
    return MessageRecord(r.id, r.user_id, r.clinician_id, r.from_clinician, r.text, r.at, r.read_at)
