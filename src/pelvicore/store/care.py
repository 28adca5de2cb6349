"""``CareStore``: a person's care profile and symptom-diary entries, as data, in SQLite or PostgreSQL.

Storage only: a profile is the JSON object it is given; a diary entry is its JSON plus the day and the three
numbers kept as columns for queries. ``care.records`` writes them from, and reads them back into, a
``CareProfile`` or ``DiaryEntry`` through the strict parsers that check uploaded files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pelvicore.store.errors import StoreError
from pelvicore.store.json_values import to_json_object
from pelvicore.store.models import CareProfileRow, DiaryEntryRow, User, utc_now
from pelvicore.store.transactions import Transactions


@dataclass(frozen=True, slots=True)
class DiaryRow:
    """One day of a person's diary as stored: its JSON, with the numbers that queries read as columns."""

    day: dt.date
    payload: Mapping[str, Any]
    pain: float | None = None
    leaking_episodes: int | None = None
    sleep_hours: float | None = None


class DiaryDateTakenError(StoreError):
    """There is already a diary entry for that person and day (replace it instead)."""


class CareStore(Transactions):
    """Care profiles and diary entries on one SQLAlchemy engine; each method is one short transaction.

    Parameters
    ----------
    engine : Engine
        From ``make_engine``, with the schema brought up to date by ``migrate``.
    """

    # -- profile ----------------------------------------------------------------------------------------
    def save_profile(self, user_id: int, data: Mapping[str, Any]) -> None:
        """Store (or replace) the person's care profile (a JSON object)."""
        data = to_json_object(data, f"user {user_id}: care profile")
        for attempt in range(2):
            try:
                with self._write() as db:
                    _existing_user(db, user_id)
                    row = db.get(CareProfileRow, user_id, with_for_update=True)
                    if row is None:
                        db.add(CareProfileRow(user_id=user_id, data=data, updated_at=utc_now()))
                    else:
                        row.data, row.updated_at = data, utc_now()
                return
            except IntegrityError:  # saved by someone else meanwhile: replace it on the second attempt
                if attempt:
                    raise StoreError(f"user {user_id}: cannot save the care profile") from None

    def get_profile(self, user_id: int) -> dict[str, Any] | None:
        """The person's care profile as stored, or None if she has not saved one."""
        with self._read() as db:
            row = db.get(CareProfileRow, user_id)
            return None if row is None or row.data is None else dict(row.data)

    def delete_profile(self, user_id: int) -> bool:
        """Delete the person's care profile; ``False`` if she had none."""
        with self._write() as db:
            result = db.execute(delete(CareProfileRow).where(CareProfileRow.user_id == user_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- diary --------------------------------------------------------------------------------------------
    def add_entry(self, user_id: int, entry: DiaryRow) -> None:
        """Store a new diary entry; :class:`DiaryDateTakenError` if that day already has one."""
        row = _row(user_id, entry)
        try:
            with self._write() as db:
                _existing_user(db, user_id)
                if self._entry_row(db, user_id, entry.day) is not None:
                    raise DiaryDateTakenError(_taken(user_id, entry.day))
                db.add(row)
        except IntegrityError:  # added by someone else between the check and the insert
            raise DiaryDateTakenError(_taken(user_id, entry.day)) from None

    def replace_entry(self, user_id: int, entry: DiaryRow) -> bool:
        """Store the entry for its day, replacing any entry of that day; ``True`` if one was replaced."""
        for attempt in range(2):
            try:
                with self._write() as db:
                    _existing_user(db, user_id)
                    old = self._entry_row(db, user_id, entry.day, lock=True)
                    new = _row(user_id, entry)
                    if old is None:
                        db.add(new)
                        return False
                    old.pain, old.leaking_episodes, old.sleep_hours = new.pain, new.leaking_episodes, new.sleep_hours
                    old.payload, old.updated_at = new.payload, new.updated_at
                    old.notice_seen_at = None  # a changed entry may raise a new warning
                    return True
            except IntegrityError:  # added by someone else meanwhile: replace it on the second attempt
                if attempt:
                    raise StoreError(_taken(user_id, entry.day)) from None
        raise AssertionError("unreachable")

    def get_entry(self, user_id: int, day: dt.date) -> dict[str, Any] | None:
        """The JSON of the person's entry for ``day``, or None."""
        with self._read() as db:
            row = self._entry_row(db, user_id, day)
            return None if row is None else dict(row.payload)

    def list_entries(
        self, user_id: int, *, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[tuple[dt.date, dict[str, Any]]]:
        """The person's entries (day, JSON) from ``start`` to ``end`` (both included, either open), oldest first."""
        query = select(DiaryEntryRow.entry_date, DiaryEntryRow.payload).where(DiaryEntryRow.user_id == user_id)
        if start is not None:
            query = query.where(DiaryEntryRow.entry_date >= start)
        if end is not None:
            query = query.where(DiaryEntryRow.entry_date <= end)
        with self._read() as db:
            rows = db.execute(query.order_by(DiaryEntryRow.entry_date)).all()
        return [(day, dict(payload)) for day, payload in rows]

    def mark_notice_seen(self, user_id: int, day: dt.date) -> bool:
        """Remember that she has read the warning her entry for ``day`` raised; ``False`` if there is no entry."""
        with self._write() as db:
            row = self._entry_row(db, user_id, day, lock=True)
            if row is None:
                return False
            row.notice_seen_at = utc_now()
            return True

    def notices_seen(self, user_id: int, *, start: dt.date | None = None) -> set[dt.date]:
        """The days (from ``start``) whose entry's warning she has marked as read."""
        query = select(DiaryEntryRow.entry_date).where(
            DiaryEntryRow.user_id == user_id, DiaryEntryRow.notice_seen_at.is_not(None)
        )
        if start is not None:
            query = query.where(DiaryEntryRow.entry_date >= start)
        with self._read() as db:
            return set(db.scalars(query))

    def delete_entry(self, user_id: int, day: dt.date) -> bool:
        """Delete the person's entry for ``day``; ``False`` if there was none."""
        with self._write() as db:
            result = db.execute(
                delete(DiaryEntryRow).where(DiaryEntryRow.user_id == user_id, DiaryEntryRow.entry_date == day)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    @staticmethod
    def _entry_row(db: Session, user_id: int, day: dt.date, *, lock: bool = False) -> DiaryEntryRow | None:
        query = select(DiaryEntryRow).where(DiaryEntryRow.user_id == user_id, DiaryEntryRow.entry_date == day)
        return db.scalars(query.with_for_update() if lock else query).first()


def _row(user_id: int, entry: DiaryRow) -> DiaryEntryRow:
    if not isinstance(entry, DiaryRow) or not isinstance(entry.day, dt.date):
        raise StoreError(f"user {user_id}: expected a DiaryRow with a day, got {entry!r}"[:200])
    return DiaryEntryRow(
        user_id=user_id,
        entry_date=entry.day,
        pain=entry.pain,
        leaking_episodes=entry.leaking_episodes,
        sleep_hours=entry.sleep_hours,
        payload=to_json_object(entry.payload, f"user {user_id}: diary entry {entry.day}"),
        updated_at=utc_now(),
    )


def _existing_user(db: Session, user_id: int) -> None:
    if db.get(User, user_id) is None:
        raise StoreError(f"unknown user id {user_id!r}")


def _taken(user_id: int, day: dt.date) -> str:
    return f"user {user_id}: there is already a diary entry for {day.isoformat()}; replace it instead"


__all__ = ["CareStore", "DiaryDateTakenError", "DiaryRow"]
