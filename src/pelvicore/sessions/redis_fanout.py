"""The fan-out across server processes: a live session runs in one worker, and pages on any worker watch it.

The worker that runs a session publishes each message to its ``LocalFanout`` (its own pages get it from there)
and to Redis: one pub/sub channel per session, plus two lists a late watcher on another worker starts from (every
event so far, and the last few seconds of frames). Writes are batched: whatever the runners published while the
previous batch was on its way goes in the next, one script call per session, so a busy worker makes few round
trips. Each message carries its sequence number, so a watcher that subscribes first and then reads the lists
drops what it would see twice and keeps the order: events are never dropped, frames are shed oldest-first for a
slow page (``Subscription``), as in one process.

Control messages (pause, resume, stop, a Web Bluetooth payload) sent to any worker reach the one that runs the
session on that worker's own channel.

If Redis goes away, the sessions carry on and are recorded (the recording goes to the database, not to Redis);
watchers on other workers see their stream end with a ``reconnect`` message and the page reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any, Final

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from pelvicore.sessions.fanout import MAX_EVENTS, RECENT_FRAMES, LocalFanout, Message, Subscription

log = logging.getLogger(__name__)

PREFIX: Final = "pelvicore:"
KEEP_AFTER_END_S: Final = 120
"""How long a finished session's messages stay in Redis for a page that connects just after its end."""
KEEP_LIVE_S: Final = 24 * 3600
"""A bound on how long a running session's keys live (refreshed by every batch) if a worker vanishes."""

# One call per session per batch: publish each message in order and keep the lists late watchers start from.
_PUBLISH = f"""
for i = 1, #ARGV, 2 do
  local kind, data = ARGV[i], ARGV[i + 1]
  redis.call('PUBLISH', KEYS[1], data)
  if kind == 'frame' then redis.call('RPUSH', KEYS[2], data) else redis.call('RPUSH', KEYS[3], data) end
end
redis.call('LTRIM', KEYS[2], -{RECENT_FRAMES}, -1)
redis.call('LTRIM', KEYS[3], -{MAX_EVENTS}, -1)
redis.call('EXPIRE', KEYS[2], {KEEP_LIVE_S})
redis.call('EXPIRE', KEYS[3], {KEEP_LIVE_S})
"""

MAX_CONNECTIONS: Final = 32
"""Redis connections one worker opens at most (pub/sub, the batches, pages joining); more wait their turn."""

ControlHandler = Callable[[dict[str, Any]], None]
"""What a worker does with a control message for one of its sessions."""


def _keys(session_id: str) -> tuple[str, str, str, str]:
    base = f"{PREFIX}session:{session_id}"
    return base, f"{base}:frames", f"{base}:events", f"{base}:live"


def control_channel(worker_id: str) -> str:
    return f"{PREFIX}worker:{worker_id}"


def _packet(seq: int, kind: str, text: str) -> str:
    return f"{seq} {kind} {text}"


def _unpack(data: bytes | str) -> tuple[int, str, str]:
    text = data.decode() if isinstance(data, bytes) else data
    seq, kind, body = text.split(" ", 2)
    return int(seq), kind, body


class _Watcher:
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


class RedisFanout:
    """``Fanout`` across worker processes through Redis (see the module's docstring)."""

    def __init__(self, url: str, worker_id: str, *, on_control: ControlHandler) -> None:
        self.worker_id = worker_id
        self.local = LocalFanout()
        # A bounded pool whose callers wait for a free connection: hundreds of pages joining at once share a few
        # dozen connections instead of failing with "too many connections".
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=MAX_CONNECTIONS, timeout=20, socket_connect_timeout=5, health_check_interval=30
        )
        self.redis = aioredis.Redis(connection_pool=pool)
        self._on_control = on_control
        self._sha = ""  # the publishing script, loaded into Redis at start (and again after Redis restarts)
        self._outbox: list[tuple[str, str, Any]] = []  # (session id, what, detail), in order
        self._wake: asyncio.Future[None] | None = None
        self._written: list[asyncio.Future[None]] = []  # callers of ``flushed`` waiting for the next batch
        self._watchers: dict[str, set[_Watcher]] = defaultdict(set)
        self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self._tasks: list[asyncio.Task[None]] = []
        self._failing = False

    async def start(self) -> None:
        """Check Redis answers (``RedisError`` if not) and start reading this worker's channels."""
        self._sha = await self.redis.script_load(_PUBLISH)
        await self._pubsub.subscribe(control_channel(self.worker_id))
        self._tasks = [asyncio.create_task(self._write_batches()), asyncio.create_task(self._read())]

    async def aclose(self) -> None:
        """Write what is left and stop (at the worker's shutdown)."""
        await self.flushed()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(RedisError):
            await self._pubsub.aclose()
        await self.redis.aclose()

    # -- the worker that runs a session ----------------------------------------------------------------
    def open(self, session_id: str, history: list[Message] | None = None) -> None:
        self.local.open(session_id, history)
        packets = [_packet(seq, kind, text) for seq, kind, text in self.local.history(session_id)]
        self._queue(session_id, "open", packets)

    def publish(self, session_id: str, message: Message) -> None:
        item = self.local.publish_item(session_id, message)
        if item is not None:
            self._queue(session_id, item[1], _packet(*item))

    def close(self, session_id: str) -> None:
        self.local.close(session_id)
        self._queue(session_id, "close", None)

    async def flushed(self) -> None:
        """Wait until everything published so far is in Redis (or failed to get there)."""
        if not self._outbox:
            return
        done = asyncio.get_running_loop().create_future()
        self._written.append(done)
        self._poke()
        await done

    def _queue(self, session_id: str, what: str, detail: Any) -> None:
        self._outbox.append((session_id, what, detail))
        self._poke()

    def _poke(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def _write_batches(self) -> None:
        while True:
            if not self._outbox:
                self._wake = asyncio.get_running_loop().create_future()
                await self._wake
            batch, self._outbox = self._outbox, []
            waiting, self._written = self._written, []
            try:
                await self._write(batch)
                if self._failing:
                    log.warning("Redis answers again: live sessions are shared with other workers")
                self._failing = False
            except (RedisError, OSError) as exc:
                with contextlib.suppress(RedisError, OSError):  # a restarted Redis has forgotten the script
                    self._sha = await self.redis.script_load(_PUBLISH)
                if not self._failing:  # one line when it goes, not one per batch
                    log.warning("Redis is unreachable, live messages are not shared with other workers: %s", exc)
                self._failing = True
            for done in waiting:
                if not done.done():
                    done.set_result(None)

    async def _write(self, batch: list[tuple[str, str, Any]]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pending: dict[str, list[str]] = {}

        def send(session_id: str) -> None:  # queued on the pipeline: nothing is sent before execute()
            args = pending.pop(session_id, None)
            if args:
                channel, frames, events, _ = _keys(session_id)
                pipe.evalsha(self._sha, 3, channel, frames, events, *args)

        for session_id, what, detail in batch:
            _, frames, events, marker = _keys(session_id)
            if what == "open":
                send(session_id)
                pipe.delete(frames, events)
                pipe.set(marker, self.worker_id, ex=KEEP_LIVE_S)
                if detail:
                    pipe.rpush(events, *detail)
            elif what == "close":
                send(session_id)
                pipe.expire(frames, KEEP_AFTER_END_S)
                pipe.expire(events, KEEP_AFTER_END_S)
                pipe.delete(marker)
            else:
                pending.setdefault(session_id, []).extend((what, detail))
        for session_id in list(pending):
            send(session_id)
        await pipe.execute()

    # -- a page on any worker ----------------------------------------------------------------------------
    async def subscribe(self, session_id: str) -> AsyncIterator[str]:
        """Every message of the session from now on, after the recent past; ends after ``end`` (or with
        ``reconnect`` when Redis goes away)."""
        if self.local.carries(session_id):
            async for text in self.local.subscribe(session_id):
                yield text
            return
        watcher = _Watcher()
        channel, frames, events, marker = _keys(session_id)
        first = not self._watchers[session_id]
        self._watchers[session_id].add(watcher)
        try:
            if first:
                await self._pubsub.subscribe(channel)
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.lrange(events, 0, -1)
                pipe.lrange(frames, 0, -1)
                pipe.exists(marker)
                past_events, past_frames, running = await pipe.execute()
            if not past_events and not past_frames and not running:
                return  # not a live session anywhere
            watcher.caught_up([_unpack(p) for p in (*past_events, *past_frames)])
            while True:
                kind, text = await watcher.subscription.get()
                yield text
                if kind in ("end", "reconnect"):
                    return
        except RedisError as exc:
            log.warning("cannot watch session %s through Redis: %s", session_id, exc)
            yield orjson.dumps({"type": "reconnect", "text": "The live link between servers was lost."}).decode()
        finally:
            self._watchers[session_id].discard(watcher)
            if not self._watchers[session_id]:
                del self._watchers[session_id]
                with contextlib.suppress(RedisError):
                    await self._pubsub.unsubscribe(channel)

    async def send_control(self, worker_id: str, message: dict[str, Any]) -> bool:
        """Send a control message to the worker that runs a session; False if no such worker listens."""
        receivers = await self.redis.publish(control_channel(worker_id), orjson.dumps(message))
        return bool(receivers)

    async def publish_end(self, session_id: str, message: Message) -> None:
        """Tell the watchers of a session whose worker died that it ended (sent by the worker that found it)."""
        channel, _, events, _ = _keys(session_id)
        packet = _packet(2**62, "end", orjson.dumps(message).decode())  # after anything its worker sent
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.publish(channel, packet)
            pipe.rpush(events, packet)
            pipe.expire(events, KEEP_AFTER_END_S)
            await pipe.execute()

    async def _read(self) -> None:
        """Dispatch this worker's pub/sub messages: control for its sessions, live messages to its watchers."""
        control = control_channel(self.worker_id).encode()
        while True:
            try:
                message = await self._pubsub.get_message(timeout=None)
            except (RedisError, OSError) as exc:
                log.warning("lost the Redis subscription (%s): watchers of other workers' sessions reconnect", exc)
                self._end_watchers()
                await asyncio.sleep(1.0)
                with contextlib.suppress(RedisError, OSError):
                    await self._pubsub.reset()
                    await self._pubsub.subscribe(control_channel(self.worker_id))
                continue
            if message is None or message.get("type") != "message":
                continue
            channel, data = message["channel"], message["data"]
            if channel == control:
                try:
                    self._on_control(orjson.loads(data))
                except Exception:
                    log.exception("a control message failed: %r", data[:200])
                continue
            session_id = channel.decode().removeprefix(f"{PREFIX}session:")
            seq, kind, text = _unpack(data)
            for watcher in list(self._watchers.get(session_id, ())):
                watcher.live(seq, kind, text)

    def _end_watchers(self) -> None:
        text = orjson.dumps({"type": "reconnect", "text": "The live link between servers was lost."}).decode()
        for watchers in self._watchers.values():
            for watcher in watchers:
                watcher.held = None
                watcher.subscription.offer("reconnect", text)
