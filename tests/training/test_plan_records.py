"""Saved training plans (SQLite and PostgreSQL): one per person, read back as a valid plan, with her reminder
times and the start of the plan's current week; the store keeps the plan as data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest
from sqlalchemy import Engine, update

from pelvicore.store import SessionStore, StoreError
from pelvicore.store.models import TrainingPlanRow
from pelvicore.store.plans import PlanStore
from pelvicore.training.plan import AssessmentSummary
from pelvicore.training.plan_json import plan_to_dict
from pelvicore.training.plan_records import DEFAULT_REMINDERS, Plans
from pelvicore.training.programme import new_plan

PLAN = new_plan(AssessmentSummary(20.0, 4.0, 6), "strength", start=date(2025, 3, 3))


def test_a_plan_round_trips(engine: Engine) -> None:
    user = SessionStore(engine).ensure_user()
    plans = Plans(PlanStore(engine))
    assert plans.get(user) is None
    plans.save(user, PLAN)
    stored = plans.get(user)
    assert stored is not None and stored.plan == PLAN and stored.reminders == DEFAULT_REMINDERS
    assert stored.week_started_at.tzinfo is not None and stored.created_at == stored.week_started_at


def test_saving_again_replaces_the_plan_and_may_keep_the_week(engine: Engine) -> None:
    user = SessionStore(engine).ensure_user()
    plans = Plans(PlanStore(engine))
    plans.save(user, PLAN, reminders=[time(7, 0)])
    first = plans.get(user)
    assert first is not None
    later = replace(PLAN, week=2, rung=1)
    plans.save(user, later, new_week=False)
    kept = plans.get(user)
    assert kept is not None and kept.plan == later and kept.reminders == (time(7, 0),)
    assert kept.week_started_at == first.week_started_at and kept.created_at == first.created_at
    plans.save(user, later)
    moved = plans.get(user)
    assert moved is not None and moved.week_started_at >= kept.updated_at


def test_reminder_times(engine: Engine) -> None:
    user = SessionStore(engine).ensure_user()
    plans = Plans(PlanStore(engine))
    with pytest.raises(StoreError, match="no training plan"):
        plans.set_reminders(user, [time(8, 0)])
    plans.save(user, PLAN)
    plans.set_reminders(user, [time(19, 30), time(6, 45)])
    stored = plans.get(user)
    assert stored is not None and stored.reminders == (time(6, 45), time(19, 30))
    for bad in ([], [time(8, 0), time(8, 0)], [time(h) for h in range(11)], ["08:00"]):
        with pytest.raises(StoreError):
            plans.set_reminders(user, bad)  # type: ignore[arg-type]


def test_plans_belong_to_their_person(engine: Engine) -> None:
    sessions = SessionStore(engine)
    alice, bea = sessions.ensure_user("alice"), sessions.ensure_user("bea")
    plans = Plans(PlanStore(engine))
    plans.save(alice, PLAN)
    assert plans.get(bea) is None
    assert plans.delete(bea) is False
    assert plans.delete(alice) is True and plans.get(alice) is None
    with pytest.raises(StoreError, match="unknown user"):
        plans.save(10_000, PLAN)
    with pytest.raises(StoreError, match="expected a Plan"):
        plans.save(alice, {"goal": "strength"})  # type: ignore[arg-type]


def test_an_unreadable_stored_plan_is_a_clear_error(engine: Engine) -> None:
    user = SessionStore(engine).ensure_user()
    plans = Plans(PlanStore(engine))
    plans.save(user, PLAN)
    with engine.begin() as db:
        db.execute(update(TrainingPlanRow).values(data={"pelvicore_plan": 1, "goal": "speed"}))
    with pytest.raises(StoreError, match="unreadable"):
        plans.get(user)


def test_the_store_keeps_the_plan_as_the_json_it_is_given(engine: Engine) -> None:
    user = SessionStore(engine).ensure_user()
    rows = PlanStore(engine)
    rows.save(user, plan_to_dict(PLAN), reminders=["19:30", "06:45"])
    row = rows.get(user)
    assert row is not None and row.data == plan_to_dict(PLAN) and row.reminders == ("06:45", "19:30")
    for bad in ([], ["8:00"], ["24:00"], ["08:00", "08:00"], [800]):
        with pytest.raises(StoreError, match="reminder"):
            rows.set_reminders(user, bad)  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="training plan"):
        rows.save(user, {"started": date(2025, 3, 3)})  # not JSON
