"""What crosses Redis between workers: its keys and channels, the lines of live messages, and how a page on one
worker catches up with a session another worker runs (``redis_fanout.py`` uses them)."""

from __future__ import annotations

from typing import Final

import orjson

from pelvicore.sessions.fanout import Subscription

PREFIX: Final = "pelvicore:"
ENDED_CHANNEL: Final = f"{PREFIX}ended"
"""Where a worker that finds a dead worker's sessions says they ended, for every worker's pages."""
KEEP_AFTER_END_S: Final = 120
"""How long a finished session's events stay in Redis for a page that connects just after its end."""
KEEP_LIVE_S: Final = 24 * 3600
"""A bound on how long a running session's keys live if its worker vanishes."""
RECONNECT: Final = orjson.dumps({"type": "reconnect", "text": "The live link between servers was lost."}).decode()


def keys(session_id: str) -> tuple[str, str, str]:
    """A session's recent frames, its events, and the worker that runs it."""
    base = f"{PREFIX}session:{session_id}"
    return f"{base}:frames", f"{base}:events", f"{base}:worker"


def control_channel(worker_id: str) -> str:
    return f"{PREFIX}worker:{worker_id}"


def live_channel(worker_id: str) -> str:
    return f"{PREFIX}worker:{worker_id}:live"


def packet(seq: int, kind: str, text: str) -> str:
    return f"{seq} {kind} {text}"


def unpack(data: bytes | str) -> tuple[int, str, str]:
    text = data.decode() if isinstance(data, bytes) else data
    seq, kind, body = text.split(" ", 2)
    return int(seq), kind, body


class Watcher:
    """One page on this worker watching a session another worker runs: holds live messages until its history
    is in, then passes on only what is newer."""

    def __init__(self) -> None:
        self.subscription = Subscription()
        self.held: list[tuple[int, str, str]] | None = []
        self.last_seq = 0

    def live(self, seq: int, kind: str, text: str) -> None:
        if self.held is not None:
            self.held.append((seq, kind, text))
        elif seq > self.last_seq:
            self.last_seq = seq
            self.subscription.offer(kind, text)

    def caught_up(self, history: list[tuple[int, str, str]]) -> None:
        for seq, kind, text in sorted([*history, *(self.held or [])]):
            if seq > self.last_seq:
                self.last_seq = seq
                self.subscription.offer(kind, text)
        self.held = None

    def reconnect(self) -> None:
        """Redis went away: the page reconnects and starts again."""
        self.held = None
        self.subscription.offer("reconnect", RECONNECT)
