"""The fan-out across server processes: a live session runs in one worker, and pages on any worker watch it.

The worker that runs a session publishes each message to its ``LocalFanout`` (its own pages get it from there).
Through Redis it keeps what a page elsewhere starts from: every event so far in a list, and, when a page asks,
the last few seconds of frames. A worker whose page watches a session running elsewhere asks the running worker
to ``watch`` (and again every ``RENEW_S`` while its pages stay); the running worker writes its recent frames,
answers ``watching``, and from then on sends that session's messages to the watching worker's own channel. A
session that no page elsewhere watches costs Redis only its events, a few a second.

Writes are batched: whatever the runners published while the previous batch was on its way goes in the next,
as one pipelined round trip, and each watching worker gets one message per batch holding every line it needs
(``session seq type JSON``), so a busy worker neither sends nor reads a message per frame. Each line carries its
sequence number: a page that starts from the lists drops what it would see twice and keeps the order. Events
are never dropped; frames are shed oldest-first for a slow page (``Subscription``), as in one process.

Control messages (pause, resume, stop, a Web Bluetooth payload) sent to any worker reach the one that runs the
session on that worker's own channel.

If Redis goes away, the sessions carry on and are recorded (the recording goes to the database, not to Redis);
pages on other workers see their stream end with a ``reconnect`` message, and the page reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any, Final

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from pelvicore.devices.profiles.base import DecodeError
from pelvicore.sessions.fanout import MAX_EVENTS, LocalFanout, Message
from pelvicore.sessions.redis_wire import (
    ENDED_CHANNEL,
    KEEP_AFTER_END_S,
    KEEP_LIVE_S,
    RECONNECT,
    Watcher,
    control_channel,
    keys,
    live_channel,
    packet,
    unpack,
)

log = logging.getLogger(__name__)

MAX_CONNECTIONS: Final = 32
"""Redis connections one worker opens at most (pub/sub, the batches, pages joining); more wait their turn."""
WATCH_S: Final = 30.0
"""How long the running worker sends a session's messages to a worker whose page last asked that long ago."""
RENEW_S: Final = 10.0
"""How often a worker whose pages watch a session running elsewhere asks again."""
ASK_TIMEOUT_S: Final = 2.0
"""How long a page waits for the running worker's answer before it starts from what Redis holds."""

ControlHandler = Callable[[dict[str, Any]], None]
"""What a worker does with a control message for one of its sessions."""


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
        self._outbox: list[tuple[str, str, Any]] = []  # (session id, what, detail), in order
        self._wake: asyncio.Future[None] | None = None
        self._written: list[asyncio.Future[None]] = []  # callers of ``flushed`` waiting for the next batch
        self._writing = False  # a batch is on its way
        # Running here: session -> watching worker -> until when it gets the session's messages.
        self._watched: dict[str, dict[str, float]] = {}
        # Watched from here: the pages, the worker that runs each session, the pages waiting for its answer.
        self._watchers: dict[str, set[Watcher]] = defaultdict(set)
        self._owners: dict[str, str] = {}
        self._answers: dict[str, asyncio.Future[None]] = {}  # asked to watch: ask id -> its page's wait
        self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self._tasks: list[asyncio.Task[None]] = []
        self._failing = False

    async def start(self) -> None:
        """Check Redis answers (``RedisError`` if not) and start reading this worker's channels."""
        await self._pubsub.subscribe(control_channel(self.worker_id), live_channel(self.worker_id), ENDED_CHANNEL)
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
        self._queue(session_id, "open", [packet(*item) for item in self.local.history(session_id)])

    def publish(self, session_id: str, message: Message) -> None:
        item = self.local.publish_item(session_id, message)
        if item is None or (item[1] == "frame" and not self._watched.get(session_id)):
            return  # a frame nobody elsewhere watches stays in this worker
        self._queue(session_id, "message", item)

    def close(self, session_id: str) -> None:
        ended = self.local.ended(session_id)
        self.local.close(session_id)
        if ended:
            self._queue(session_id, "close", None)
        else:  # let go (``SessionNotHeld``): its keys are the sweeper's or the new running worker's, left alone
            self._watched.pop(session_id, None)

    def resync(self) -> None:
        """Write again what Redis must hold for this worker's sessions (after Redis restarted, or a batch was
        lost): which worker runs each, and every event so far. Pages elsewhere then find them again."""
        for session_id in self.local.carried():
            self._queue(session_id, "open", [packet(*item) for item in self.local.events(session_id)])

    def _watch(self, session_id: str, worker: str, ask: str | None) -> None:
        """A page on ``worker`` watches a session (``ask``: a new page's request, waiting for the recent frames)."""
        carried = self.local.carries(session_id)
        if carried:
            self._watched.setdefault(session_id, {})[worker] = time.monotonic() + WATCH_S
        if ask:
            recent = [packet(*item) for item in self.local.recent_frames(session_id)] if carried else None
            self._queue(session_id, "watched", (worker, recent, ask))

    async def flushed(self) -> None:
        """Wait until everything published so far is in Redis (or failed to get there)."""
        if not self._outbox and not self._writing:
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
                for done in self._written:  # asked while the last batch was on its way: that was everything
                    if not done.done():
                        done.set_result(None)
                self._written = []
                self._wake = asyncio.get_running_loop().create_future()
                await self._wake
            batch, self._outbox = self._outbox, []
            waiting, self._written = self._written, []
            self._writing = True
            try:
                await self._write(batch)
                if self._failing:
                    log.warning("Redis answers again: live sessions are shared with other workers")
                    self._failing = False
                    self.resync()
            except (RedisError, OSError) as exc:
                if not self._failing:  # one line when it goes, not one per batch
                    log.warning("Redis is unreachable, live messages are not shared with other workers: %s", exc)
                self._failing = True
                await asyncio.sleep(0.5)  # not a busy loop while it is away
            except Exception:  # never stop writing: the sessions and their pages would wait for ever
                log.exception("a batch of live messages could not be written")
            finally:
                self._writing = False
            for done in waiting:
                if not done.done():
                    done.set_result(None)

    async def _write(self, batch: list[tuple[str, str, Any]]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        lines: dict[str, list[str]] = defaultdict(list)  # watching worker -> its lines, in order
        with_events: set[str] = set()
        now = time.monotonic()
        for session_id, what, detail in batch:
            frames, events, marker = keys(session_id)
            if what == "message":
                seq, kind, text = detail
                if kind != "frame":
                    pipe.rpush(events, packet(seq, kind, text))
                    with_events.add(session_id)
                line = f"{session_id} {seq} {kind} {text}"
                for worker, until in self._watched.get(session_id, {}).items():
                    if until >= now:
                        lines[worker].append(line)
            elif what == "open":
                pipe.delete(frames, events)
                pipe.set(marker, self.worker_id, ex=KEEP_LIVE_S)
                if detail:
                    pipe.rpush(events, *detail)
                    with_events.add(session_id)
            elif what == "watched":
                worker, recent, ask = detail
                if recent:  # replaced in one step (RENAME): a page reading meanwhile never finds it empty
                    pipe.rpush(f"{frames}:{ask}", *recent)
                    pipe.rename(f"{frames}:{ask}", frames)
                    pipe.expire(frames, KEEP_LIVE_S)
                elif recent is not None:
                    pipe.delete(frames)
                pipe.publish(control_channel(worker), orjson.dumps({"action": "watching", "ask": ask}))
            elif what == "close":
                self._watched.pop(session_id, None)
                pipe.expire(frames, KEEP_AFTER_END_S)
                pipe.expire(events, KEEP_AFTER_END_S)
                pipe.delete(marker)
        for session_id in with_events:
            _, events, _ = keys(session_id)
            pipe.ltrim(events, -MAX_EVENTS, -1)
            pipe.expire(events, KEEP_LIVE_S)
        for worker, worker_lines in lines.items():
            pipe.publish(live_channel(worker), "\n".join(worker_lines))
        self._forget_stale_watches(now)
        await pipe.execute()

    def _forget_stale_watches(self, now: float) -> None:
        for session_id, workers in list(self._watched.items()):
            for worker in [w for w, until in workers.items() if until < now]:
                del workers[worker]
            if not workers:
                del self._watched[session_id]

    # -- a page on any worker ----------------------------------------------------------------------------
    async def subscribe(self, session_id: str) -> AsyncIterator[str]:
        """Every message of the session from now on, after the recent past; ends after ``end`` (or with
        ``reconnect`` when Redis goes away)."""
        if self.local.carries(session_id):
            async for text in self.local.subscribe(session_id):
                yield text
            return
        watcher = Watcher()
        frames, events, marker = keys(session_id)
        self._watchers[session_id].add(watcher)
        try:
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
            watcher.caught_up([unpack(p) for p in (*past_events, *past_frames)])
            while True:
                kind, text = await watcher.subscription.get()
                yield text
                if kind in ("end", "reconnect"):
                    return
        except RedisError as exc:
            log.warning("cannot watch session %s through Redis: %s", session_id, exc)
            yield RECONNECT
        finally:
            self._watchers[session_id].discard(watcher)
            if not self._watchers[session_id]:
                del self._watchers[session_id]
                owner = self._owners.pop(session_id, None)
                if owner is not None:  # its worker stops sending now rather than in WATCH_S
                    self._unwatch_soon(session_id, owner)

    async def _ask_to_watch(self, session_id: str) -> None:
        """Ask the running worker for the session's messages, and wait (briefly) until its recent frames are in
        Redis."""
        ask = uuid.uuid4().hex  # its answer releases this page only
        answered = self._answers[ask] = asyncio.get_running_loop().create_future()
        try:
            message = {"action": "watch", "session": session_id, "worker": self.worker_id, "ask": ask}
            if await self.send_control(self._owners[session_id], message):
                await asyncio.wait_for(answered, ASK_TIMEOUT_S)
        except TimeoutError:
            log.warning("the worker running session %s did not answer within %.0f s", session_id, ASK_TIMEOUT_S)
        finally:
            del self._answers[ask]

    async def _renew(self) -> None:
        """Keep asking, every ``RENEW_S``, for the sessions that pages here still watch."""
        while True:
            await asyncio.sleep(RENEW_S)
            for session_id, owner in list(self._owners.items()):
                message = {"action": "watch", "session": session_id, "worker": self.worker_id}
                with contextlib.suppress(RedisError, OSError):
                    if not await self.send_control(owner, message):
                        # Nobody runs it any more (its worker left or died unnoticed): its pages read what is stored.
                        for watcher in self._watchers.get(session_id, ()):
                            watcher.reconnect()

    def _unwatch_soon(self, session_id: str, owner: str) -> None:
        async def unwatch() -> None:
            if session_id not in self._watchers:  # not if a new page here has asked again meanwhile
                await self.send_control(owner, {"action": "unwatch", "session": session_id, "worker": self.worker_id})

        task = asyncio.ensure_future(unwatch())
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # a lost unwatch only costs WATCH_S

    async def send_control(self, worker_id: str, message: dict[str, Any]) -> bool:
        """Send a control message to the worker that runs a session; False if no such worker listens."""
        receivers = await self.redis.publish(control_channel(worker_id), orjson.dumps(message))
        return bool(receivers)

    async def publish_end(self, session_id: str, message: Message) -> None:
        """Tell the pages of a session whose worker died that it ended (sent by the worker that found it); its
        keys go soon after, as a finished session's do (its worker-marker stays: pages ask the database first)."""
        frames, events, _ = keys(session_id)
        end = packet(2**62, "end", orjson.dumps(message).decode())  # after anything its worker sent
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.rpush(events, end)
            pipe.expire(events, KEEP_AFTER_END_S)
            pipe.expire(frames, KEEP_AFTER_END_S)
            pipe.publish(ENDED_CHANNEL, f"{session_id} {end}")
            await pipe.execute()

    async def _read(self) -> None:
        """Dispatch this worker's pub/sub messages: control for its sessions, live lines to its pages."""
        control, live = control_channel(self.worker_id).encode(), live_channel(self.worker_id).encode()
        while True:
            try:
                message = await self._pubsub.get_message(timeout=None)
            except Exception as exc:  # Redis went away (or the subscription broke): subscribe again
                log.warning("lost the Redis subscription (%s): pages watching other workers' sessions reconnect", exc)
                await self._subscribe_again()
                continue
            if message is None or message.get("type") != "message":
                continue
            channel, data = message["channel"], message["data"]
            try:
                if channel == live or channel == ENDED_CHANNEL.encode():
                    self._deliver(data)
                elif channel == control:
                    self._control(orjson.loads(data))
            except DecodeError as exc:
                log.warning("a page's message was refused: %s", exc)
            except Exception:
                log.exception("a message from Redis could not be handled: %r", data[:200])

    async def _subscribe_again(self) -> None:
        """Subscribe to this worker's channels again, retrying until Redis answers; then the pages that watch
        other workers' sessions reconnect (they may have missed lines), and this worker writes again what Redis
        must hold for its own sessions."""
        delay = 0.5
        while True:
            await asyncio.sleep(delay)
            try:
                await self._pubsub.reset()
                await self._pubsub.subscribe(
                    control_channel(self.worker_id), live_channel(self.worker_id), ENDED_CHANNEL
                )
                break
            except Exception:
                delay = min(5.0, delay * 2)
        for watchers in self._watchers.values():
            for watcher in watchers:
                watcher.reconnect()
        self.resync()

    def _deliver(self, data: bytes) -> None:
        for line in data.decode().split("\n"):
            session_id, seq, kind, text = line.split(" ", 3)
            for watcher in self._watchers.get(session_id, ()):
                watcher.live(int(seq), kind, text)

    def _control(self, message: dict[str, Any]) -> None:
        session_id, action, worker = str(message.get("session")), message.get("action"), message.get("worker")
        if action == "watch" and isinstance(worker, str):
            ask = message.get("ask")
            self._watch(session_id, worker, str(ask) if ask else None)
        elif action == "unwatch" and isinstance(worker, str):
            self._watched.get(session_id, {}).pop(worker, None)
        elif action == "watching":
            answered = self._answers.get(str(message.get("ask")))
            if answered is not None and not answered.done():
                answered.set_result(None)
        else:
            self._on_control(message)
