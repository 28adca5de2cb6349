"""``SessionStore``: record live sessions as they happen, and read them back."""

from __future__ import annotations

import math
import numbers
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from pelvicore.store.checks import check_positive, check_text, decode_chunk
from pelvicore.store.errors import StoreError
from pelvicore.store.json_values import to_json_object
from pelvicore.store.models import Chunk, Device, Event, LiveSession, SessionStatus, User, utc_now
from pelvicore.store.writes import CONTRACTION, SessionWrites

CUE: Final = "cue"
"""The event kind of every cue a session gave (``t_s``, ``action``, ``text``, ``step``, ``duration_s``)."""


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A stored session. ``contractions`` and ``cues`` hold ``{"t_s": ..., **payload}`` of each contraction and
    cue event, in order (``get`` fills them; lists leave them empty)."""

    id: str
    user_id: int
    source: str
    profile: str | None
    routine: str
    speed: float
    status: SessionStatus
    created_at: datetime
    ended_at: datetime | None
    fs_hz: float
    units: dict[str, str]
    summary: dict[str, Any] | None
    contraction_count: int
    contractions: list[dict[str, Any]] = field(default_factory=list)
    seed: int | None = None
    end_reason: str | None = None
    cues: list[dict[str, Any]] = field(default_factory=list)
    steps: dict[str, Any] | None = None
    live_view: bool = False
    recorded_by: str | None = None


class SessionStore(SessionWrites):
    """Users, live sessions, their signal chunks and events, on one SQLAlchemy engine.

    Each method is one short transaction of its own, so a store may be shared by threads
    (the engine's connection pool hands each call its own connection).

    Parameters
    ----------
    engine : Engine
        From ``make_engine``, with the schema brought up to date by ``migrate``.
    """

    def ensure_user(self, name: str = "local") -> int:
        """Return the id of the user called ``name``, creating it if needed."""
        check_text("user name", name, 200)
        for _attempt in range(2):
            with self._read() as db:
                user_id = db.scalar(select(User.id).where(User.name == name))
            if user_id is not None:
                return user_id
            try:
                with self._write() as db:
                    user = User(name=name)
                    db.add(user)
                    db.flush()
                    return user.id
            except IntegrityError:  # created by someone else meanwhile: read it on the next attempt
                continue
        raise StoreError(f"cannot create user {name!r}")

    def create_session(
        self,
        user_id: int,
        *,
        source: str,
        profile: str | None,
        routine: str,
        speed: float,
        fs_hz: float,
        units: Mapping[str, str],
        seed: int | None = None,
        steps: Mapping[str, Any] | None = None,
        recorded_by: str | None = None,
        worker: str | None = None,
    ) -> str:
        """Start a ``running`` session and return its id (a uuid4 hex string).

        ``units`` maps each channel name to its unit; its order is the order of the channels in stored chunks;
        ``recorded_by`` names the clinician who records it with her in the clinic; ``worker``, the server
        process that runs it.
        """
        for what, text in (("source", source), ("routine", routine), ("profile", profile)):
            if text is not None or what != "profile":
                check_text(what, text, 100)
        check_positive("fs_hz", fs_hz, "Hz")
        check_positive("speed", speed, "")
        if not units or not all(isinstance(k, str) and isinstance(v, str) for k, v in units.items()):
            raise StoreError(f"units must map at least one channel name to a unit string, got {units!r}")
        session_id = uuid.uuid4().hex
        with self._write() as db:
            if db.get(User, user_id) is None:
                raise StoreError(f"unknown user id {user_id!r}")
            db.add(
                LiveSession(
                    id=session_id,
                    user_id=user_id,
                    source=source,
                    profile=profile,
                    routine=routine,
                    speed=float(speed),
                    status="running",
                    fs_hz=float(fs_hz),
                    units=dict(units),
                    contraction_count=0,
                    seed=seed,
                    steps=None if steps is None else to_json_object(steps, f"session {session_id}: steps"),
                    recorded_by=None if recorded_by is None else recorded_by[:254],
                    worker_id=worker,
                )
            )
        return session_id

    def worker_of(self, session_id: str) -> str | None:
        """The server process that runs this session (None: not running, or run before workers were named)."""
        with self._read() as db:
            return db.scalar(
                select(LiveSession.worker_id).where(LiveSession.id == session_id[:64], LiveSession.status == "running")
            )

    def owner_of(self, session_id: str) -> int | None:
        """Whose session this is (None: there is no such session); for tools run by the server's operator."""
        with self._read() as db:
            return db.scalar(select(LiveSession.user_id).where(LiveSession.id == session_id[:64]))

    def get(self, session_id: str, *, owner: int) -> SessionRecord | None:
        """The session with this id of user ``owner``, with its contractions; None if she has none such."""
        with self._read() as db:
            session = db.get(LiveSession, session_id)
            if session is None or session.user_id != owner:
                return None
            rows = db.execute(
                select(Event.kind, Event.t_s, Event.payload)
                .where(Event.session_id == session_id, Event.kind.in_((CONTRACTION, CUE)))
                .order_by(Event.seq)
            ).all()
            contractions = [{"t_s": t_s, **payload} for kind, t_s, payload in rows if kind == CONTRACTION]
            cues = [{"t_s": t_s, **payload} for kind, t_s, payload in rows if kind == CUE]
            return _record(session, contractions, cues)

    def get_events(self, session_id: str, *, owner: int, kind: str | None = None) -> list[dict[str, Any]]:
        """A session's events as ``{"kind", "t_s", **payload}`` dicts in order, optionally of one kind only."""
        query = select(Event.kind, Event.t_s, Event.payload).where(Event.session_id == session_id)
        if kind is not None:
            query = query.where(Event.kind == kind)
        with self._read() as db:
            self._existing(db, session_id, owner=owner)
            rows = db.execute(query.order_by(Event.seq))
            return [{"kind": k, "t_s": t_s, **payload} for k, t_s, payload in rows]

    def list_sessions(self, user_id: int, limit: int = 50) -> list[SessionRecord]:
        """A user's sessions, newest first, at most ``limit``; ``contractions`` is left empty (see ``get``)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise StoreError(f"limit must be an integer >= 1, got {limit!r}")
        with self._read() as db:
            sessions = db.scalars(
                select(LiveSession)
                .where(LiveSession.user_id == user_id)
                .order_by(LiveSession.created_at.desc(), LiveSession.id)
                .limit(limit)
            )
            return [_record(session, []) for session in sessions]

    def load_trace(
        self, session_id: str, *, owner: int
    ) -> tuple[float, dict[str, npt.NDArray[np.float64]], npt.NDArray[np.int64]]:
        """Read the whole signal of a session of user ``owner``.

        Returns
        -------
        fs_hz : float
            Sampling rate, Hz.
        channels : dict of str to ndarray, shape (n_samples,)
            Every channel, chunks concatenated in the order they were appended, in the order of ``units``.
        sample_index : ndarray of int64, shape (n_samples,)
            The sample number of each sample; a jump larger than 1 is a gap.
        """
        with self._read() as db:
            session = self._existing(db, session_id, owner=owner)
            rows = db.execute(
                select(Chunk.first_index, Chunk.n_samples, Chunk.data)
                .where(Chunk.session_id == session_id)
                .order_by(Chunk.seq)
            ).all()
        names = list(session.units)
        blocks = [decode_chunk(session_id, seq, len(names), n, data) for seq, (_, n, data) in enumerate(rows)]
        if blocks:
            samples = np.concatenate(blocks, axis=1)
            index = np.concatenate([np.arange(first, first + n, dtype=np.int64) for first, n, _ in rows])
        else:
            samples = np.empty((len(names), 0))
            index = np.empty(0, dtype=np.int64)
        return session.fs_hz, {name: samples[i] for i, name in enumerate(names)}, index

    # -- trainers and their calibration -------------------------------------------------------------
    def get_calibration(self, user_id: int, profile: str, key: str) -> DeviceCalibration | None:
        """The stored calibration of the trainer (``profile``, ``key``: address or name), if it has one."""
        with self._read() as db:
            device = db.scalars(
                select(Device).where(Device.user_id == user_id, Device.profile == profile, Device.key == key)
            ).first()
            if device is None or device.mvc is None or device.rest is None or device.unit is None:
                return None
            return DeviceCalibration(profile, key, device.rest, device.mvc, device.unit, device.calibrated_at)

    def save_calibration(self, user_id: int, profile: str, key: str, *, rest: float, mvc: float, unit: str) -> None:
        """Store (or replace) a trainer's calibration: rest level and maximum above rest, in ``unit``."""
        check_text("profile", profile, 100)
        check_text("device key", key, 200)
        check_text("unit", unit, 20)
        check_positive("mvc", mvc, unit)
        if isinstance(rest, bool) or not isinstance(rest, numbers.Real) or not math.isfinite(rest):
            raise StoreError(f"rest must be a finite number, got {rest!r}")
        with self._write() as db:
            device = db.scalars(
                select(Device).where(Device.user_id == user_id, Device.profile == profile, Device.key == key)
            ).first()
            if device is None:
                device = Device(user_id=user_id, profile=profile, key=key)
                db.add(device)
            device.rest, device.mvc, device.unit, device.calibrated_at = float(rest), float(mvc), unit, utc_now()

    def forget_calibration(self, user_id: int, profile: str, key: str) -> bool:
        """Drop a trainer's calibration (readings show as raw again); ``False`` if it had none."""
        with self._write() as db:
            result = db.execute(
                delete(Device).where(Device.user_id == user_id, Device.profile == profile, Device.key == key)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def list_devices(self, user_id: int) -> list[DeviceCalibration]:
        with self._read() as db:
            rows = db.scalars(select(Device).where(Device.user_id == user_id).order_by(Device.profile, Device.key))
            return [DeviceCalibration(d.profile, d.key, d.rest, d.mvc, d.unit, d.calibrated_at) for d in rows]

    def delete_session(self, session_id: str, *, owner: int) -> None:
        """Delete a session of user ``owner`` with its chunks and events."""
        with self._write() as db:
            self._existing(db, session_id, owner=owner)
            db.execute(delete(Chunk).where(Chunk.session_id == session_id))
            db.execute(delete(Event).where(Event.session_id == session_id))
            db.execute(delete(LiveSession).where(LiveSession.id == session_id))


def _record(
    session: LiveSession, contractions: list[dict[str, Any]], cues: list[dict[str, Any]] | None = None
) -> SessionRecord:
    return SessionRecord(
        id=session.id,
        user_id=session.user_id,
        source=session.source,
        profile=session.profile,
        routine=session.routine,
        speed=session.speed,
        status=session.status,
        created_at=session.created_at,
        ended_at=session.ended_at,
        fs_hz=session.fs_hz,
        units=dict(session.units),
        summary=session.summary,
        contraction_count=session.contraction_count,
        contractions=contractions,
        seed=session.seed,
        end_reason=session.end_reason,
        cues=cues or [],
        steps=session.steps,
        live_view=session.live_view,
        recorded_by=session.recorded_by,
    )


@dataclass(frozen=True, slots=True)
class DeviceCalibration:
    """A trainer's calibration: ``rest`` level and ``mvc`` (maximum voluntary contraction above rest)."""

    profile: str
    key: str
    rest: float | None
    mvc: float | None
    unit: str | None
    calibrated_at: datetime | None

    def percent_of_max(self, rise: float) -> float | None:
        return None if not self.mvc else round(100.0 * rise / self.mvc, 1)
