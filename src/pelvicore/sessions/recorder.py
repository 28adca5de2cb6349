"""The recorder: one writer for every live session of the server.

Runners hand over their new frames and events (``add``) as they go; every ``flush_s`` the recorder writes what
every session handed over in one transaction, through one thread hop. A crash loses at most what was handed
over in the last tick plus what a runner held (``flush_s`` each): about a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import numpy as np

from pelvicore.sessions.fanout import Message
from pelvicore.signal.frames import Frame
from pelvicore.store.errors import StoreError
from pelvicore.store.repository import SessionStore
from pelvicore.store.writes import SessionRows

logger = logging.getLogger(__name__)


class Recorder:
    """Batches every session's samples and events into one write per tick."""

    def __init__(self, store: SessionStore, *, flush_s: float = 0.5) -> None:
        self.store = store
        self.flush_s = flush_s
        self._pending: dict[str, SessionRows] = {}
        self._problems: dict[str, StoreError] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def add(self, session_id: str, frames: list[Frame], events: list[Message]) -> None:
        """Queue a session's new frames (one chunk per unbroken run) and events for the next write."""
        if not frames and not events:
            return
        rows = self._pending.setdefault(session_id, SessionRows(session_id))
        rows.chunks += _runs(frames)
        rows.events += [{k: v for k, v in e.items() if k != "type"} for e in events]
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._ticks(), name="recorder")

    async def flush(self, session_id: str | None = None) -> None:
        """Write now what is queued (for one session, or all); ``StoreError`` if that session's rows were refused."""
        async with self._lock:
            if session_id is None:
                batch, self._pending = list(self._pending.values()), {}
            else:
                one = self._pending.pop(session_id, None)
                batch = [] if one is None else [one]
            if batch:
                try:
                    self._problems |= await asyncio.to_thread(self.store.append_batch, batch)
                except BaseException:
                    for rows in reversed(batch):  # nothing is lost: the rows go back, first in line
                        later = self._pending.pop(rows.session_id, None)
                        if later is not None:
                            rows.chunks += later.chunks
                            rows.events += later.events
                        self._pending[rows.session_id] = rows
                    raise
        if session_id is not None and session_id in self._problems:
            raise self._problems.pop(session_id)

    async def _ticks(self) -> None:
        while self._pending:
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
    return [(run[0].index, {n: np.concatenate([f.channels[n] for f in run]) for n in run[0].channels}) for run in runs]
