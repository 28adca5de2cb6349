"""Leases: a worker holds its live sessions while it writes a heartbeat; when it stops beating (killed, its
machine gone), a surviving worker marks its sessions ``interrupted`` — every sample written stays, and any worker
can resume them — and tells the pages that watch them.

Timing: a beat every ``BEAT_S``; a worker silent for ``STALE_S`` is dead, so a killed worker's sessions end
within about ``STALE_S + BEAT_S`` seconds. Every time is the database's clock, so the workers' machines need not
agree on the time. A worker judges others only after it has itself beaten without a break for ``STALE_S``: after
the database was away (a restart, a failover) every worker's last beat is old, and the first one back must not
take the others for dead.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from pelvicore.sessions.redis_fanout import RedisFanout
from pelvicore.store.repository import SessionStore
from pelvicore.store.workers import WorkerStore

log = logging.getLogger(__name__)

BEAT_S: Final = 2.0
STALE_S: Final = 8.0
REASON: Final = "the server process running it stopped"


def this_process() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


class Leases:
    """This worker's heartbeat, and the sweep that ends the sessions of workers that stopped beating."""

    def __init__(
        self, store: SessionStore, worker_id: str, fanout: RedisFanout, *, beat_s: float = BEAT_S,
        stale_s: float = STALE_S, on_taken_for_dead: Callable[[], None] | None = None,
    ) -> None:  # fmt: skip
        self.store = store
        self.workers = WorkerStore(store.engine)
        self.worker_id = worker_id
        self.fanout = fanout
        self.beat_s = beat_s
        self.stale_s = stale_s
        self._task: asyncio.Task[None] | None = None
        self._beating_since: datetime | None = None  # the database's time of the first of unbroken beats
        self._registered = False
        #: Called when this worker finds it was taken for dead (its sessions were ended by another worker).
        self.on_taken_for_dead = on_taken_for_dead

    async def start(self) -> None:
        """Beat once (so this worker counts as alive at once), then keep beating; what dead workers left is
        ended once this worker has beaten for ``stale_s``."""
        await self._beat()
        self._task = asyncio.create_task(self._run(), name="leases")

    async def stop(self) -> None:
        """After this worker's sessions have ended: stop beating and leave."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.to_thread(self.workers.leave, self.worker_id)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.beat_s)
            try:
                now = await self._beat()
                assert self._beating_since is not None
                if now - self._beating_since >= timedelta(seconds=self.stale_s):
                    await self.sweep()
            except Exception:  # a database hiccup: try again at the next beat, never stop beating
                self._beating_since = None
                log.exception("heartbeat or sweep failed; trying again in %.0f s", self.beat_s)

    async def _beat(self) -> datetime:
        now, known = await asyncio.to_thread(self.workers.beat, self.worker_id, this_process())
        if self._registered and not known:
            # Silent too long (stopped, starved, cut off): another worker ended this one's sessions. Those still
            # running here are no longer this worker's, even those with nothing to write (paused).
            log.warning("this worker was taken for dead: letting go of the sessions it was running")
            if self.on_taken_for_dead is not None:
                self.on_taken_for_dead()
        self._registered = True
        if self._beating_since is None or now - self._beating_since < timedelta(0):
            self._beating_since = now
        return now

    async def sweep(self) -> list[str]:
        """Mark ``interrupted`` the sessions of workers silent for ``stale_s`` (and of none); their ids."""

        def sweep() -> list[str]:
            stale_before = self.workers.now() - timedelta(seconds=self.stale_s)
            ended = self.store.interrupt_running(stale_before=stale_before, reason=REASON)
            gone = self.workers.forget_stale(stale_before)
            if gone:
                log.warning("workers %s stopped beating", ", ".join(gone))
            return ended

        ended = await asyncio.to_thread(sweep)
        for session_id in ended:
            log.warning("session %s interrupted: %s", session_id, REASON)
            try:
                await self.fanout.publish_end(session_id, {"type": "end", "status": "interrupted", "reason": REASON})
            except Exception:  # the pages reconnect and read the stored session
                log.exception("could not tell the watchers of session %s that it ended", session_id)
        return ended
