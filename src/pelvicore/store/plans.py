"""``PlanStore``: a person's training plan (as JSON), her reminder times, and when the plan's current week began.

Storage only: the plan is kept as the JSON object it is given; ``training.plan_records`` turns a ``Plan`` into it
and reads it back through the strict reader that checks plan files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from pelvicore.store.errors import StoreError
from pelvicore.store.json_values import to_json_object
from pelvicore.store.models import TrainingPlanRow, User, utc_now
from pelvicore.store.transactions import Transactions

MAX_REMINDERS = 10
_CLOCK = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")


@dataclass(frozen=True, slots=True)
class PlanRow:
    """A person's plan as stored: its JSON, her reminder times (``HH:MM``), when its current week began (UTC)."""

    data: dict[str, Any]
    reminders: tuple[str, ...]
    week_started_at: datetime
    created_at: datetime
    updated_at: datetime


class PlanStore(Transactions):
    """Training plans on one SQLAlchemy engine; each method is one short transaction.

    Parameters
    ----------
    engine : Engine
        From ``make_engine``, with the schema brought up to date by ``migrate``.
    """

    def save(
        self,
        user_id: int,
        data: Mapping[str, Any],
        *,
        new_week: bool = True,
        reminders: Sequence[str] | None = None,
        default_reminders: Sequence[str] = ("08:00",),
    ) -> None:
        """Store the person's plan (a JSON object), replacing any she had.

        ``new_week`` starts the plan's current week now (a new plan, or a reviewed week); ``reminders`` (``HH:MM``)
        replaces her reminder times (a new row without them gets ``default_reminders``).
        """
        data = to_json_object(data, f"user {user_id}: training plan")
        times = None if reminders is None else _times_json(user_id, reminders)
        for attempt in range(2):
            try:
                with self._write() as db:
                    if db.get(User, user_id) is None:
                        raise StoreError(f"unknown user id {user_id!r}")
                    row = db.get(TrainingPlanRow, user_id, with_for_update=True)
                    now = utc_now()
                    if row is None:
                        default = _times_json(user_id, default_reminders)
                        db.add(
                            TrainingPlanRow(
                                user_id=user_id,
                                data=data,
                                reminder_times=times or default,
                                week_started_at=now,
                                created_at=now,
                                updated_at=now,
                            )
                        )
                        return
                    row.data, row.updated_at = data, now
                    if times is not None:
                        row.reminder_times = times
                    if new_week:
                        row.week_started_at = now
                return
            except IntegrityError:  # saved by someone else meanwhile: replace it on the second attempt
                if attempt:
                    raise StoreError(f"user {user_id}: cannot save the training plan") from None

    def set_reminders(self, user_id: int, reminders: Sequence[str]) -> None:
        """Replace the person's reminder times; ``StoreError`` when she has no plan."""
        times = _times_json(user_id, reminders)
        with self._write() as db:
            row = db.get(TrainingPlanRow, user_id, with_for_update=True)
            if row is None:
                raise StoreError(f"user {user_id} has no training plan")
            row.reminder_times, row.updated_at = times, utc_now()

    def get(self, user_id: int) -> PlanRow | None:
        """The person's plan as stored, or None if she has not made one."""
        with self._read() as db:
            row = db.get(TrainingPlanRow, user_id)
            if row is None:
                return None
            return PlanRow(
                dict(row.data), tuple(row.reminder_times), row.week_started_at, row.created_at, row.updated_at
            )

    def delete(self, user_id: int) -> bool:
        """Delete the person's plan; ``False`` if she had none."""
        with self._write() as db:
            result = db.execute(delete(TrainingPlanRow).where(TrainingPlanRow.user_id == user_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]


def _times_json(user_id: int, reminders: Sequence[str]) -> list[str]:
    if not 1 <= len(reminders) <= MAX_REMINDERS or not all(
        isinstance(t, str) and _CLOCK.fullmatch(t) for t in reminders
    ):
        raise StoreError(f"user {user_id}: give 1 to {MAX_REMINDERS} reminder times of day, got {list(reminders)!r}")
    texts = sorted(reminders)
    if len(set(texts)) != len(texts):
        raise StoreError(f"user {user_id}: each reminder time may be given once, got {', '.join(texts)}")
    return texts


__all__ = ["MAX_REMINDERS", "PlanRow", "PlanStore"]
