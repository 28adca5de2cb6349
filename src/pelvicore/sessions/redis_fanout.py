"""The fan-out across server processes: a live session runs in one worker, and pages on any worker watch it.

The worker that runs a session publishes each message to its ``LocalFanout`` (its own pages get it from there)
and its events to Redis: one pub/sub channel per session, plus two lists a late watcher on another worker starts
from (every event so far, and the last few seconds of frames). Frames, nineteen messages in twenty, go to Redis
only while a page on another worker watches: that worker asks the running one to ``watch`` (and again every
``RENEW_S`` while its pages stay), and the running one first writes its last few seconds of frames to the list,
then answers ``watching``; a session nobody watches from elsewhere costs Redis a few events a second.

Writes are batched: whatever the runners published while the previous batch was on its way goes in the next, one
script call per session, so a busy worker makes few round trips. Each message carries its sequence number, so a
watcher that subscribes first and then reads the lists drops what it would see twice and keeps the order: events
are never dropped, frames are shed oldest-first for a slow page (``Subscription``), as in one process.

Control messages (pause, resume, stop, a Web Bluetooth payload) sent to any worker reach the one that runs the
session on that worker's own channel.

If Redis goes away, the sessions carry on and are recorded (the recording goes to the database, not to Redis);
watchers on other workers see their stream end with a ``reconnect`` message and the page reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
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

WATCH_S: Final = 30.0
"""How long the running worker sends a session's frames to Redis after a page elsewhere last asked."""
RENEW_S: Final = 10.0
"""How often a worker whose pages watch a session running elsewhere asks again."""
ASK_TIMEOUT_S: Final = 2.0
"""How long a page waits for the running worker's answer before it starts from what Redis holds."""

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
        self.redis = aioredis.Redis.from_pool(pool)  # closed with it
        self._on_control = on_control
        self._sha = ""  # the publishing script, loaded into Redis at start (and again after Redis restarts)
        self._outbox: list[tuple[str, str, Any]] = []  # (session id, what, detail), in order
        self._wake: asyncio.Future[None] | None = None
        self._written: list[asyncio.Future[None]] = []  # callers of ``flushed`` waiting for the next batch
        self._watchers: dict[str, set[_Watcher]] = defaultdict(set)
        self._owners: dict[str, str] = {}  # session -> the worker running it, for sessions watched from here
        self._answers: dict[str, list[asyncio.Future[None]]] = defaultdict(list)  # sessions asked to watch
        self._watched: dict[str, float] = {}  # running here: session -> until when its frames go to Redis
        self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self._tasks: list[asyncio.Task[None]] = []
        self._failing = False

    async def start(self) -> None:
        """Check Redis answers (``RedisError`` if not) and start reading this worker's channels."""
        self._sha = await self.redis.script_load(_PUBLISH)
        await self._pubsub.subscribe(control_channel(self.worker_id))
        self._tasks = [asyncio.create_task(t) for t in (self._write_batches(), self._read(), self._renew())]

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
        if item is None:
            return
        if item[1] == "frame" and self._watched.get(session_id, 0.0) < time.monotonic():
            return  # no page elsewhere watches: its frames stay in this worker
        self._queue(session_id, item[1], _packet(*item))

    def close(self, session_id: str) -> None:
        self.local.close(session_id)
        self._watched.pop(session_id, None)
        self._queue(session_id, "close", None)

    def _watch(self, session_id: str, answer_to: str | None) -> None:
        """A page on another worker watches: send frames too, starting with the last few seconds of them."""
        if not self.local.carries(session_id):
            return
        fresh = self._watched.get(session_id, 0.0) < time.monotonic()
        self._watched[session_id] = time.monotonic() + WATCH_S
        frames = [_packet(*item) for item in self.local.recent_frames(session_id)] if fresh else None
        self._queue(session_id, "watched", (frames, answer_to))

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
            elif what == "watched":
                send(session_id)
                recent, answer_to = detail
                if recent is not None:
                    pipe.delete(frames)
                    if recent:
                        pipe.rpush(frames, *recent)
                        pipe.expire(frames, KEEP_LIVE_S)
                if answer_to:
                    pipe.publish(
                        control_channel(answer_to), orjson.dumps({"action": "watching", "session": session_id})
                    )
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
            owner = await self.redis.get(marker)
            if owner is not None:
                self._owners[session_id] = owner.decode() if isinstance(owner, bytes) else owner
                await self._ask_to_watch(session_id)
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.lrange(events, 0, -1)
                pipe.lrange(frames, 0, -1)
                past_events, past_frames = await pipe.execute()
            if not past_events and not past_frames and owner is None:
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
                self._owners.pop(session_id, None)
                with contextlib.suppress(RedisError):
                    await self._pubsub.unsubscribe(channel)

    async def _ask_to_watch(self, session_id: str) -> None:
        """Ask the running worker to send frames, and wait (briefly) until the recent ones are in Redis."""
        answered = asyncio.get_running_loop().create_future()
        self._answers[session_id].append(answered)
        try:
            message = {"action": "watch", "session": session_id, "answer_to": self.worker_id}
            if await self.send_control(self._owners[session_id], message):
                await asyncio.wait_for(answered, ASK_TIMEOUT_S)
        except TimeoutError:
            log.warning("the worker running session %s did not answer within %.0f s", session_id, ASK_TIMEOUT_S)
        finally:
            with contextlib.suppress(ValueError):
                self._answers[session_id].remove(answered)
            if not self._answers[session_id]:
                del self._answers[session_id]

    async def _renew(self) -> None:
        """Keep asking, every ``RENEW_S``, for the frames of sessions that pages here still watch."""
        while True:
            await asyncio.sleep(RENEW_S)
            for session_id, owner in list(self._owners.items()):
                with contextlib.suppress(RedisError, OSError):
                    await self.send_control(owner, {"action": "watch", "session": session_id})

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
                    self._control(orjson.loads(data))
                except Exception:
                    log.exception("a control message failed: %r", data[:200])
                continue
            session_id = channel.decode().removeprefix(f"{PREFIX}session:")
            seq, kind, text = _unpack(data)
            for watcher in list(self._watchers.get(session_id, ())):
                watcher.live(seq, kind, text)

    def _control(self, message: dict[str, Any]) -> None:
        session_id, action = str(message.get("session")), message.get("action")
        if action == "watch":
            answer_to = message.get("answer_to")
            self._watch(session_id, str(answer_to) if answer_to else None)
        elif action == "watching":
            for answered in self._answers.get(session_id, ()):
                if not answered.done():
                    answered.set_result(None)
        else:
            self._on_control(message)

    def _end_watchers(self) -> None:
        text = orjson.dumps({"type": "reconnect", "text": "The live link between servers was lost."}).decode()
        for watchers in self._watchers.values():
            for watcher in watchers:
                watcher.held = None
                watcher.subscription.offer("reconnect", text)
