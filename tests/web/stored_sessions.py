"""Simulated sessions written straight into a store, as a finished live session would leave them.

Faster than playing them live, and their start time can be set, so weeks of training fit in a test.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, update

from pelvicore.analysis import analyze_recording
from pelvicore.simulation import simulate
from pelvicore.store.models import LiveSession
from pelvicore.store.repository import SessionStore


def store_simulated(
    store: SessionStore,
    user: int,
    routine: str,
    *,
    profile: str = "healthy",
    seed: int = 0,
    signals: str = "pressure",
    unit: str | None = None,
    engine: Engine | None = None,
    created_at: datetime | None = None,
) -> str:
    """Simulate ``profile`` following ``routine``, analyse it, and store it as a completed session.

    ``signals`` is ``pressure``, ``emg`` or ``both``; ``unit`` replaces every channel's unit (``"raw"`` for an
    uncalibrated trainer); ``created_at`` (with ``engine``) moves the session's start to that time.
    """
    rec = simulate(profile, routine, seed=seed, signals=signals).recording  # type: ignore[arg-type]
    analysis = analyze_recording(rec)
    units = {name: unit or u for name, u in rec.units.items()}
    session_id = store.create_session(
        user, source="simulator", profile=profile, routine=routine, speed=1.0, fs_hz=rec.fs_hz, units=units, seed=seed
    )
    store.append_chunk(session_id, 0, rec.signals)
    contractions = [c.to_dict() for c in analysis.contractions]
    store.append_events(session_id, [{"kind": "contraction", "t_s": c["onset_s"], **c} for c in contractions])
    lifts = sum(c["technique"] == "lift" for c in contractions)
    cal = analysis.calibration
    summary = {
        "count": len(contractions),
        "unit": units[analysis.channel],
        "max_peak": round(max((c["peak"] for c in contractions), default=0.0), 2),
        "longest_hold_s": round(max((c["hold_s"] for c in contractions), default=0.0), 2),
        "lift_pct": round(100 * lifts / len(contractions), 1) if contractions else None,
        "pushes": sum(c["technique"] == "push" for c in contractions),
        "rest_level": None if cal is None else round(cal.rest, 2),
    }
    store.finish(session_id, "completed", summary)
    if created_at is not None:
        assert engine is not None, "moving a session in time needs the engine"
        with engine.begin() as db:
            db.execute(update(LiveSession).where(LiveSession.id == session_id).values(created_at=created_at))
    return session_id
