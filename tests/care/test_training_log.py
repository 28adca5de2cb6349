"""Training records for care: parsing training files, stored sessions, and the 7-day summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from pelvicore.care.training_log import (
    TrainingLogError,
    TrainingSession,
    parse_training,
    sessions_from_records,
    summarise_training,
    training_from_json,
)

D0 = dt.date(2025, 3, 3)


def test_parse_sorts_sessions_and_keeps_squeezes() -> None:
    sessions = training_from_json(
        '[{"date": "2025-03-05", "max_squeeze": 31.5, "unit": "cmH2O"}, {"date": "2025-03-03"}]'
    )
    assert sessions == (TrainingSession(D0), TrainingSession(dt.date(2025, 3, 5), 31.5, "cmH2O"))
    assert sessions[1].to_dict() == {"date": "2025-03-05", "max_squeeze": 31.5, "unit": "cmH2O"}


@pytest.mark.parametrize(
    ("obj", "phrase"),
    [
        ({"date": "2025-03-03"}, "JSON list"),
        ([{"dates": "2025-03-03"}], "session 1: unknown field \"dates\" (did you mean 'date'?)"),
        ([{"date": "3 March"}], "session 1: date"),
        ([{"date": "2025-03-03"}, {"date": "2025-03-04", "max_squeeze": 20}], "session 2: unit"),
        ([{"date": "2025-03-03", "max_squeeze": -1, "unit": "cmH2O"}], "max_squeeze: must be"),
        ([{"date": "2025-03-03", "max_squeeze": "20", "unit": "cmH2O"}], "max_squeeze: expected a finite number"),
        ([{"date": "2025-03-03", "unit": ""}], "unit"),
        ([{"date": "2025-03-03"}] * 51, "more than 50 sessions"),
    ],
)
def test_bad_training_files(obj: object, phrase: str) -> None:
    with pytest.raises(TrainingLogError) as info:
        parse_training(obj)
    assert phrase in str(info.value)


def test_summary_of_the_last_seven_days() -> None:
    sessions = [
        TrainingSession(D0 - dt.timedelta(days=7)),  # outside the window
        TrainingSession(D0 - dt.timedelta(days=6), 20.0, "cmH2O"),
        TrainingSession(D0 - dt.timedelta(days=6)),
        TrainingSession(D0, 24.0, "cmH2O"),
        TrainingSession(D0 + dt.timedelta(days=1), 99.0, "cmH2O"),  # after today
    ]
    summary = summarise_training(sessions, today=D0)
    assert summary.sessions_last_7_days == 3 and summary.days_trained_last_7_days == 2
    assert summary.latest_max_squeeze == 24.0 and summary.unit == "cmH2O"


@dataclass
class Record:
    created_at: dt.datetime
    summary: dict[str, Any] | None
    contraction_count: int


def test_sessions_from_stored_records() -> None:
    at = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)
    records = [
        Record(at, {"max_peak": 30.25, "unit": "cmH2O"}, 10),
        Record(at, {"max_peak": 5.0, "unit": "cmH2O"}, 0),  # no contraction: not training
        Record(at, None, 3),
        Record(at, {"max_peak": float("nan"), "unit": "cmH2O"}, 3),
    ]
    assert sessions_from_records(records) == (
        TrainingSession(D0, 30.25, "cmH2O"),
        TrainingSession(D0),
        TrainingSession(D0),
    )
