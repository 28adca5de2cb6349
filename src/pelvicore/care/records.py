"""A person's care records: her care profile and symptom-diary entries, kept in the store as data.

The store keeps their JSON (``to_dict``) and reads nothing into it; this module writes them and reads them back
through the strict parsers that check uploaded files, so what comes out is a valid ``CareProfile`` or
``DiaryEntry``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from pelvicore.care.diary import DiaryEntry, parse_entry
from pelvicore.care.profile import CareProfile, parse_profile
from pelvicore.errors import PelvicoreError
from pelvicore.store.care import CareStore, DiaryRow
from pelvicore.store.errors import StoreError

T = TypeVar("T")


class CareRecords:
    """People's care profiles and diaries, on ``rows`` (the store)."""

    def __init__(self, rows: CareStore) -> None:
        self.rows = rows

    # -- profile ----------------------------------------------------------------------------------------
    def save_profile(self, user_id: int, profile: CareProfile) -> None:
        """Save (or replace) the person's care profile."""
        if not isinstance(profile, CareProfile):
            raise StoreError(f"user {user_id}: expected a CareProfile, got {type(profile).__name__}")
        self.rows.save_profile(user_id, profile.to_dict())

    def get_profile(self, user_id: int) -> CareProfile | None:
        """The person's care profile, or None if she has not saved one."""
        data = self.rows.get_profile(user_id)
        return None if data is None else _read(parse_profile, data, f"user {user_id}: stored care profile")

    def delete_profile(self, user_id: int) -> bool:
        """Delete the person's care profile; ``False`` if she had none."""
        return self.rows.delete_profile(user_id)

    # -- diary --------------------------------------------------------------------------------------------
    def add_entry(self, user_id: int, entry: DiaryEntry) -> None:
        """Save a new diary entry; ``DiaryDateTakenError`` if that day already has one."""
        self.rows.add_entry(user_id, _row(user_id, entry))

    def replace_entry(self, user_id: int, entry: DiaryEntry) -> bool:
        """Save the entry for its day, replacing any entry of that day; ``True`` if one was replaced."""
        return self.rows.replace_entry(user_id, _row(user_id, entry))

    def get_entry(self, user_id: int, day: dt.date) -> DiaryEntry | None:
        """The person's entry for ``day``, or None."""
        payload = self.rows.get_entry(user_id, day)
        return None if payload is None else _read(parse_entry, payload, f"user {user_id}: diary entry {day}")

    def list_entries(
        self, user_id: int, *, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[DiaryEntry]:
        """The person's entries from ``start`` to ``end`` (both included, either open), oldest first."""
        return [
            _read(parse_entry, payload, f"user {user_id}: diary entry {day}")
            for day, payload in self.rows.list_entries(user_id, start=start, end=end)
        ]

    def delete_entry(self, user_id: int, day: dt.date) -> bool:
        """Delete the person's entry for ``day``; ``False`` if there was none."""
        return self.rows.delete_entry(user_id, day)

    def mark_notice_seen(self, user_id: int, day: dt.date) -> bool:
        """She has read the warning her entry for ``day`` raised; ``False`` if there is no entry that day."""
        return self.rows.mark_notice_seen(user_id, day)

    def notices_seen(self, user_id: int, *, start: dt.date | None = None) -> set[dt.date]:
        """The days (from ``start``) whose warning she has read."""
        return self.rows.notices_seen(user_id, start=start)


def _row(user_id: int, entry: DiaryEntry) -> DiaryRow:
    if not isinstance(entry, DiaryEntry):
        raise StoreError(f"user {user_id}: expected a DiaryEntry, got {type(entry).__name__}")
    return DiaryRow(entry.date, entry.to_dict(), entry.pain, entry.leaking_episodes, entry.sleep_hours)


def _read(parse: Callable[[object], T], data: object, what: str) -> T:
    try:
        return parse(data)
    except PelvicoreError as exc:
        raise StoreError(f"{what} is unreadable: {exc}") from None


__all__ = ["CareRecords"]
