"""What a live session writes as it runs: samples, events, its end; and what start-up does to sessions a crash
left running. ``SessionStore`` adds reading, making and deleting sessions to these."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, get_args

import numpy as np
import numpy.typing as npt
from sqlalchemy import ScalarSelect, func, insert, or_, select, update
from sqlalchemy.orm import Session

from pelvicore.store.checks import SAMPLE_DTYPE, as_samples, check_positive, event_fields
from pelvicore.store.errors import SessionNotHeld, StoreError, UnknownSessionError
from pelvicore.store.json_values import to_json_object
from pelvicore.store.models import Chunk, EndStatus, Event, LiveSession, Worker, utc_now
from pelvicore.store.transactions import Transactions

CONTRACTION: Final = "contraction"
"""The event kind whose payloads make up ``SessionRecord.contractions`` and ``contraction_count``."""


@dataclass(slots=True)
class SessionRows:
    """What one session has to write: chunks (first sample number, channel -> samples) and events, in order."""

    session_id: str
    chunks: list[tuple[int, dict[str, npt.NDArray[np.float64]]]] = field(default_factory=list)
    events: list[Mapping[str, Any]] = field(default_factory=list)


class SessionWrites(Transactions):
    def append_chunk(
        self, session_id: str, first_index: int | np.integer[Any], channels: Mapping[str, npt.ArrayLike]
    ) -> None:
        """Store samples ``first_index, first_index + 1, ...`` of every channel of a running session.

        Parameters
        ----------
        channels : mapping of str to array, shape (n_samples,)
            One array per channel of the session (the keys of its ``units``), all the same length.
            NaN marks a missing sample. An empty chunk stores nothing.
        """
        if isinstance(first_index, bool) or not isinstance(first_index, int | np.integer) or first_index < 0:
            raise StoreError(f"first_index must be a sample number >= 0, got {first_index!r}")
        arrays = {name: as_samples(name, values) for name, values in channels.items()}
        lengths = {name: a.size for name, a in arrays.items()}
        if len(set(lengths.values())) > 1:
            raise StoreError(f"session {session_id}: channels must have equal lengths, got {lengths}")
        n_samples = next(iter(lengths.values()), 0)
        with self._write() as db:
            session = self._running(db, session_id)
            if set(arrays) != set(session.units):
                raise StoreError(
                    f"session {session_id}: chunk channels {sorted(arrays)} differ from the session's "
                    f"channels {list(session.units)}"
                )
            if n_samples == 0:
                return
            data = np.concatenate([arrays[name] for name in session.units]).astype(SAMPLE_DTYPE, copy=False)
            db.add(
                Chunk(
                    session_id=session_id,
                    seq=_next_seq(db, Chunk, session_id),
                    first_index=int(first_index),
                    n_samples=n_samples,
                    data=data.tobytes(),
                )
            )

    def append_events(self, session_id: str, events: Sequence[Mapping[str, Any]]) -> None:
        """Store events of a running session, in order.

        Each event has ``"kind"`` (str: ``"contraction"``, ``"cue"``, ``"warning"``, ``"problem"``...) and
        ``"t_s"`` (seconds into the session); every other key goes to its JSON payload, where NumPy values
        become plain numbers and lists, and NaN or infinite numbers become null.
        """
        rows = [event_fields(session_id, event) for event in events]
        if not rows:
            return
        with self._write() as db:
            session = self._running(db, session_id)
            seq = _next_seq(db, Event, session_id)
            for offset, (kind, t_s, payload) in enumerate(rows):
                db.add(Event(session_id=session_id, seq=seq + offset, kind=kind, t_s=t_s, payload=payload))
            session.contraction_count += sum(kind == CONTRACTION for kind, _, _ in rows)

    def append_batch(self, batch: Sequence[SessionRows], *, worker: str | None = None) -> dict[str, StoreError]:
        """Write many sessions' chunks and events in one transaction (one writer for the whole server).

        A session that cannot take them (bad values; ``SessionNotHeld``: not running, or, with ``worker``, run
        by another server process) is left out and named in the result with why; the others are written.
        """
        problems: dict[str, StoreError] = {}
        checked: list[tuple[SessionRows, list[tuple[int, dict[str, Any], int]], list[tuple[str, float, Any]]]] = []
        for rows in batch:
            try:
                chunks = [_checked_chunk(rows.session_id, first, channels) for first, channels in rows.chunks]
                events = [event_fields(rows.session_id, event) for event in rows.events]
            except StoreError as exc:
                problems[rows.session_id] = exc
                continue
            checked.append((rows, chunks, events))
        if not checked:
            return problems
        ids = [rows.session_id for rows, _, _ in checked]
        with self._write() as db:
            # A handful of statements for the whole batch, however many sessions it holds.
            # Only the columns needed (not the stored routine or summary, decoded for nothing every tick).
            # The last sequence numbers as one index seek per session (a GROUP BY over the IN list would read
            # every row of every session, each tick, more as sessions grow).
            found = db.execute(
                select(
                    LiveSession.id,
                    LiveSession.status,
                    LiveSession.worker_id,
                    LiveSession.units,
                    _last_seq(Chunk),
                    _last_seq(Event),
                )
                .where(LiveSession.id.in_(ids))
                .with_for_update(of=LiveSession)
            )
            sessions: dict[str, tuple[Any, Any, Any]] = {}
            last_chunk: dict[str, int] = {}
            last_event: dict[str, int] = {}
            for session_id, status, held_by, units, chunk_seq, event_seq in found:
                sessions[session_id] = (status, held_by, units)
                last_chunk[session_id] = -1 if chunk_seq is None else chunk_seq
                last_event[session_id] = -1 if event_seq is None else event_seq
            chunk_rows: list[dict[str, Any]] = []
            event_rows: list[dict[str, Any]] = []
            now = utc_now()
            for rows, chunks, events in checked:
                status, held_by, units = sessions.get(rows.session_id, (None, None, {}))
                if status != "running" or (worker is not None and held_by != worker):
                    problems[rows.session_id] = _not_held(rows.session_id, status)
                    continue
                if any(set(arrays) != set(units) for _, arrays, _ in chunks):
                    problems[rows.session_id] = StoreError(f"session {rows.session_id}: chunk channels differ")
                    continue
                seq = last_chunk.get(rows.session_id, -1) + 1
                for first, arrays, n in chunks:
                    if n:
                        data = np.concatenate([arrays[name] for name in units]).astype(SAMPLE_DTYPE)
                        chunk_rows.append(
                            {"session_id": rows.session_id, "seq": seq, "first_index": first, "n_samples": n,
                             "data": data.tobytes(), "created_at": now}
                        )  # fmt: skip
                        seq += 1
                seq = last_event.get(rows.session_id, -1) + 1
                for offset, (kind, t_s, payload) in enumerate(events):
                    event_rows.append(
                        {"session_id": rows.session_id, "seq": seq + offset, "kind": kind, "t_s": t_s,
                         "payload": payload, "created_at": now}
                    )  # fmt: skip
                contractions = sum(kind == CONTRACTION for kind, _, _ in events)
                if contractions:
                    db.execute(
                        update(LiveSession)
                        .where(LiveSession.id == rows.session_id)
                        .values(contraction_count=LiveSession.contraction_count + contractions)
                    )
            # Plain executemany on the connection: the ORM's bulk path costs more per row and adds nothing here.
            connection = db.connection()
            if chunk_rows:
                connection.execute(insert(Chunk), chunk_rows)
            if event_rows:
                connection.execute(insert(Event), event_rows)
        return problems

    def finish(
        self,
        session_id: str,
        status: EndStatus,
        summary: Mapping[str, Any] | None,
        *,
        reason: str | None = None,
        worker: str | None = None,
    ) -> None:
        """End a running session now as ``completed``, ``stopped``, ``interrupted`` or ``failed`` (``reason``:
        why, in a line), with its summary (JSON, as events); with ``worker``, only if that server process runs
        it (else ``SessionNotHeld``)."""
        if status not in get_args(EndStatus):
            raise StoreError(f"a session finishes as one of {', '.join(get_args(EndStatus))}, got {status!r}")
        stored_summary = None if summary is None else to_json_object(summary, f"session {session_id}: summary")
        with self._write() as db:
            session = self._running(db, session_id)
            if worker is not None and session.worker_id != worker:
                raise _not_held(session_id, session.status)
            session.status = status
            session.ended_at = utc_now()
            session.summary = stored_summary
            session.end_reason = None if reason is None else reason[:300]

    def set_sampling_rate(self, session_id: str, fs_hz: float) -> None:
        """The rate of a running session's sensor, measured once it streams (before any sample is stored)."""
        check_positive("fs_hz", fs_hz, "Hz")
        with self._write() as db:
            session = self._running(db, session_id)
            session.fs_hz = fs_hz

    def reopen(self, session_id: str, *, worker: str | None = None) -> None:
        """Let an ``interrupted`` session take data again (``running``), to resume it where it stopped, on
        ``worker`` (the server process that runs it now)."""
        with self._write() as db:
            session = db.get(LiveSession, session_id, with_for_update=True)
            if session is None:
                raise UnknownSessionError(f"no session {session_id!r}")
            if session.status != "interrupted":
                raise StoreError(f"session {session_id} is {session.status}: only an interrupted session resumes")
            session.status = "running"
            session.ended_at = None
            session.end_reason = None
            session.worker_id = worker

    def interrupt_running(self, *, stale_before: datetime | None = None, reason: str | None = None) -> list[str]:
        """Mark ``running`` sessions ``interrupted`` and return their ids: every one (one server process starting
        after a crash), or with ``stale_before`` only those whose worker's last heartbeat is older than that, or
        that no live worker holds (several processes sharing the database).

        Each one's ``ended_at`` is the time of its last chunk or event (or its start, if it has neither); every
        sample written stays.
        """
        last_chunk = select(func.max(Chunk.created_at)).where(Chunk.session_id == LiveSession.id).scalar_subquery()
        last_event = select(func.max(Event.created_at)).where(Event.session_id == LiveSession.id).scalar_subquery()
        query = select(LiveSession.id, LiveSession.created_at, last_chunk, last_event).where(
            LiveSession.status == "running"
        )
        if stale_before is not None:
            alive = select(Worker.id).where(Worker.heartbeat_at >= stale_before)
            query = query.where(or_(LiveSession.worker_id.is_(None), LiveSession.worker_id.not_in(alive)))
        with self._write() as db:
            rows = db.execute(query.order_by(LiveSession.created_at).with_for_update(of=LiveSession)).all()
            for session_id, *times in rows:
                ended_at = max(t for t in times if t is not None)
                db.execute(
                    update(LiveSession)
                    .where(LiveSession.id == session_id)
                    .values(status="interrupted", ended_at=ended_at, end_reason=reason)
                )
        return [session_id for session_id, *_ in rows]

    @staticmethod
    def _existing(db: Session, session_id: str, *, lock: bool = False, owner: int | None = None) -> LiveSession:
        # ``owner`` None: the recorder writing a session it runs; readers always name the owner, and someone
        # else's session is as unknown to them as one that never existed.
        session = db.get(LiveSession, session_id, with_for_update=lock)
        if session is None or (owner is not None and session.user_id != owner):
            raise UnknownSessionError(f"no session with id {session_id!r}")
        return session

    @classmethod
    def _running(cls, db: Session, session_id: str) -> LiveSession:
        # The row lock serialises writers of one session on PostgreSQL (SQLite's BEGIN IMMEDIATE already does),
        # so the max(seq) + 1 each computes is free.
        session = cls._existing(db, session_id, lock=True)
        if session.status != "running":
            raise _not_held(session_id, session.status)
        return session


def _not_held(session_id: str, status: str | None) -> SessionNotHeld:
    if status is None:
        return SessionNotHeld(f"session {session_id} no longer exists")
    if status != "running":
        return SessionNotHeld(f"session {session_id} is {status}, not running: it takes no more data")
    return SessionNotHeld(f"session {session_id} is run by another server process now")


def _next_seq(db: Session, table: type[Chunk] | type[Event], session_id: str) -> int:
    last = db.scalar(select(func.max(table.seq)).where(table.session_id == session_id))
    return 0 if last is None else last + 1


def _last_seq(table: type[Chunk] | type[Event]) -> ScalarSelect[int | None]:
    """The session's last ``seq`` in ``table`` (None before the first row), for a query over sessions."""
    query = select(table.seq).where(table.session_id == LiveSession.id).order_by(table.seq.desc()).limit(1)
    return query.scalar_subquery()


def _checked_chunk(
    session_id: str, first_index: int, channels: Mapping[str, npt.ArrayLike]
) -> tuple[int, dict[str, Any], int]:
    if isinstance(first_index, bool) or not isinstance(first_index, int | np.integer) or first_index < 0:
        raise StoreError(f"first_index must be a sample number >= 0, got {first_index!r}")
    arrays = {name: as_samples(name, values) for name, values in channels.items()}
    lengths = {a.size for a in arrays.values()}
    if len(lengths) > 1:
        raise StoreError(f"session {session_id}: channels must have equal lengths, got {sorted(lengths)}")
    return int(first_index), arrays, next(iter(lengths), 0)
