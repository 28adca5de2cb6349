"""``SessionReads``: a person's recent sessions in a few queries, for views over many people (a clinician's list).

``SessionStore.get`` reads one session with its events; a dashboard row needs every session of the last weeks
with its contractions, and how many samples each stored. Here that is three queries whatever the number of
sessions, not one per session.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select

from pelvicore.store.errors import StoreError
from pelvicore.store.models import Chunk, Event, LiveSession, SessionStatus
from pelvicore.store.repository import SessionRecord, _record
from pelvicore.store.transactions import Transactions
from pelvicore.store.writes import CONTRACTION

#: At most this many sessions are read for one person's window: 3 sets a day for 60 days is 180.
MAX_SESSIONS: Final = 1000


class SessionReads(Transactions):
    """Read-only views of people's sessions on one SQLAlchemy engine; each method is one short transaction.

    Parameters
    ----------
    engine : Engine
        From ``make_engine``, with the schema brought up to date by ``migrate``.
    """

    def since(self, user_id: int, start: datetime, *, limit: int = MAX_SESSIONS) -> list[SessionRecord]:
        """Her sessions started at or after ``start`` (timezone-aware), newest first, at most ``limit``, each
        with its contractions (``cues`` are left empty). Two queries."""
        if start.tzinfo is None:
            raise StoreError(f"start must be timezone-aware (UTC), got {start!r}")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise StoreError(f"limit must be an integer >= 1, got {limit!r}")
        with self._read() as db:
            sessions = list(
                db.scalars(
                    select(LiveSession)
                    .where(LiveSession.user_id == user_id, LiveSession.created_at >= start)
                    .order_by(LiveSession.created_at.desc(), LiveSession.id)
                    .limit(limit)
                )
            )
            if not sessions:
                return []
            oldest = sessions[-1].created_at
            rows = db.execute(
                select(Event.session_id, Event.t_s, Event.payload)
                .join(LiveSession, LiveSession.id == Event.session_id)
                .where(
                    LiveSession.user_id == user_id,
                    LiveSession.created_at >= oldest,
                    Event.kind == CONTRACTION,
                )
                .order_by(Event.session_id, Event.seq)
            ).all()
        contractions: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for session_id, t_s, payload in rows:
            contractions[session_id].append({"t_s": t_s, **payload})
        return [_record(s, contractions.get(s.id, [])) for s in sessions]

    def samples_stored(self, user_id: int, session_ids: Collection[str]) -> dict[str, int]:
        """Samples stored (per channel) by each of her sessions in ``session_ids`` that stored any. One query."""
        if not session_ids:
            return {}
        with self._read() as db:
            rows = db.execute(
                select(Chunk.session_id, func.sum(Chunk.n_samples))
                .join(LiveSession, LiveSession.id == Chunk.session_id)
                .where(LiveSession.user_id == user_id, Chunk.session_id.in_(list(session_ids)))
                .group_by(Chunk.session_id)
            ).all()
        return {session_id: int(n) for session_id, n in rows if n}

    def latest(
        self,
        user_id: int,
        *,
        routines: Collection[str] | None = None,
        status: SessionStatus | None = None,
        before: datetime | None = None,
    ) -> SessionRecord | None:
        """Her latest session (of one of ``routines``, with ``status``, started before ``before``, when given),
        without its events. One query."""
        query = select(LiveSession).where(LiveSession.user_id == user_id)
        if before is not None:
            query = query.where(LiveSession.created_at < before)
        if routines is not None:
            query = query.where(LiveSession.routine.in_(list(routines)))
        if status is not None:
            query = query.where(LiveSession.status == status)
        with self._read() as db:
            session = db.scalars(query.order_by(LiveSession.created_at.desc(), LiveSession.id).limit(1)).first()
            return None if session is None else _record(session, [])


__all__ = ["MAX_SESSIONS", "SessionReads"]
