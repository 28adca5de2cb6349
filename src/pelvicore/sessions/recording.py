"""A source recorded to a file through the session engine (``pelvicore record``).

The source plays through the same runner as every live session, on a throw-away database; what the session
stored then becomes a ``Recording``: lost samples held at their last value under a ``dropout`` annotation (which
replay and analysis skip), every cue it gave as ``cue <action> <kind>`` at its actual time, and what the sensor
said (disconnected, reconnected, saturation...) as notes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from pelvicore.devices.source import Source
from pelvicore.recordings.model import Annotation, Recording
from pelvicore.sessions.manager import SessionManager
from pelvicore.store import SessionStore, make_engine, migrate
from pelvicore.training.protocols import Protocol

#: Sensor news kept in the file as notes (``sensor <what>``).
SENSOR_NOTES = ("disconnected", "reconnected", "saturation", "flat", "loss")


async def record_source(
    source: Source,
    routine: Protocol,
    save: Callable[[Recording | None], None],
    *,
    seconds: float | None = None,
    meta: Mapping[str, str] | None = None,
    on_progress: Callable[[float], None] | None = None,
    on_sensor: Callable[[str], None] | None = None,
) -> None:
    """Play ``source`` against ``routine`` until either ends, ``seconds`` of wall-clock time pass, or the task is
    cancelled (Ctrl-C); ``save`` then gets what was recorded (None if nothing was), cancelled or not.

    ``on_progress`` gets the seconds of signal recorded so far, ``on_sensor`` each sensor message's text.
    """
    engine = make_engine("sqlite://")  # the file is what is kept
    try:
        migrate(engine)
        store = SessionStore(engine)
        user = store.ensure_user()
        manager = SessionManager(store, flush_s=1.0)
        try:
            session_id = await manager.start_source(user, source, routine, kind=source.info.name)
        except BaseException:
            await manager.shutdown()
            raise
        try:
            await _follow(manager, session_id, seconds, on_progress, on_sensor)
        finally:
            await manager.shutdown()  # a cancelled recording is stored up to its last sample first
            save(stored_recording(store, session_id, owner=user, meta=meta))
    finally:
        engine.dispose()


async def _follow(
    manager: SessionManager,
    session_id: str,
    seconds: float | None,
    on_progress: Callable[[float], None] | None,
    on_sensor: Callable[[str], None] | None,
) -> None:
    t0 = time.monotonic()
    recorded = 0
    async for text in manager.fanout.subscribe(session_id):
        message = json.loads(text)
        if message["type"] == "frame":
            recorded += len(next(v for v in message.values() if isinstance(v, list)))
            if on_progress is not None:
                on_progress(recorded / message["fs_hz"])
        elif (
            on_sensor is not None
            and message.get("text")
            and (message["type"] == "sensor" or (message["type"] == "warning" and message.get("kind") != "push"))
        ):
            on_sensor(message["text"])
        if seconds is not None and time.monotonic() - t0 >= seconds and session_id in manager.live:
            manager.live[session_id].stop()


def stored_recording(
    store: SessionStore, session_id: str, *, owner: int, meta: Mapping[str, str] | None = None
) -> Recording | None:
    """A stored session as a uniformly sampled ``Recording`` with its gaps, cues and sensor notes marked;
    None when it holds no sample."""
    fs_hz, channels, index = store.load_trace(session_id, owner=owner)
    if index.size == 0:
        return None
    origin = int(index[0])
    n = int(index[-1]) - origin + 1
    have = np.zeros(n, dtype=bool)
    have[index - origin] = True
    signals = {}
    for name, x in channels.items():
        full = np.full(n, np.nan)
        full[index - origin] = x
        signals[name] = _held(full)
    start_s = origin / fs_hz
    annotations = [Annotation(run[0] / fs_hz, run.size / fs_hz, "dropout") for run in _runs(np.flatnonzero(~have))]
    events = store.get_events(session_id, owner=owner)
    annotations += cue_annotations([e for e in events if e["kind"] == "cue"], start_s)
    for event in events:
        onset = max(0.0, float(event["t_s"]) - start_s)
        if event["kind"] == "sensor" and event.get("state") in SENSOR_NOTES:
            annotations.append(Annotation(onset, 0.0, f"sensor {event['state']}"))
        elif event["kind"] == "problem" and event.get("problem") in SENSOR_NOTES:  # saturation, flat line, loss
            annotations.append(Annotation(onset, 0.0, f"sensor {event['problem']}"))
    annotations.sort(key=lambda a: a.onset_s)
    record = store.get(session_id, owner=owner)
    units = dict(record.units) if record is not None else {name: "raw" for name in signals}
    return Recording(fs_hz, signals, units, tuple(annotations), meta=dict(meta or {}))


def cue_annotations(cues: Iterable[Mapping[str, Any]], start_s: float) -> list[Annotation]:
    """A ``cue <action> <kind>`` annotation per stored cue (``t_s``, ``duration_s``, ``action``, ``step``), timed
    from ``start_s`` (the first recorded sample); a cue under way at the start is cut to it."""
    annotations = []
    for cue in cues:
        t_s, end_s = float(cue["t_s"]), float(cue["t_s"]) + float(cue["duration_s"])
        if end_s > start_s:
            onset = max(t_s, start_s)
            annotations.append(Annotation(onset - start_s, end_s - onset, f"cue {cue['action']} {cue['step']}"))
    return annotations


def _runs(indices: np.ndarray) -> list[np.ndarray]:
    return [] if indices.size == 0 else np.split(indices, np.flatnonzero(np.diff(indices) > 1) + 1)


def _held(x: np.ndarray) -> np.ndarray:
    """NaN (lost or never sent) replaced by the previous value, the first valid one backwards; 0 if none."""
    bad = np.isnan(x)
    if bad.all():
        return np.zeros_like(x)
    idx = np.where(~bad, np.arange(x.size), 0)
    np.maximum.accumulate(idx, out=idx)
    out = x[idx]
    first = int(np.argmax(~bad))
    out[:first] = x[first]
    return out
