"""The live sessions of one server process: start them (simulator, a trainer through the server's Bluetooth,
or one a page connects with Web Bluetooth), resume an interrupted one, and end them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

from redis.exceptions import RedisError

from pelvicore.devices.ble.hub import Backend
from pelvicore.devices.ble.sensor import SensorSource
from pelvicore.devices.browser import BrowserSource
from pelvicore.devices.profiles import get_profile, identify
from pelvicore.devices.simulator import SimulatorSource
from pelvicore.devices.source import Source
from pelvicore.errors import PelvicoreError
from pelvicore.sessions.errors import SensorUnavailable, ServerBusy, SessionNotResumable
from pelvicore.sessions.fanout import Fanout, LocalFanout
from pelvicore.sessions.leases import Leases
from pelvicore.sessions.recorder import Recorder
from pelvicore.sessions.redis_fanout import RedisFanout
from pelvicore.sessions.runner import LiveSession
from pelvicore.store.errors import StoreError
from pelvicore.store.repository import SessionStore
from pelvicore.training.protocols import Protocol
from pelvicore.training.routines import get_protocol

log = logging.getLogger(__name__)


class SessionManager:
    """The live sessions of this server process; ``backend`` is the Bluetooth backend for trainers.

    With ``redis_url`` this process is one worker of several sharing the database: its sessions' messages reach
    pages on every worker through Redis, control messages from other workers reach its sessions, and it holds
    leases on its sessions (``leases.py``). Call ``start`` before use and ``shutdown`` after.
    """

    def __init__(
        self, store: SessionStore, *, flush_s: float, backend: Backend | None = None, max_sessions: int = 500,
        redis_url: str = "",
    ) -> None:  # fmt: skip
        self.store = store
        self.max_sessions = max_sessions
        self.backend = backend
        self.worker_id = uuid.uuid4().hex
        self.fanout: Fanout
        self.redis: RedisFanout | None = None
        self.leases: Leases | None = None
        if redis_url:
            self.fanout = self.redis = RedisFanout(redis_url, self.worker_id, on_control=self._on_control)
            self.leases = Leases(store, self.worker_id, self.redis, on_taken_for_dead=self._taken_for_dead)
        else:
            self.fanout = LocalFanout()
        # Runners hand over every frame and event; the recorder writes every flush_s: a crash loses that much.
        self.recorder = Recorder(store, flush_s=flush_s, worker=self.worker_id, on_lost=self._lost)
        self.live: dict[str, LiveSession] = {}

    async def start(self) -> None:
        """Join the other workers (with Redis): end what crashed workers left running, then hold leases.
        Alone: every session still ``running`` was cut short by a crash or a kill, and is ``interrupted``."""
        if self.redis is None or self.leases is None:
            await asyncio.to_thread(self.store.interrupt_running)
            return
        try:
            await self.redis.start()
        except (RedisError, OSError) as exc:
            raise PelvicoreError(f"cannot reach Redis at {self.redis_address()}: {exc}") from exc
        await self.leases.start()

    def redis_address(self) -> str:
        assert self.redis is not None
        kwargs = self.redis.redis.connection_pool.connection_kwargs
        return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"

    async def control_elsewhere(self, session_id: str, message: dict[str, Any], worker: str | None = None) -> bool:
        """Send ``message`` (``action``: pause, resume, stop or page) to the worker that runs the session
        (``worker``, if known); False if no worker runs it (it ended, or its worker died: the sweep marks it
        ``interrupted``) or Redis cannot be reached."""
        if self.redis is None:
            return False
        try:
            worker = worker or await asyncio.to_thread(self.store.worker_of, session_id)
            return worker is not None and await self.redis.send_control(worker, {"session": session_id} | message)
        except (RedisError, OSError) as exc:
            log.warning("cannot reach the worker running session %s: %s", session_id, exc)
            return False

    async def worker_of(self, session_id: str) -> str | None:
        return await asyncio.to_thread(self.store.worker_of, session_id)

    def _on_control(self, message: dict[str, Any]) -> None:
        live = self.live.get(str(message.get("session")))
        action = message.get("action")
        if live is None:
            return
        if action in ("pause", "resume", "stop"):
            getattr(live, action)()
        elif action == "page" and isinstance(live.source, BrowserSource):
            live.source.take(message.get("message"))  # DecodeError: logged as a refused message, in one line

    async def start_device(self, user_id: int, *, address: str, profile: str | None, routine: str) -> str:
        """Connect to the trainer at ``address`` through the Bluetooth backend and start a session with it."""
        self._check_room()
        protocol = get_protocol(routine)
        if self.backend is None:
            raise SensorUnavailable("this server has no Bluetooth backend")
        central = self.backend.central
        if profile is None:
            try:
                heard = {a.address.upper(): a for a in await central.scan(2.0)}
            except PelvicoreError as exc:
                raise SensorUnavailable(str(exc)) from exc
            advert = heard.get(address.upper())
            found = identify(advert.name, advert.services) if advert else None
            if found is None:
                raise SensorUnavailable(f"no trainer pelvicore knows was heard at {address}")
            device = found
        else:
            device = get_profile(profile)
        source = SensorSource(central, address, device, time_scale=self.backend.time_scale)
        try:
            await source.connect()
        except PelvicoreError as exc:
            raise SensorUnavailable(str(exc)) from exc
        return await self._begin(
            user_id, source, protocol, kind="device", profile=device.name, device=(user_id, device.name, address)
        )

    async def start_browser(self, user_id: int, *, profile: str, routine: str, recorded_by: str | None = None) -> str:
        """A session whose trainer the web page connects with Web Bluetooth; payloads arrive over its WebSocket.

        ``recorded_by``: the clinician whose page (in the clinic) connects her trainer, into her record.
        """
        self._check_room()
        protocol = get_protocol(routine)
        source = BrowserSource(get_profile(profile))
        return await self._begin(
            user_id, source, protocol, kind="browser", profile=profile, device=(user_id, profile, None),
            recorded_by=recorded_by,
        )  # fmt: skip

    async def start_source(self, user_id: int, source: Source, routine: Protocol, *, kind: str) -> str:
        """A session on any source (``kind``: what to store as its source, e.g. ``file``)."""
        self._check_room()
        return await self._begin(user_id, source, routine, kind=kind, profile=None)

    async def _begin(
        self,
        user_id: int,
        source: Source,
        routine: Protocol,
        *,
        kind: str,
        profile: str | None,
        device: tuple[int, str, str | None] | None = None,
        recorded_by: str | None = None,
    ) -> str:
        """Store a new running session on ``source`` (its steps as data) and start it."""
        info = source.info
        session_id = await asyncio.to_thread(
            self.store.create_session, user_id, source=kind, profile=profile, routine=routine.name, speed=1.0,
            fs_hz=info.fs_hz, units=info.units, steps=routine.to_dict(), recorded_by=recorded_by,
            worker=self.worker_id,
        )  # fmt: skip
        await self._launch(self._session(session_id, source, routine, device=device))
        return session_id

    async def start_simulator(
        self, user_id: int, *, profile: str, routine: str, speed: float, seed: int | None = None,
        recorded_by: str | None = None,
    ) -> str:  # fmt: skip
        """Create and start a simulated session; the simulation and the first write run off the event loop."""
        self._check_room()
        protocol = get_protocol(routine)

        person_seed = seed if seed is not None else time.time_ns() % 2**31

        def prepare() -> tuple[str, SimulatorSource]:
            source = SimulatorSource(profile, protocol, seed=person_seed, speed=speed)
            info = source.info
            session_id = self.store.create_session(
                user_id,
                source="simulator",
                profile=profile,
                routine=routine,
                speed=speed,
                fs_hz=info.fs_hz,
                units=info.units,
                seed=person_seed,
                steps=protocol.to_dict(),
                recorded_by=recorded_by,
                worker=self.worker_id,
            )
            return session_id, source

        session_id, source = await asyncio.to_thread(prepare)
        await self._launch(self._session(session_id, source, protocol))
        return session_id

    async def resume(self, session_id: str, *, owner: int) -> None:
        """Carry on an interrupted simulated session of user ``owner`` from its last recorded sample, with the
        same person."""
        self._check_room()
        record = self.store.get(session_id, owner=owner)
        if session_id in self.live:
            raise SessionNotResumable(f"session {session_id!r} is running already")
        if record is None or record.status != "interrupted" or record.seed is None or record.profile is None:
            raise SessionNotResumable(f"session {session_id!r} is not an interrupted simulated session")
        profile, seed = record.profile, record.seed
        # The steps it stored (a session recorded before steps were stored: its routine's name).
        routine = Protocol.from_dict(record.steps) if record.steps else get_protocol(record.routine)

        def prepare() -> SimulatorSource:
            _, _, index = self.store.load_trace(session_id, owner=owner)
            start = int(index[-1]) + 1 if index.size else 0
            source = SimulatorSource(profile, routine, seed=seed, speed=record.speed, start_index=start)
            self.store.reopen(session_id, worker=self.worker_id)
            return source

        try:
            source = await asyncio.to_thread(prepare)
        except StoreError as exc:  # resumed at the same moment elsewhere
            raise SessionNotResumable(str(exc)) from exc
        previous = [{k: v for k, v in c.items() if k != "kind"} for c in record.contractions]
        await self._launch(self._session(session_id, source, routine, previous=previous, previous_cues=record.cues))

    def _session(self, session_id: str, source: Source, routine: Protocol, **options: Any) -> LiveSession:
        return LiveSession(
            session_id, self.store, source, routine, fanout=self.fanout,
            recorder=self.recorder, worker=self.worker_id, **options,
        )  # fmt: skip

    def _taken_for_dead(self) -> None:
        for session in list(self.live.values()):
            session.give_up("another server process ended it: this one was taken for dead (no heartbeat)")

    def _lost(self, session_id: str, why: Exception) -> None:
        """The store refused this process's writes to a session it runs: another process holds it now (this one
        was taken for dead and it was resumed elsewhere), or it ended or was deleted. Stop running it here."""
        live = self.live.get(session_id)
        if live is not None:
            live.give_up(str(why))

    def _check_room(self) -> None:
        if len(self.live) >= self.max_sessions:
            raise ServerBusy(f"this server is running as many live sessions as it may ({self.max_sessions}): "
                             "please try again in a minute")  # fmt: skip

    async def _launch(self, session: LiveSession) -> None:
        self.live[session.id] = session
        self.fanout.open(session.id, history=session.contractions)
        session.start()
        assert session.task is not None
        session.task.add_done_callback(lambda _: self._ended(session.id))
        await self.fanout.flushed()  # a page on another worker finds it as soon as its id is known

    def _ended(self, session_id: str) -> None:
        self.live.pop(session_id, None)
        self.fanout.close(session_id)

    async def shutdown(self) -> None:
        try:
            await self.cancel(list(self.live))
            await self.recorder.close()
            if self.leases is not None:
                await self.leases.stop()
        finally:
            if self.redis is not None:
                await self.redis.aclose()

    async def cancel(self, session_ids: list[str]) -> None:
        """End these sessions now (``interrupted``), waiting until each has written what it held."""
        sessions = [self.live[i] for i in session_ids if i in self.live]
        for session in sessions:
            if session.task is not None:
                session.task.cancel()
        for session in sessions:
            with contextlib.suppress(asyncio.CancelledError):
                if session.task is not None:
                    await session.task
