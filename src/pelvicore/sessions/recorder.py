"""The recorder: one writer for every live session of the server.

Runners hand over every frame and event as it comes (``add_frame``, ``add_event``); every ``flush_s`` (1 s) the
recorder writes what every session handed over in one transaction, through one thread hop. A crash loses at most
the last tick's: about a second.

Each write is fenced: it only goes to sessions that are still running on this server process (``worker``). A
session that ended elsewhere, was deleted, or was taken over by another worker (this one was taken for dead and
the session resumed there) takes nothing more from here, and ``on_lost`` tells this process to let it go.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import numpy as np

from pelvicore.sessions.fanout import Message
from pelvicore.signal.frames import Frame, join_frames
from pelvicore.store.errors import SessionNotHeld, StoreError
from pelvicore.store.repository import SessionStore
from pelvicore.store.writes import SessionRows

logger = logging.getLogger(__name__)


class Recorder:
    """Batches every session's samples and events into one write per tick."""

    def __init__(
        self, store: SessionStore, *, flush_s: float = 1.0, worker: str | None = None,
        on_lost: Callable[[str, SessionNotHeld], None] | None = None,
    ) -> None:  # fmt: skip
        self.store = store
        self.flush_s = flush_s
        self.worker = worker
        self.on_lost = on_lost
        self._frames: dict[str, list[Frame]] = {}
        self._events: dict[str, list[Message]] = {}
        self._pending: dict[str, SessionRows] = {}  # rows of a write that failed, first in line for the next
        self._problems: dict[str, StoreError] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def add_frame(self, session_id: str, frame: Frame) -> None:
        """Queue a session's frame for the next write."""
        self._frames.setdefault(session_id, []).append(frame)
        self._tick()

    def add_event(self, session_id: str, event: Message) -> None:
        """Queue a session's event (``kind``, ``t_s`` and its fields) for the next write."""
        self._events.setdefault(session_id, []).append(event)
        self._tick()

    def _tick(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._ticks(), name="recorder")

    def _take(self, session_id: str | None) -> list[SessionRows]:
        """What is queued (for one session, or all) as rows to write: one chunk per unbroken run of frames."""
        ids = set(self._frames) | set(self._events) | set(self._pending) if session_id is None else {session_id}
        batch = []
        for sid in ids:
            rows = self._pending.pop(sid, None) or SessionRows(sid)
            rows.chunks += _runs(self._frames.pop(sid, []))
            rows.events += [{k: v for k, v in e.items() if k != "type"} for e in self._events.pop(sid, [])]
            if rows.chunks or rows.events:
                batch.append(rows)
        return batch

    async def flush(self, session_id: str | None = None) -> None:
        """Write now what is queued (for one session, or all); ``StoreError`` if that session's rows were refused."""
        async with self._lock:
            batch = self._take(session_id)
            if batch:
                try:
                    problems = await asyncio.to_thread(self.store.append_batch, batch, worker=self.worker)
                except BaseException:
                    for rows in batch:  # nothing is lost: the rows go back, first in line
                        self._pending[rows.session_id] = rows
                    raise
                for sid, problem in problems.items():
                    if isinstance(problem, SessionNotHeld) and self.on_lost is not None:
                        self.on_lost(sid, problem)
                    else:
                        self._problems[sid] = problem
        if session_id is not None and session_id in self._problems:
            raise self._problems.pop(session_id)

    async def _ticks(self) -> None:
        while self._frames or self._events or self._pending:
            await asyncio.sleep(self.flush_s)
            try:
                await self.flush()
            except Exception:  # the next tick tries again; each session learns of its own problems at its end
                logger.exception("the recorder could not write this tick")

    async def close(self) -> None:
        """Write what is left and stop."""
        await self.flush()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _runs(frames: list[Frame]) -> list[tuple[int, dict[str, np.ndarray]]]:
    """One chunk per unbroken run of frames (a gap starts a new one)."""
    runs: list[list[Frame]] = []
    for frame in frames:
        if runs and frame.index == runs[-1][-1].index + runs[-1][-1].n_samples:
            runs[-1].append(frame)
        else:
            runs.append([frame])
    return [(run[0].index, join_frames(run).channels) for run in runs]
