"""``PlanStore``: a person's training plan, her reminder times, and when the plan's current week began.

The plan is stored as the JSON of ``plan_to_dict`` and read back through ``plan_from_dict``, the strict reader
that checks plan files, so what comes out is always a valid ``Plan``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from pelvicore.errors import PelvicoreError
from pelvicore.store.errors import StoreError
from pelvicore.store.json_values import to_json_object
from pelvicore.store.models import TrainingPlanRow, User, utc_now
from pelvicore.store.transactions import Transactions
from pelvicore.training.plan import Plan
from pelvicore.training.plan_json import plan_from_dict, plan_to_dict
from pelvicore.training.reminders import parse_clock_time

#: Three sets a day (NICE CG171): morning, midday, evening, until she chooses her own times.
DEFAULT_REMINDERS = (time(8, 0), time(13, 0), time(19, 0))
MAX_REMINDERS = 10


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """A person's plan as stored: the plan, her reminder times, and when its current week began (UTC)."""

    plan: Plan
    reminders: tuple[time, ...]
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

    def save(self, user_id: int, plan: Plan, *, new_week: bool = True, reminders: Sequence[time] | None = None) -> None:
        """Store the person's plan, replacing any she had.

        ``new_week`` starts the plan's current week now (a new plan, or a reviewed week); ``reminders`` replaces her
        reminder times (a new row gets ``DEFAULT_REMINDERS``).
        """
        if not isinstance(plan, Plan):
            raise StoreError(f"user {user_id}: expected a Plan, got {type(plan).__name__}")
        data = to_json_object(plan_to_dict(plan), f"user {user_id}: training plan")
        times = None if reminders is None else _times_json(user_id, reminders)
        for attempt in range(2):
            try:
                with self._write() as db:
                    if db.get(User, user_id) is None:
                        raise StoreError(f"unknown user id {user_id!r}")
                    row = db.get(TrainingPlanRow, user_id, with_for_update=True)
                    now = utc_now()
                    if row is None:
                        default = _times_json(user_id, DEFAULT_REMINDERS)
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

    def set_reminders(self, user_id: int, reminders: Sequence[time]) -> None:
        """Replace the person's reminder times; ``StoreError`` when she has no plan."""
        times = _times_json(user_id, reminders)
        with self._write() as db:
            row = db.get(TrainingPlanRow, user_id, with_for_update=True)
            if row is None:
                raise StoreError(f"user {user_id} has no training plan")
            row.reminder_times, row.updated_at = times, utc_now()

    def get(self, user_id: int) -> StoredPlan | None:
        """The person's plan, or None if she has not made one."""
        with self._read() as db:
            row = db.get(TrainingPlanRow, user_id)
            if row is None:
                return None
            data, times = row.data, list(row.reminder_times)
            started, created, updated = row.week_started_at, row.created_at, row.updated_at
        try:
            plan = plan_from_dict(data)
            reminders = tuple(parse_clock_time(t) for t in times)
        except PelvicoreError as exc:
            raise StoreError(f"user {user_id}: the stored training plan is unreadable: {exc}") from None
        return StoredPlan(plan, reminders, started, created, updated)

    def delete(self, user_id: int) -> bool:
        """Delete the person's plan; ``False`` if she had none."""
        with self._write() as db:
            result = db.execute(delete(TrainingPlanRow).where(TrainingPlanRow.user_id == user_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]


def _times_json(user_id: int, reminders: Sequence[time]) -> list[str]:
    if not 1 <= len(reminders) <= MAX_REMINDERS or not all(isinstance(t, time) for t in reminders):
        raise StoreError(f"user {user_id}: give 1 to {MAX_REMINDERS} reminder times of day, got {list(reminders)!r}")
    texts = sorted(t.strftime("%H:%M") for t in reminders)
    if len(set(texts)) != len(texts):
        raise StoreError(f"user {user_id}: each reminder time may be given once, got {', '.join(texts)}")
    return texts


__all__ = ["DEFAULT_REMINDERS", "PlanStore", "StoredPlan"]
