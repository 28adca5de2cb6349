"""Her pelvic-floor training as the care side sees it: one record per session (day, strongest squeeze, unit).

Sessions come from the store (:func:`sessions_from_records`) or from a JSON file such as
``[{"date": "2025-03-03", "max_squeeze": 31.5, "unit": "cmH2O"}, {"date": "2025-03-04"}]``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pelvicore.care._json import load_json, parse_date, unknown_field
from pelvicore.care._json import show as _show
from pelvicore.errors import PelvicoreError

MAX_SQUEEZE = 10_000.0  # above any pressure (cmH2O, mmHg), EMG (uV) or raw reading a trainer gives
MAX_SESSIONS_PER_DAY = 50
SESSION_FIELDS = ("date", "max_squeeze", "unit")


class TrainingLogError(PelvicoreError):
    """A training record of the wrong type or out of range."""


@dataclass(frozen=True, slots=True)
class TrainingSession:
    """One training session: its day, and its strongest squeeze above rest with the unit, when measured."""

    date: dt.date
    max_squeeze: float | None = None
    unit: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.date, dt.date) or isinstance(self.date, dt.datetime):
            raise TrainingLogError(f"date: expected a calendar date, got {self.date!r}")
        if self.max_squeeze is not None:
            value = self.max_squeeze
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise TrainingLogError(f"max_squeeze: expected a finite number, got {_show(value)}")
            if not 0 <= value <= MAX_SQUEEZE:
                raise TrainingLogError(f"max_squeeze: must be 0-{MAX_SQUEEZE:g}, got {_show(value)}")
            if self.unit is None:
                raise TrainingLogError("unit: a max_squeeze needs its unit, such as cmH2O, mmHg, uV or raw")
        if self.unit is not None and (not isinstance(self.unit, str) or not self.unit.strip() or len(self.unit) > 20):
            raise TrainingLogError(f"unit: expected a short unit name such as cmH2O, got {_show(self.unit)}")

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"date": self.date.isoformat()}
        if self.max_squeeze is not None:
            out["max_squeeze"] = self.max_squeeze
            out["unit"] = self.unit
        return out


@dataclass(frozen=True, slots=True)
class TrainingSummary:
    """Her recent training, for the self-care plan: sessions and days trained in the last 7 days."""

    sessions_last_7_days: int
    days_trained_last_7_days: int
    latest_max_squeeze: float | None = None
    unit: str | None = None


class SessionLike(Protocol):
    """What :func:`sessions_from_records` reads from a stored session (``pelvicore.store.SessionRecord``)."""

    @property
    def created_at(self) -> dt.datetime: ...
    @property
    def summary(self) -> Mapping[str, Any] | None: ...
    @property
    def contraction_count(self) -> int: ...


def parse_training(obj: object) -> tuple[TrainingSession, ...]:
    """Check a decoded JSON training file (a list of session objects) and return the sessions by date.

    Raises
    ------
    TrainingLogError
        Naming the session (its number from 1) and field of the first mistake.
    """
    if not isinstance(obj, list):
        raise TrainingLogError(f'training must be a JSON list such as [{{"date": "2025-03-03"}}], got {_show(obj)}')
    sessions = [_session(number, item) for number, item in enumerate(obj, start=1)]
    per_day: dict[dt.date, int] = {}
    for s in sessions:
        per_day[s.date] = per_day.get(s.date, 0) + 1
        if per_day[s.date] > MAX_SESSIONS_PER_DAY:
            raise TrainingLogError(f"{s.date}: more than {MAX_SESSIONS_PER_DAY} sessions in one day")
    return tuple(sorted(sessions, key=lambda s: s.date))


def training_from_json(text: str) -> tuple[TrainingSession, ...]:
    """Parse the text of a training file; invalid JSON raises :class:`TrainingLogError`."""
    return parse_training(load_json(text, TrainingLogError))


def sessions_from_records(records: Iterable[SessionLike]) -> tuple[TrainingSession, ...]:
    """Training sessions from stored live sessions: those with at least one contraction count as training.

    The strongest squeeze is the session summary's ``max_peak`` in its ``unit``.
    """
    out = []
    for r in records:
        if r.contraction_count < 1:
            continue
        summary = r.summary or {}
        peak, unit = summary.get("max_peak"), summary.get("unit")
        if isinstance(peak, int | float) and not isinstance(peak, bool) and math.isfinite(peak) and unit:
            out.append(TrainingSession(r.created_at.date(), float(peak), str(unit)))
        else:
            out.append(TrainingSession(r.created_at.date()))
    return tuple(sorted(out, key=lambda s: s.date))


def summarise_training(sessions: Iterable[TrainingSession], *, today: dt.date) -> TrainingSummary:
    """Sessions and distinct days trained in the 7 days ending ``today``, and the latest measured squeeze."""
    recent = [s for s in sessions if 0 <= (today - s.date).days < 7]
    measured = [s for s in sorted(sessions, key=lambda s: s.date) if s.max_squeeze is not None and s.date <= today]
    latest = measured[-1] if measured else None
    return TrainingSummary(
        sessions_last_7_days=len(recent),
        days_trained_last_7_days=len({s.date for s in recent}),
        latest_max_squeeze=None if latest is None else latest.max_squeeze,
        unit=None if latest is None else latest.unit,
    )


def _session(number: int, item: object) -> TrainingSession:
    where = f"session {number}"
    if not isinstance(item, dict):
        raise TrainingLogError(f'{where}: expected an object such as {{"date": "2025-03-03"}}, got {_show(item)}')
    for key in item:
        if key not in SESSION_FIELDS:
            raise TrainingLogError(f"{where}: {unknown_field(key, SESSION_FIELDS, 'field')}")
    try:
        return TrainingSession(
            parse_date("date", item.get("date"), TrainingLogError), item.get("max_squeeze"), item.get("unit")
        )
    except TrainingLogError as exc:
        raise TrainingLogError(f"{where}: {exc}") from None


__all__ = [
    "TrainingLogError",
    "TrainingSession",
    "TrainingSummary",
    "parse_training",
    "sessions_from_records",
    "summarise_training",
    "training_from_json",
]
