"""A stored session as a signal file: EDF+ for EDFbrowser and MNE-Python, or CSV with an events sidecar.

Both hold the session's channels under their own names (``floor``, ``abdomen``, ``emg``) in their stored units,
and its events: every cue, contraction, sensor gap, warning, signal problem and sensor event.

Sensor gaps (samples lost on the way, or stored as NaN) are filled by holding the last recorded value, as
``pelvicore.recordings.read_csv`` fills them, so both exports give the analysis the same signal; each gap is
also a ``sensor gap`` event, so nobody takes the flat stretch for signal. Times are seconds from sample 0 of
the session, as its events are stored.

EDF+: Kemp et al. 2003, "European data format 'plus' (EDF+)", Clin Neurophysiol 114:1755.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from pelvicore.errors import RecordingError
from pelvicore.exports.archive import trace_csv
from pelvicore.exports.errors import ExportError
from pelvicore.recordings import write_recording
from pelvicore.recordings.edf import MAX_ANNOTATION_BYTES
from pelvicore.recordings.model import Annotation, Recording, canonical_unit
from pelvicore.store.repository import SessionRecord, SessionStore

__all__ = [
    "EVENT_COLUMNS",
    "SessionEvent",
    "events_csv",
    "events_path",
    "session_csv",
    "session_edf",
    "session_recording",
    "write_session_csv",
    "write_session_edf",
]

EventKind = Literal["cue", "contraction", "sensor gap", "warning", "problem", "sensor"]

#: Header of the events sidecar CSV.
EVENT_COLUMNS = ("onset_s", "duration_s", "kind", "text")
#: Stored event kinds that become events of the export, in the words of their text.
_NOTED_KINDS = ("warning", "problem", "sensor")
_ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """One event of an exported session; times in s from sample 0.

    ``text`` is the whole text (as in the events CSV); EDF+ keeps its first 40 bytes (see ``edf_text``).
    """

    onset_s: float
    duration_s: float
    kind: EventKind
    text: str

    @property
    def edf_text(self) -> str:
        """``text`` as an EDF+ annotation: printable, at most 40 UTF-8 bytes, cut with an ellipsis."""
        text = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in self.text)
        if len(text.encode("utf-8")) <= MAX_ANNOTATION_BYTES:
            return text
        room = MAX_ANNOTATION_BYTES - len(_ELLIPSIS.encode("utf-8"))
        cut = text.encode("utf-8")[:room].decode("utf-8", errors="ignore")
        return cut.rstrip() + _ELLIPSIS


@dataclass(frozen=True, slots=True)
class _Trace:
    """A finished session's recorded samples: only rows where every channel is finite, by sample number."""

    record: SessionRecord
    units: dict[str, str]
    channels: dict[str, npt.NDArray[np.float64]]
    index: npt.NDArray[np.int64]


def _load(store: SessionStore, session_id: str, owner: int) -> _Trace:
    record = store.get(session_id, owner=owner)
    if record is None:
        raise ExportError(f"no session {session_id!r}")
    if record.status == "running":
        raise ExportError(f"session {session_id!r} is still running: it can be exported when it ends")
    units = {}
    for name, unit in record.units.items():
        try:
            units[name] = canonical_unit(unit)
        except RecordingError as exc:
            raise ExportError(f"session {session_id!r}: channel {name!r}: {exc}") from exc
    _, channels, index = store.load_trace(session_id, owner=owner)
    # A row with a NaN is a lost sample, as in the archive's CSV; a sample number stored twice counts once.
    recorded = np.isfinite(np.vstack(list(channels.values()))).all(axis=0) if index.size else np.ones(0, bool)
    index, first = np.unique(index[recorded], return_index=True)
    channels = {name: x[recorded][first] for name, x in channels.items()}
    if index.size < 2:
        raise ExportError(
            f"session {session_id!r} has {index.size} recorded sample(s): nothing to export (at least 2 needed)"
        )
    return _Trace(record, units, channels, index)


def _gaps(index: npt.NDArray[np.int64], fs_hz: float) -> list[SessionEvent]:
    """One ``sensor gap`` per run of lost sample numbers (before the first recorded sample too)."""
    starts = np.concatenate(([0], index[:-1] + 1))
    lengths = index - starts
    return [
        SessionEvent(float(start / fs_hz), float(n / fs_hz), "sensor gap", "sensor gap")
        for start, n in zip(starts[lengths > 0], lengths[lengths > 0], strict=True)
    ]


def _number(payload: dict[str, Any], key: str) -> float | None:
    value = payload.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _contraction(event: dict[str, Any], unit: str) -> SessionEvent:
    onset = _number(event, "onset_s")
    onset = event["t_s"] if onset is None else onset
    offset = _number(event, "offset_s")
    parts = ["contraction"]
    technique = event.get("technique")
    if isinstance(technique, str) and technique != "unknown":  # "unknown": a single zone cannot tell
        parts.append(technique)
    peak, hold = _number(event, "peak"), _number(event, "hold_s")
    if peak is not None:
        parts.append(f"{peak:.1f} {event.get('unit') or unit}")
    if hold is not None:
        parts.append(f"hold {hold:.1f} s")
    duration = 0.0 if offset is None else max(offset - onset, 0.0)
    return SessionEvent(onset, duration, "contraction", " ".join(parts))


def _event(event: dict[str, Any], unit: str) -> SessionEvent | None:
    kind, t_s = event["kind"], float(event["t_s"])
    if kind == "contraction":
        return _contraction(event, unit)
    if kind == "cue":
        action, instruction = event.get("action") or event.get("step") or "cue", event.get("text")
        text = f"cue: {action} — {instruction}" if instruction else f"cue: {action}"
        return SessionEvent(t_s, max(_number(event, "duration_s") or 0.0, 0.0), "cue", text)
    if kind in _NOTED_KINDS:
        what = event.get(kind) or event.get("state")
        detail = event.get("text") or what or ""
        return SessionEvent(t_s, 0.0, kind, f"{kind}: {detail}" if detail else kind)
    return None


def _events(store: SessionStore, trace: _Trace) -> list[SessionEvent]:
    record = trace.record
    fs_hz, n_samples = record.fs_hz, int(trace.index[-1]) + 1
    unit = str((record.summary or {}).get("unit") or next(iter(trace.units.values())))
    stored = store.get_events(record.id, owner=record.user_id)
    events = [e for e in (_event(event, unit) for event in stored) if e is not None]
    events += _gaps(trace.index, fs_hz)
    # EDF+ readers (MNE) refuse annotations reaching past the last sample: end them there.
    end_s = n_samples / fs_hz
    events = [SessionEvent(e.onset_s, min(e.duration_s, max(end_s - e.onset_s, 0.0)), e.kind, e.text) for e in events]
    return sorted(events, key=lambda e: e.onset_s)


def session_recording(store: SessionStore, session_id: str, *, owner: int) -> tuple[Recording, list[SessionEvent]]:
    """A finished session of user ``owner`` as one continuous ``Recording`` and its events.

    Parameters
    ----------
    store : SessionStore
    session_id : str
    owner : int
        The user whose session it is; anyone else's is as unknown as one that never existed.

    Returns
    -------
    recording : Recording
        Every channel, shape (n_samples,) from sample 0 to the last recorded one, in its canonical unit;
        lost samples hold the last recorded value (the first one, before it). ``annotations`` are the events
        as EDF+ takes them (``SessionEvent.edf_text``); ``meta["start_datetime"]`` is the start, UTC.
    events : list of SessionEvent
        Cues, contractions, sensor gaps, warnings, problems and sensor events, by onset, whole texts.

    Raises
    ------
    ExportError
        No such session of hers, a session still running, fewer than 2 recorded samples, an unknown unit.
    """
    trace = _load(store, session_id, owner)
    events = _events(store, trace)
    n_samples = int(trace.index[-1]) + 1
    # Grid sample i takes the last recorded row at or before it (row 0 before the first).
    rows = np.maximum(np.searchsorted(trace.index, np.arange(n_samples), side="right") - 1, 0)
    created = trace.record.created_at
    start = (created.astimezone(UTC) if created.tzinfo else created).replace(tzinfo=None, microsecond=0)
    recording = Recording(
        fs_hz=trace.record.fs_hz,
        signals={name: np.ascontiguousarray(x[rows]) for name, x in trace.channels.items()},
        units=trace.units,
        annotations=tuple(Annotation(e.onset_s, e.duration_s, e.edf_text) for e in events),
        meta={"start_datetime": start.isoformat()},
    )
    return recording, events


def write_session_edf(store: SessionStore, session_id: str, *, owner: int, path: str | Path) -> Path:
    """Write a finished session as EDF+ (continuous, 16-bit samples, its events as annotations) to ``path``.

    Labels are the channel names, physical dimensions the canonical units (``cmH2O``, ``uV``, ``raw``); see
    ``session_recording`` for the samples and ``pelvicore.recordings.edf.write_edf`` for the file.

    Raises
    ------
    ExportError
        As ``session_recording``, or the session cannot be stored as EDF+ (e.g. its sampling rate).
    """
    recording, _ = session_recording(store, session_id, owner=owner)
    try:
        write_recording(recording, path)
    except RecordingError as exc:
        raise ExportError(f"session {session_id!r} cannot be exported as EDF+: {exc}") from exc
    return Path(path)


def session_edf(store: SessionStore, session_id: str, *, owner: int) -> bytes:
    """The EDF+ file of a finished session, as bytes (see ``write_session_edf``)."""
    with tempfile.TemporaryDirectory(prefix="pelvicore-edf-") as folder:
        return write_session_edf(store, session_id, owner=owner, path=Path(folder) / f"{session_id}.edf").read_bytes()


def events_csv(events: list[SessionEvent]) -> str:
    """Events as CSV text: ``onset_s,duration_s,kind,text``, one row each, times in s to 1 us."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EVENT_COLUMNS)
    writer.writerows([f"{e.onset_s:.6f}", f"{e.duration_s:.6f}", e.kind, e.text] for e in events)
    return buffer.getvalue()


def session_csv(store: SessionStore, session_id: str, *, owner: int) -> tuple[str, str]:
    """A finished session as two CSV texts: its trace and its events.

    Returns
    -------
    trace : str
        ``t_s`` then one ``<channel>_<unit>`` column each, as in her archive; a lost sample is a missing row
        (``pelvicore analyze`` fills it by holding the last value, as the EDF+ export does).
    events : str
        ``onset_s,duration_s,kind,text``: every cue, contraction, sensor gap, warning, problem, sensor event.

    Raises
    ------
    ExportError
        As ``session_recording``.
    """
    trace = _load(store, session_id, owner)
    events = _events(store, trace)
    return trace_csv(trace.record.fs_hz, trace.channels, trace.index, trace.units), events_csv(events)


def events_path(path: str | Path) -> Path:
    """Where the events of trace CSV ``path`` go: ``FILE.csv`` -> ``FILE.events.csv``."""
    p = Path(path)
    return p.with_name(p.stem + ".events.csv")


def write_session_csv(store: SessionStore, session_id: str, *, owner: int, path: str | Path) -> list[Path]:
    """Write a finished session's trace to ``path`` and its events beside it (``events_path``).

    Returns
    -------
    list of Path
        The trace file, then the events file.

    Raises
    ------
    ExportError
        As ``session_recording``, or a file cannot be written.
    """
    trace, events = session_csv(store, session_id, owner=owner)
    paths = [Path(path), events_path(path)]
    try:
        for p, text in zip(paths, (trace, events), strict=True):
            p.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"{exc.filename or path}: cannot write: {exc.strerror or exc}") from exc
    return paths
