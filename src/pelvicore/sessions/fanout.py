"""Fan-out: a live session's messages to every page that watches it.

``Fanout`` is the interface the runner publishes to and WebSockets subscribe from; ``LocalFanout`` carries it
inside one process; ``redis_fanout.RedisFanout`` carries it between worker processes.

For each subscriber the order of messages is kept; cues, contractions, warnings and ``end`` are never dropped;
frames are shed oldest-first when a page falls more than ``max_frames`` behind. Each message is written as JSON
once, however many pages watch. A late subscriber gets every event so far (the last ``max_events``) and the last
few seconds of frames, in their order.
"""

from __future__ import annotations

import asyncio
import heapq
from collections import deque
from collections.abc import AsyncIterator
from typing import Any, Final, Protocol

import orjson

Message = dict[str, Any]
Item = tuple[int, str, str]  # (sequence number, message type, JSON text)

MAX_FRAMES: Final = 210
"""Frames a slow page may fall behind by (about 10 s at 21 frames/s) before its oldest frames are shed."""
RECENT_FRAMES: Final = 105
"""Frames a late subscriber is given first: the last 5 s of trace at 21 frames/s."""
MAX_EVENTS: Final = 10_000
"""Events kept for late subscribers (a session gives a few hundred)."""
LET_GO: Final = orjson.dumps({"type": "reconnect", "text": "This server no longer runs the session."}).decode()
"""To the pages of a session closed without its ``end`` (another process holds it now): ask again."""


class Fanout(Protocol):
    """Publish a session's messages; subscribe to them by session id."""

    def open(self, session_id: str, history: list[Message] | None = None) -> None: ...

    def publish(self, session_id: str, message: Message) -> None: ...

    def subscribe(self, session_id: str) -> AsyncIterator[str]: ...

    def close(self, session_id: str) -> None: ...

    async def flushed(self) -> None:
        """Wait until what was published so far reaches every process that may watch (in one: at once)."""


class Subscription:
    """One watcher's queue of JSON texts: events always kept, frames shed oldest-first beyond ``max_frames``."""

    def __init__(self, max_frames: int = MAX_FRAMES) -> None:
        self.max_frames = max_frames
        self.dropped_frames = 0
        self._items: deque[tuple[str, str]] = deque()
        self._frames = 0
        self._waiter: asyncio.Future[None] | None = None  # set while ``get`` waits (lighter than an Event)

    def offer(self, kind: str, text: str) -> None:
        self._items.append((kind, text))
        if kind == "frame":
            self._frames += 1
            if self._frames > self.max_frames:
                self._shed_oldest_frame()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _shed_oldest_frame(self) -> None:
        for i, (kind, _) in enumerate(self._items):
            if kind == "frame":
                del self._items[i]
                self._frames -= 1
                self.dropped_frames += 1
                return

    async def get(self) -> tuple[str, str]:
        """The next (type, JSON text), waiting for one."""
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        kind, text = self._items.popleft()
        if kind == "frame":
            self._frames -= 1
        return kind, text


class _Channel:
    """One session's subscribers and what a late one is given."""

    def __init__(self) -> None:
        self.subscribers: set[Subscription] = set()
        self.frames: deque[Item] = deque(maxlen=RECENT_FRAMES)
        self.events: deque[Item] = deque(maxlen=MAX_EVENTS)
        self.seq = 0
        self.ended = False


class LocalFanout:
    """The fan-out of one process."""

    def __init__(self, *, max_frames: int = MAX_FRAMES) -> None:
        self.max_frames = max_frames
        self._channels: dict[str, _Channel] = {}

    def open(self, session_id: str, history: list[Message] | None = None) -> None:
        """Start carrying a session (``history``: what a resumed session had, for late subscribers)."""
        channel = self._channels[session_id] = _Channel()
        for message in history or []:
            self._remember(channel, message["type"], _json(message))

    def publish(self, session_id: str, message: Message) -> None:
        self.publish_item(session_id, message)

    def publish_item(self, session_id: str, message: Message) -> Item | None:
        """``publish``, returning the message as (sequence number, type, JSON text); None for a session this
        fan-out does not carry."""
        channel = self._channels.get(session_id)
        if channel is None:
            return None
        kind, text = message["type"], _json(message)
        item = self._remember(channel, kind, text)
        for subscriber in channel.subscribers:
            subscriber.offer(kind, text)
        if kind == "end":
            channel.ended = True
        return item

    def _remember(self, channel: _Channel, kind: str, text: str) -> Item:
        channel.seq += 1
        item = (channel.seq, kind, text)
        (channel.frames if kind == "frame" else channel.events).append(item)
        return item

    def ended(self, session_id: str) -> bool:
        """Whether the session it carries has published its ``end``."""
        channel = self._channels.get(session_id)
        return channel is not None and channel.ended

    def carries(self, session_id: str) -> bool:
        return session_id in self._channels

    def carried(self) -> list[str]:
        """The sessions this fan-out carries now."""
        return list(self._channels)

    def events(self, session_id: str) -> list[Item]:
        """Every event so far (the last ``MAX_EVENTS``), in order."""
        channel = self._channels.get(session_id)
        return [] if channel is None else list(channel.events)

    def recent_frames(self, session_id: str) -> list[Item]:
        """The last few seconds of frames, oldest first."""
        channel = self._channels.get(session_id)
        return [] if channel is None else list(channel.frames)

    def history(self, session_id: str) -> list[Item]:
        """What a late subscriber is given first, in order."""
        channel = self._channels.get(session_id)
        return [] if channel is None else list(heapq.merge(channel.events, channel.frames))

    async def flushed(self) -> None:
        return None

    async def subscribe(self, session_id: str) -> AsyncIterator[str]:
        """Every message of the session from now on, after the recent past; ends after ``end``."""
        channel = self._channels.get(session_id)
        if channel is None:
            return
        subscription = Subscription(self.max_frames)
        for _, kind, text in heapq.merge(channel.events, channel.frames):
            subscription.offer(kind, text)
        channel.subscribers.add(subscription)
        try:
            while True:
                kind, text = await subscription.get()
                yield text
                if kind in ("end", "reconnect"):
                    return
        finally:
            channel.subscribers.discard(subscription)

    def close(self, session_id: str) -> None:
        """Forget a finished session (its subscribers have had ``end``, or are told to ask again)."""
        channel = self._channels.pop(session_id, None)
        if channel is not None and not channel.ended:
            for subscriber in channel.subscribers:
                subscriber.offer("reconnect", LET_GO)

    def watchers(self, session_id: str) -> int:
        channel = self._channels.get(session_id)
        return 0 if channel is None else len(channel.subscribers)


def _json(message: Message) -> str:
    return orjson.dumps(message, option=orjson.OPT_SERIALIZE_NUMPY).decode()
