"""Stored sessions as the objects assessments, plans and progress work on.

A live session stores its samples, its contractions and every cue it gave, at the time it gave it (after any
sensor gap). Sessions recorded before cues were stored get theirs rebuilt from the routine's timeline.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import tzinfo

import numpy as np

from pelvicore.analysis import Analysis
from pelvicore.errors import PelvicoreError, SignalError
from pelvicore.recordings.model import Recording
from pelvicore.sessions.recording import cue_annotations
from pelvicore.signal.events import Calibration, Contraction
from pelvicore.store.repository import SessionRecord, SessionStore
from pelvicore.training.errors import PlanError
from pelvicore.training.protocols import Protocol
from pelvicore.training.routines import get_protocol
from pelvicore.training.sessions import RepSummary, SessionSummary, session_from_analysis

logger = logging.getLogger(__name__)


def protocol_of(record: SessionRecord) -> Protocol | None:
    """The routine the session followed: the steps it stored, else (older sessions) what its name means now;
    None when neither can be read."""
    try:
        return Protocol.from_dict(record.steps) if record.steps else get_protocol(record.routine)
    except PelvicoreError:
        return None


def recording_of(store: SessionStore, record: SessionRecord) -> Recording:
    """The session's stored trace as a ``Recording``, with a ``cue <action> <kind>`` annotation per cue it gave.

    Lost samples (gaps in the sample numbers, or NaN) are filled by straight lines between their neighbours,
    so that every channel is uniformly sampled. Raises ``SignalError`` when fewer than 2 samples were stored.
    """
    fs_hz, channels, index = store.load_trace(record.id, owner=record.user_id)
    if index.size < 2:
        raise SignalError(f"session {record.id}: nothing was recorded")
    grid = np.arange(index[0], index[-1] + 1)
    signals = {}
    for name, x in channels.items():
        ok = np.isfinite(x)
        if not ok.any():
            raise SignalError(f"session {record.id}: channel {name!r} holds no valid sample")
        full = ok.all() and grid.size == index.size
        signals[name] = x if full else np.interp(grid, index[ok], x[ok])
    protocol = protocol_of(record)
    start_s = float(index[0]) / fs_hz
    cues = record.cues  # the cues it actually gave, at their times after any sensor gap
    if not cues and protocol is not None:  # sessions recorded before cues were stored: rebuilt from the routine
        cues = [
            {"t_s": t, "duration_s": step.duration_s, "action": step.action, "step": step.kind}
            for t, step in protocol.cue_times()
        ]
    annotations = tuple(cue_annotations(cues, start_s))
    meta = {"session": record.id, "protocol": record.routine}
    return Recording(fs_hz, signals, dict(record.units), annotations, meta=meta)


def _contractions(record: SessionRecord) -> Iterator[Contraction]:
    """Its stored contractions; one that is damaged (not as pelvicore writes them) is left out and logged."""
    for stored in record.contractions:
        try:
            yield Contraction.from_dict(stored)
        except ValueError as exc:
            logger.warning("session %s: a contraction at %s s is left out: %s", record.id, stored.get("t_s"), exc)


def analysis_of(record: SessionRecord) -> Analysis:
    """The live analysis of the session, from its stored contractions (no need to analyse the trace again)."""
    contractions = tuple(_contractions(record))
    summary = record.summary or {}
    unit = str(summary.get("unit") or next(iter(record.units.values()), "raw"))
    rest = summary.get("rest_level")
    best = max((c.peak for c in contractions), default=0.0)
    calibration = Calibration(float(rest), best, unit) if isinstance(rest, int | float) else None
    channel = contractions[0].channel if contractions else next(iter(record.units), "floor")
    duration = (record.ended_at - record.created_at).total_seconds() * record.speed if record.ended_at else 0.0
    return Analysis(channel, unit, record.fs_hz, duration, contractions, (), calibration)


def summary_of(record: SessionRecord, *, tz: tzinfo | None = None) -> SessionSummary:
    """The session as a plan measures it: each contraction labelled with the cue it answered.

    Its day is the day it started on in ``tz``, her time zone (default: the server's). A routine that asks for no
    holds (the cough test, some games) gives a summary whose contractions carry the kind ``None`` (``cough`` for a
    routine of coughs only); one whose name is no longer known, ``None``.
    """
    day = record.created_at.astimezone(tz).date()
    analysis = analysis_of(record)
    protocol = protocol_of(record)
    if protocol is not None:
        try:
            return session_from_analysis(analysis, protocol, day)
        except PlanError:
            pass
    # A routine of coughs only (the cough test): its contractions answer coughs, they are not squeezes.
    coughs_only = protocol is not None and {s.action for s in protocol.steps} == {"rest", "cough"}
    kind = "cough" if coughs_only else None
    reps = tuple(
        RepSummary(c.peak, c.hold_s, c.technique, kind, c.release_s, c.residual_pct) for c in analysis.contractions
    )
    rest = analysis.calibration.rest if analysis.calibration is not None else None
    return SessionSummary(day, 1.0, max(1, len(reps)), reps, rest)
