"""A clinician's patient row: adherence (days with data, 16 of 30), sessions against the plan, the latest
assessment, the push share, the pain trend, every alert firing and not, and what each scope hides."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import Engine, event
from stored_sessions import store_simulated

from pelvicore.analysis import analyze_recording
from pelvicore.assess.perfect import assess_perfect
from pelvicore.care.diary import DiaryEntry
from pelvicore.care.records import CareRecords
from pelvicore.clinic.alerts import PAIN_SOURCE, PUSH_SOURCE
from pelvicore.clinic.dashboard import (
    DAYS_WITH_DATA_TARGET,
    ClinicError,
    PatientRow,
    load_patient_row,
    patient_row,
)
from pelvicore.simulation import simulate
from pelvicore.store import SessionStore, make_engine, migrate
from pelvicore.store.care import CareStore
from pelvicore.store.plans import PlanStore
from pelvicore.training.plan import AssessmentSummary
from pelvicore.training.plan_records import Plans
from pelvicore.training.programme import new_plan

TODAY = date(2025, 3, 31)
BOTH = frozenset({"training", "care"})


@dataclass
class Clinic:
    engine: Engine
    store: SessionStore
    plans: Plans
    care: CareRecords
    user: int

    def row(self, scope: frozenset[str] = BOTH, *, today: date = TODAY, **kw: object) -> PatientRow:
        return load_patient_row(
            store=self.store,
            plans=self.plans,
            care=self.care,
            user_id=self.user,
            name="Ann",
            scope=scope,
            today=today,
            **kw,  # type: ignore[arg-type]
        )

    def session(self, day: date, routine: str = "quick-check", *, at: time = time(10), **kw: object) -> str:
        when = datetime.combine(day, at, UTC)
        return store_simulated(self.store, self.user, routine, engine=self.engine, created_at=when, **kw)  # type: ignore[arg-type]

    def plan(self, start: date) -> None:
        self.plans.save(self.user, new_plan(AssessmentSummary(20.0, 4.0, 6), "strength", start=start))

    def diary(self, day: date, **fields: object) -> None:
        self.care.add_entry(self.user, DiaryEntry(day, **fields))  # type: ignore[arg-type]


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[Clinic]:
    engine = make_engine(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    migrate(engine)
    store = SessionStore(engine)
    user = store.ensure_user("ann@example.org")
    yield Clinic(engine, store, Plans(PlanStore(engine)), CareRecords(CareStore(engine)), user)
    engine.dispose()


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def kinds(row: PatientRow) -> list[str]:
    return [a.kind for a in row.alerts]


# -- adherence -------------------------------------------------------------------------------------------------
def test_days_with_data_counts_days_and_marks_16_of_30(clinic: Clinic) -> None:
    for d in range(16):
        clinic.session(ago(2 * d - (d > 0)), seed=d)  # days 0, 1, 3, 5, ... 29: all 16 inside the 30 days
    clinic.session(ago(0), at=time(18), seed=99)  # a second session on a day that already has one
    clinic.session(ago(30), seed=98)  # the 31st day back: outside
    empty = clinic.store.create_session(
        clinic.user, source="simulator", profile=None, routine="quick-check", speed=1.0, fs_hz=50.0,
        units={"floor": "cmH2O"},
    )  # fmt: skip
    clinic.store.finish(empty, "stopped", {"count": 0})  # nothing recorded: not a day with data

    row = clinic.row()
    assert row.days_with_data_30 == DAYS_WITH_DATA_TARGET == 16
    assert row.meets_16_of_30 is True
    assert row.sessions_30 == 17
    assert row.last_training == TODAY

    clinic.store.delete_session(clinic.store.list_sessions(clinic.user, limit=50)[-2].id, owner=clinic.user)
    row = clinic.row()
    assert (row.days_with_data_30, row.meets_16_of_30, row.sessions_30) == (15, False, 16)


def test_a_session_with_samples_and_no_contraction_is_a_day_with_data(clinic: Clinic) -> None:
    sid = clinic.store.create_session(
        clinic.user, source="simulator", profile=None, routine="quick-check", speed=1.0, fs_hz=50.0,
        units={"floor": "cmH2O"},
    )  # fmt: skip
    clinic.store.append_chunk(sid, 0, {"floor": np.full(500, 20.0)})
    clinic.store.finish(sid, "stopped", {"count": 0})
    today = datetime.now(UTC).date()  # the session started now
    row = clinic.row(today=today)
    assert (row.days_with_data_30, row.sessions_30, row.last_training) == (1, 1, today)


def test_days_fall_in_her_time_zone(clinic: Clinic) -> None:
    clinic.session(ago(3), at=time(23, 30), seed=1)  # 00:30 the next day in Paris (UTC+1 in March)
    clinic.session(ago(2), at=time(8), seed=2)
    assert clinic.row().days_with_data_30 == 2
    assert clinic.row(tz=ZoneInfo("Europe/Paris")).days_with_data_30 == 1


def test_sessions_against_the_plan_pro_rata(clinic: Clinic) -> None:
    assert clinic.row().planned_30 is None  # no plan
    clinic.plan(ago(11))  # 12 days of the 30, at 3 sets a day on 7 days (21 a week)
    for d in (0, 1, 2):
        clinic.session(ago(d), seed=d)
    row = clinic.row()
    assert (row.sessions_30, row.planned_30) == (3, 36)
    clinic.plan(ago(100))  # the whole 30 days
    assert clinic.row().planned_30 == 90


# -- the latest assessment -------------------------------------------------------------------------------------
def test_latest_assessment_is_the_newest_perfect_or_glazer(clinic: Clinic) -> None:
    assert clinic.row().latest_assessment is None
    clinic.session(ago(10), "perfect", seed=3)
    expected = assess_perfect(simulate("healthy", "perfect", seed=3).recording)
    assert expected.power_cmh2o is not None and expected.power_class is not None
    row = clinic.row()
    assert row.latest_assessment == (
        f"PERFECT: P {expected.power_cmh2o:.0f} cmH2O above rest ({expected.power_class}) · "
        f"E {expected.endurance_s:.1f} s · R {expected.repetitions} · F {expected.fast}"
    )
    assert row.latest_assessment_date == ago(10)

    clinic.session(ago(4), "glazer", signals="emg", seed=4)
    clinic.session(ago(1), "cough", seed=5)  # the cough test is not shown on the list
    row = clinic.row()
    assert row.latest_assessment_date == ago(4)
    assert row.latest_assessment is not None
    assert row.latest_assessment.startswith("Glazer (sEMG, µV): rest ")
    assert "flicks" in row.latest_assessment and "endurance fell" in row.latest_assessment


def test_perfect_on_a_raw_trainer_says_it_was_not_scored(clinic: Clinic) -> None:
    clinic.session(ago(2), "perfect", unit="raw")
    assert clinic.row().latest_assessment == "PERFECT: not scored — her trainer reports raw numbers, not cmH2O"


# -- technique ---------------------------------------------------------------------------------------------
def expected_push_pct(profile: str, seeds: range) -> float:
    techniques = [
        c.technique
        for seed in seeds
        for c in analyze_recording(simulate(profile, "quick-check", seed=seed).recording).contractions
    ]
    known = [t for t in techniques if t != "unknown"]
    return round(100 * known.count("push") / len(known), 1)


def test_push_share_and_the_pushing_alert(clinic: Clinic) -> None:
    for d in range(3):
        clinic.session(ago(d), profile="bearing-down", seed=d)
    row = clinic.row()
    assert row.push_pct_30 == expected_push_pct("bearing-down", range(3)) == pytest.approx(59.3, abs=0.1)
    pushing = [a for a in row.alerts if a.kind == "pushing"]
    assert len(pushing) == 1
    assert pushing[0].source == PUSH_SOURCE and "bearing down" in pushing[0].source
    assert pushing[0].since == ago(2)
    assert pushing[0].text.startswith("Pushing down instead of lifting in each of her last 3 sessions")

    clinic.session(ago(0), at=time(18), profile="healthy", seed=7)  # her latest session lifted
    row = clinic.row()
    assert "pushing" not in kinds(row)
    assert row.push_pct_30 == pytest.approx(round(100 * 16 / 36, 1))  # 16 pushes of 27, then 9 lifts


def test_two_pushing_sessions_are_not_yet_an_alert(clinic: Clinic) -> None:
    for d in range(2):
        clinic.session(ago(d), profile="bearing-down", seed=d)
    assert "pushing" not in kinds(clinic.row())


def test_a_healthy_lifter_pushes_0_pct_and_a_single_zone_trainer_is_not_measured(clinic: Clinic) -> None:
    clinic.session(ago(1), profile="healthy")
    assert clinic.row().push_pct_30 == 0.0

    record = clinic.store.get(clinic.store.list_sessions(clinic.user)[0].id, owner=clinic.user)
    assert record is not None
    single_zone = [replace(record, units={"floor": "raw"})]  # the same squeezes, seen by one zone only
    row = patient_row(1, "Bea", sessions=single_zone, plan=None, diary=[], scope=BOTH, today=TODAY)
    assert row.push_pct_30 is None  # never 0 % for what the trainer cannot tell
    assert row.sessions_30 == 1


# -- care alerts -------------------------------------------------------------------------------------------
def test_a_red_flag_in_the_diary_is_an_alert(clinic: Clinic) -> None:
    clinic.diary(ago(20), pain=3)
    clinic.diary(ago(5), pain=4, signs=("saddle_numbness",))
    clinic.diary(ago(40), pain=3, signs=("fever",))  # before the 30 days
    alerts = [a for a in clinic.row().alerts if a.kind == "red_flag"]
    assert len(alerts) == 1
    flag = alerts[0]
    assert flag.since == ago(5)
    assert flag.text == (
        f"Red flag on {ago(5).day} Mar: numbness or changed feeling around the bottom or inner thighs — she was "
        "advised to call emergency services or go to an emergency department now"
    )
    assert "NHS: Cauda equina syndrome" in flag.source


def test_a_calm_diary_raises_no_red_flag(clinic: Clinic) -> None:
    for d in (25, 12, 2):
        clinic.diary(ago(d), pain=3, where=("lower_back",), leaking_episodes=0)
    assert kinds(clinic.row()) == []


@pytest.mark.parametrize(
    ("before", "recent", "direction"),
    [
        ((3, 3, 3), (6, 5, 6), "worse"),
        ((3, 4), (5, 6), "worse"),  # 3.5 -> 5.5: exactly the 2 points
        ((3, 4), (5, 5), "same"),  # 1.5 points
        ((6, 6), (3, 4), "better"),
    ],
)
def test_pain_trend_two_weeks_against_the_two_before(
    clinic: Clinic, before: tuple[int, ...], recent: tuple[int, ...], direction: str
) -> None:
    for i, pain in enumerate(before):
        clinic.diary(ago(14 + 3 * i), pain=pain)
    for i, pain in enumerate(recent):
        clinic.diary(ago(3 * i), pain=pain)
    row = clinic.row()
    assert row.pain_trend is not None
    assert (row.pain_trend.before, row.pain_trend.recent) == (
        round(sum(before) / len(before), 1),
        round(sum(recent) / len(recent), 1),
    )
    assert row.pain_trend.direction == direction
    worse = [a for a in row.alerts if a.kind == "pain_worse"]
    assert len(worse) == (direction == "worse")
    if worse:
        assert worse[0].source == PAIN_SOURCE and "Ostelo" in PAIN_SOURCE
        assert worse[0].since == ago(13)


def test_pain_trend_needs_both_fortnights(clinic: Clinic) -> None:
    clinic.diary(ago(2), pain=8)
    trend = clinic.row().pain_trend
    assert trend is not None and (trend.recent, trend.before, trend.direction) == (8.0, None, None)


# -- training alerts -------------------------------------------------------------------------------------------
def test_no_training_for_7_days(clinic: Clinic) -> None:
    clinic.session(ago(8))
    row = clinic.row()
    assert "no_training" in kinds(row)
    alert = next(a for a in row.alerts if a.kind == "no_training")
    assert alert.text == f"No training for 8 days (last session on {ago(8).day} Mar)"
    assert alert.since == ago(8)
    clinic.session(ago(6), seed=1)
    assert "no_training" not in kinds(clinic.row())


def test_no_training_before_the_window_is_still_known(clinic: Clinic) -> None:
    clinic.session(ago(90))
    row = clinic.row()
    assert row.last_training == ago(90) and row.days_with_data_30 == 0
    assert "no_training" in kinds(row)


def test_no_training_with_a_plan_and_never_a_session(clinic: Clinic) -> None:
    assert "no_training" not in kinds(clinic.row())  # no plan, never trained: nothing to miss
    clinic.plan(ago(3))
    assert "no_training" not in kinds(clinic.row())  # her plan is 4 days old
    clinic.plan(ago(10))
    alert = next(a for a in clinic.row().alerts if a.kind == "no_training")
    assert alert.text == f"No training yet: her plan began on {ago(10).day} Mar"


# -- scope ---------------------------------------------------------------------------------------------------
def fill(clinic: Clinic) -> None:
    clinic.plan(ago(40))
    for d in range(3):
        clinic.session(ago(d + 8), profile="bearing-down", seed=d)
    clinic.diary(ago(20), pain=2)
    clinic.diary(ago(3), pain=6, signs=("fever",))


def test_care_only_hides_every_training_field(clinic: Clinic) -> None:
    fill(clinic)
    row = clinic.row(frozenset({"care"}))
    assert row.pain_trend is not None and row.pain_trend.direction == "worse"
    assert set(kinds(row)) == {"red_flag", "pain_worse"}
    data = row.to_dict()
    for key in (
        "days_with_data_30", "meets_16_of_30", "sessions_30", "planned_30", "latest_assessment", "push_pct_30",
        "last_training",
    ):  # fmt: skip
        assert data[key] is None, key


def test_training_only_hides_pain_and_red_flags(clinic: Clinic) -> None:
    fill(clinic)
    row = clinic.row(frozenset({"training"}))
    assert row.pain_trend is None
    assert set(kinds(row)) == {"pushing", "no_training"}
    assert (row.days_with_data_30, row.sessions_30, row.planned_30) == (3, 3, 90)
    assert clinic.row(BOTH).alerts == (*clinic.row(frozenset({"care"})).alerts, *row.alerts)


def test_an_unknown_scope_is_refused(clinic: Clinic) -> None:
    with pytest.raises(ClinicError, match="scope"):
        clinic.row(frozenset({"training", "everything"}))


# -- the API's values, and the cost of a row ---------------------------------------------------------------
def test_to_dict_is_json_with_iso_dates(clinic: Clinic) -> None:
    fill(clinic)
    data = json.loads(json.dumps(clinic.row().to_dict()))
    assert {"id", "name", "days_with_data_30", "alerts"} <= set(data)
    assert data["id"] == clinic.user and data["name"] == "Ann"
    assert data["scope"] == ["care", "training"]
    assert data["last_training"] == ago(8).isoformat()
    assert data["days_with_data_target"] == 16
    assert data["pain_trend"] == {"recent": 6.0, "before": 2.0, "direction": "worse"}
    flag = next(a for a in data["alerts"] if a["kind"] == "red_flag")
    assert flag["since"] == ago(3).isoformat() and flag["source"]


def test_a_row_is_a_handful_of_queries_whatever_the_sessions(clinic: Clinic) -> None:
    clinic.plan(ago(40))
    clinic.session(ago(12), "perfect")
    for d in range(12):
        clinic.session(ago(d), seed=d)
    for d in range(20):
        clinic.diary(ago(d), pain=3)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(clinic.engine, "before_cursor_execute", count)
    try:
        row = clinic.row()
    finally:
        event.remove(clinic.engine, "before_cursor_execute", count)
    assert row.sessions_30 == 13 and row.latest_assessment is not None
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 12

    statements.clear()  # the same list again: her PERFECT is not read and assessed a second time
    event.listen(clinic.engine, "before_cursor_execute", count)
    try:
        again = clinic.row()
    finally:
        event.remove(clinic.engine, "before_cursor_execute", count)
    assert again == row
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == len(selects) - 4
