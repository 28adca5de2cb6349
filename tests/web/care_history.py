"""Simulated weeks of diary and training for the care insight, and a way to store backdated training sessions.

In the history, each day's pain = 6 + ``effect`` x the sessions of the week before + noise, so a negative effect
is training that goes with less pain the week after; ``effect=0`` is a history with no relation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, update

from pelvicore.store.models import LiveSession
from pelvicore.store.repository import SessionStore


@dataclass(frozen=True)
class History:
    entries: list[dict[str, object]]  # diary entries as the API takes them
    sessions: list[tuple[dt.date, float]]  # (day, strongest squeeze in cmH2O)


def simulated_history(today: dt.date, *, weeks: int = 10, effect: float = -0.6, seed: int = 0) -> History:
    """``weeks`` whole Monday-to-Sunday weeks ending last Sunday, a diary entry every day."""
    rng = np.random.default_rng(seed)
    first_monday = today - dt.timedelta(days=today.weekday(), weeks=weeks)
    per_week = rng.integers(0, 8, size=weeks)
    entries: list[dict[str, object]] = []
    sessions: list[tuple[dt.date, float]] = []
    for k in range(weeks):
        monday = first_monday + dt.timedelta(weeks=k)
        sessions += [(monday + dt.timedelta(days=d), 20.0 + k + d / 10) for d in range(int(per_week[k]))]
        before = int(per_week[k - 1]) if k else 3
        for d in range(7):
            pain = int(np.clip(round(6 + effect * before + rng.normal(0, 0.7)), 0, 10))
            leaks = int(np.clip(round(2 + effect / 2 * before + rng.normal(0, 0.5)), 0, 10))
            day = monday + dt.timedelta(days=d)
            entry: dict[str, object] = {"date": day.isoformat(), "pain": pain, "leaking_episodes": leaks}
            entry |= {"where": ["lower_back"]} | ({"peg": [pain, max(pain - 1, 0), pain]} if d == 6 else {})
            entries.append(entry)
    return History(entries, sessions)


def store_sessions(engine: Engine, user: int, sessions: list[tuple[dt.date, float]]) -> None:
    """Store one finished training session (one contraction) per item, moved back to noon UTC of its day."""
    store = SessionStore(engine)
    for day, squeeze in sessions:
        session_id = store.create_session(
            user, source="simulator", profile="healthy", routine="daily", speed=1.0, fs_hz=50.0,
            units={"floor": "cmH2O"},
        )  # fmt: skip
        store.append_events(session_id, [{"kind": "contraction", "t_s": 2.0, "peak": squeeze}])
        store.finish(session_id, "completed", {"count": 1, "unit": "cmH2O", "max_peak": squeeze})
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        with engine.begin() as db:
            db.execute(update(LiveSession).where(LiveSession.id == session_id).values(created_at=noon))
