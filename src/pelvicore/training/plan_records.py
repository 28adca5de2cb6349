"""A person's saved training plan: a ``Plan`` and her reminder times, kept in the store as data.

The store keeps the plan's JSON (``plan_to_dict``) and reads nothing into it; this module writes it and reads it
back through ``plan_from_dict``, the strict reader that checks plan files, so what comes out is a valid ``Plan``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from pelvicore.errors import PelvicoreError
from pelvicore.store.errors import StoreError
from pelvicore.store.plans import PlanStore
from pelvicore.training.plan import Plan
from pelvicore.training.plan_json import plan_from_dict, plan_to_dict
from pelvicore.training.reminders import parse_clock_time

#: Three sets a day (NICE CG171): morning, midday, evening, until she chooses her own times.
DEFAULT_REMINDERS = (time(8, 0), time(13, 0), time(19, 0))


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """A person's plan as saved: the plan, her reminder times, and when its current week began (UTC)."""

    plan: Plan
    reminders: tuple[time, ...]
    week_started_at: datetime
    created_at: datetime
    updated_at: datetime


class Plans:
    """People's saved plans, on ``rows`` (the store)."""

    def __init__(self, rows: PlanStore) -> None:
        self.rows = rows

    def save(self, user_id: int, plan: Plan, *, new_week: bool = True, reminders: Sequence[time] | None = None) -> None:
        """Save the person's plan, replacing any she had.

        ``new_week`` starts the plan's current week now (a new plan, or a reviewed week); ``reminders`` replaces her
        reminder times (a first plan gets ``DEFAULT_REMINDERS``).
        """
        if not isinstance(plan, Plan):
            raise StoreError(f"user {user_id}: expected a Plan, got {type(plan).__name__}")
        self.rows.save(
            user_id,
            plan_to_dict(plan),
            new_week=new_week,
            reminders=None if reminders is None else _clock_texts(user_id, reminders),
            default_reminders=_clock_texts(user_id, DEFAULT_REMINDERS),
        )

    def set_reminders(self, user_id: int, reminders: Sequence[time]) -> None:
        """Replace the person's reminder times; ``StoreError`` when she has no plan."""
        self.rows.set_reminders(user_id, _clock_texts(user_id, reminders))

    def get(self, user_id: int) -> StoredPlan | None:
        """The person's plan, or None if she has not made one; ``StoreError`` if what is stored is unreadable."""
        row = self.rows.get(user_id)
        if row is None:
            return None
        try:
            plan = plan_from_dict(row.data)
            reminders = tuple(parse_clock_time(t) for t in row.reminders)
        except PelvicoreError as exc:
            raise StoreError(f"user {user_id}: the stored training plan is unreadable: {exc}") from None
        return StoredPlan(plan, reminders, row.week_started_at, row.created_at, row.updated_at)

    def delete(self, user_id: int) -> bool:
        """Delete the person's plan; ``False`` if she had none."""
        return self.rows.delete(user_id)


def _clock_texts(user_id: int, reminders: Sequence[time]) -> list[str]:
    if not all(isinstance(t, time) for t in reminders):
        raise StoreError(f"user {user_id}: reminder times must be times of day, got {list(reminders)!r}")
    return [t.strftime("%H:%M") for t in reminders]
