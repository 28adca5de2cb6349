"""Live sessions: a source, the analysis pipeline, a protocol's cues, the recorder, and WebSocket subscribers.

Each session runs as one asyncio task. Every ~40 ms frame is analysed and broadcast; samples and events are
written to the store in short transactions every ``flush_s`` (0.5 s), so a crash loses at most about a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from pelvicore.devices.ble.hub import Backend
from pelvicore.devices.ble.sensor import SensorSource
from pelvicore.devices.ble.stream import SensorStatus
from pelvicore.devices.browser import BrowserSource
from pelvicore.devices.profiles import get_profile, identify
from pelvicore.devices.simulator import SimulatorSource
from pelvicore.devices.source import Source
from pelvicore.errors import PelvicoreError
from pelvicore.signal.events import Contraction, SignalProblem
from pelvicore.signal.frames import Frame
from pelvicore.signal.pipeline import Pipeline
from pelvicore.store.repository import DeviceCalibration, SessionStore
from pelvicore.training.protocols import Protocol, get_protocol

Message = dict[str, Any]
#: Frame messages a slow subscriber may fall behind by before older frames are dropped for it.
QUEUE_FRAMES = 256


def contraction_message(c: Contraction) -> Message:
    return {"type": "contraction"} | c.to_dict()


@dataclass(eq=False)
class Subscriber:
    queue: asyncio.Queue[Message] = field(default_factory=lambda: asyncio.Queue(QUEUE_FRAMES))
    dropped: int = 0

    def offer(self, message: Message) -> None:
        """Queue ``message``; a full queue sheds its oldest frame, never a cue, contraction or end."""
        while self.queue.full():
            try:
                oldest = self.queue.get_nowait()
            except asyncio.QueueEmpty:  # pragma: no cover - full() and empty() disagree only across threads
                break
            if oldest["type"] != "frame":
                self.queue.put_nowait(oldest)  # keep it; drop the new frame instead
                if message["type"] == "frame":
                    self.dropped += 1
                    return
                break
            self.dropped += 1
        self.queue.put_nowait(message)


class LiveSession:
    """One running session; ``messages()`` yields what a WebSocket client should receive."""

    def __init__(
        self,
        session_id: str,
        store: SessionStore,
        source: Source,
        routine: Protocol,
        *,
        flush_s: float,
        previous: list[Message] | None = None,
        device: tuple[int, str, str | None] | None = None,
    ) -> None:
        self.id = session_id
        self.store = store
        self.source = source
        self.routine = routine
        self.flush_s = flush_s
        info = source.info
        self.pipeline = Pipeline(info.fs_hz, info.units)
        self.subscribers: set[Subscriber] = set()
        # Every non-frame message, replayed to late subscribers; a resumed session starts with what it had.
        self.history: list[Message] = [{"type": "contraction"} | c for c in previous or []]
        self.contractions: list[Message] = list(self.history)
        self.finished = asyncio.Event()
        self.paused = asyncio.Event()
        self.stop_requested = False
        self._pending_frames: list[Frame] = []
        self._pending_events: list[Message] = []
        self._calibrating: asyncio.Future[None] | None = None
        self._last_flush = time.monotonic()
        self.task: asyncio.Task[None] | None = None
        #: Seconds the routine's cues wait for a sensor that dropped out (the session pauses with it).
        self._cue_shift_s = 0.0
        self._sensor_away = False
        self._next_index: int | None = None
        self._first_frame = True
        self._buzz: asyncio.Task[None] | None = None
        #: (user id, profile, address or name) of a trainer, whose calibration is loaded and kept up to date.
        self.device = device
        self.calibration: DeviceCalibration | None = None
        if hasattr(source, "on_status"):
            source.on_status = self._on_sensor

    # -- control ----------------------------------------------------------------------------------------
    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"session-{self.id}")

    def pause(self) -> None:
        self.paused.set()
        self._publish({"type": "cue", "text": "Paused", "kind": "pause", "action": "pause", "countdown_s": None})

    def resume(self) -> None:
        self.paused.clear()

    def stop(self) -> None:
        self.stop_requested = True
        self.paused.clear()
        stop_source = getattr(self.source, "stop", None)
        if stop_source is not None:
            stop_source()  # a trainer's stream ends after what it has already sent

    async def messages(self) -> AsyncIterator[Message]:
        sub = Subscriber()
        for message in self.history:
            sub.offer(message)
        self.subscribers.add(sub)
        try:
            while True:
                message = await sub.queue.get()
                yield message
                if message["type"] == "end":
                    return
        finally:
            self.subscribers.discard(sub)

    # -- the loop -------------------------------------------------------------------------------------
    async def _run(self) -> None:
        status: Literal["completed", "interrupted"] = "completed"
        cues = self.routine.cue_times()
        start_s = getattr(self.source, "start_index", 0) / self.source.info.fs_hz
        # A resumed session re-announces the step under way, then goes on.
        next_cue = max(0, sum(1 for t, _ in cues if t <= start_s) - 1)
        try:
            await self._load_calibration()
            async with self.source:
                async for frame in self.source:
                    produced_at = time.time()
                    while self.paused.is_set() and not self.stop_requested:
                        await asyncio.sleep(0.05)
                    if self.stop_requested:
                        break
                    await self._first(frame)
                    self._follow_gaps(frame)
                    t_end = frame.t0_s + frame.n_samples / frame.fs_hz - self._cue_shift_s
                    while next_cue < len(cues) and cues[next_cue][0] <= t_end:
                        start, step = cues[next_cue]
                        if step.action != "rest":
                            self._vibrate()
                        self._publish(
                            {
                                "type": "cue",
                                "t_s": round(start + self._cue_shift_s, 3),
                                "text": step.instruction,
                                "kind": step.kind,
                                "action": step.action,
                                "countdown_s": step.duration_s,
                                "ends_at_s": round(start + self._cue_shift_s + step.duration_s, 3),
                            }
                        )
                        next_cue += 1
                    if t_end >= self.routine.duration_s and hasattr(self.source, "stop"):
                        self.source.stop()  # a trainer streams for ever: the routine's end ends the session
                    self._publish_frame(frame, produced_at)
                    self._handle(self.pipeline.feed(frame))
                    self._pending_frames.append(frame)
                    if time.monotonic() - self._last_flush >= self.flush_s:
                        await self._flush()
            self._handle(self.pipeline.finish())
        except asyncio.CancelledError:
            status = "interrupted"
            raise
        finally:
            with contextlib.suppress(Exception):
                await self._flush()
                await asyncio.to_thread(self.store.finish, self.id, status, self.summary())
                await self._save_calibration()
            self._publish({"type": "end", "status": status, "summary": self.summary()})
            self.finished.set()

    # -- sensors ------------------------------------------------------------------------------------
    async def _first(self, frame: Frame) -> None:
        """A trainer's rate is measured once it streams: analyse and store at the rate its frames carry."""
        if not self._first_frame:
            return
        self._first_frame = False
        if frame.fs_hz != self.pipeline.fs_hz:
            self.pipeline = Pipeline(frame.fs_hz, frame.units)
            await asyncio.to_thread(self.store.set_sampling_rate, self.id, frame.fs_hz)

    def _follow_gaps(self, frame: Frame) -> None:
        """After the sensor returns, the cues carry on from where they were when it dropped out."""
        if self._next_index is not None and frame.index > self._next_index and self._sensor_away:
            self._cue_shift_s += (frame.index - self._next_index) / frame.fs_hz
            self._sensor_away = False
        self._next_index = frame.index + frame.n_samples

    def _on_sensor(self, status: SensorStatus) -> None:
        name = getattr(self.source, "device_name", None)
        if status.kind == "connected" and self.device is not None and self.device[2] is None and name:
            self.device = (self.device[0], self.device[1], name)
            self._calibrating = asyncio.ensure_future(self._load_calibration())
        if status.kind == "disconnected":
            self._sensor_away = True
        message: Message = {"type": "sensor", "state": status.kind, "text": status.text}
        if status.value is not None:
            message["value"] = status.value
        t_s = round(status.index / self.pipeline.fs_hz, 3)
        if status.kind in ("saturation", "flat", "loss", "bad-payload"):
            message = {"type": "warning", "kind": status.kind, "t_s": t_s, "text": status.text}
            self._pending_events.append({"kind": "problem", **message})
        elif status.kind in ("disconnected", "reconnected", "battery", "unreachable"):
            self._pending_events.append({"kind": "sensor", "t_s": t_s, **message})
        self._publish(message)

    def _vibrate(self) -> None:
        """A "squeeze now" buzz on trainers that have a motor: on for 0.3 s."""
        vibrate = getattr(self.source, "vibrate", None)
        if vibrate is None or not getattr(self.source, "can_vibrate", False):
            return

        async def buzz() -> None:
            with contextlib.suppress(Exception):
                await vibrate(True)
                await asyncio.sleep(0.3)
                await vibrate(False)

        self._buzz = asyncio.create_task(buzz())

    def summary(self) -> dict[str, Any]:
        """Counts and bests over every contraction of the session (a resumed one included)."""
        contractions = self.contractions
        cal = self.pipeline.calibration
        lifts = sum(c["technique"] == "lift" for c in contractions)
        return {
            "count": len(contractions),
            "unit": self.pipeline.unit,
            "max_peak": round(max((c["peak"] for c in contractions), default=0.0), 2),
            "longest_hold_s": round(max((c["hold_s"] for c in contractions), default=0.0), 2),
            "lift_pct": round(100 * lifts / len(contractions), 1) if contractions else None,
            "pushes": sum(c["technique"] == "push" for c in contractions),
            "rest_level": None if cal is None else round(cal.rest, 2),
        }

    # -- calibration per trainer ---------------------------------------------------------------------
    async def _load_calibration(self) -> None:
        if self.device is None or self.device[2] is None:
            return
        self.calibration = await asyncio.to_thread(self.store.get_calibration, *self.device)  # type: ignore[arg-type]
        if self.calibration is not None:
            cal = self.calibration
            self._publish(
                {
                    "type": "calibration",
                    "rest": cal.rest,
                    "mvc": cal.mvc,
                    "unit": cal.unit,
                    "text": f"Calibrated: your strongest squeeze is {cal.mvc:.0f} {cal.unit} above rest; "
                    "squeezes show as % of it.",
                }
            )

    async def _save_calibration(self) -> None:
        """Keep the trainer's rest level from this session and the strongest squeeze it has ever measured."""
        cal = self.pipeline.calibration
        if self.device is None or self.device[2] is None or cal is None or not self.contractions or cal.mvc <= 0:
            return
        best = max(cal.mvc, self.calibration.mvc or 0.0) if self.calibration else cal.mvc
        user, profile, key = self.device
        if key is None:
            return
        await asyncio.to_thread(
            self.store.save_calibration, user, profile, key, rest=cal.rest, mvc=best, unit=self.pipeline.unit
        )

    def _handle(self, events: list[Contraction | SignalProblem]) -> None:
        for event in events:
            if isinstance(event, Contraction):
                message = contraction_message(event)
                if self.calibration is not None:
                    message["pct_of_max"] = self.calibration.percent_of_max(event.peak)
                self.contractions.append(message)
                self._publish(message)
                self._pending_events.append({"kind": "contraction", "t_s": event.onset_s} | message)
                if event.technique == "push":
                    warning = {
                        "type": "warning",
                        "kind": "push",
                        "t_s": round(event.onset_s, 3),
                        "text": "You pushed down — lift and squeeze instead.",
                    }
                    self._publish(warning)
                    self._pending_events.append({"kind": "warning", **warning})
            else:
                warning = {"type": "warning", "kind": event.kind, "t_s": round(event.start_s, 3), "text": event.message}
                self._publish(warning)
                self._pending_events.append({"kind": "problem", **warning})

    def _publish_frame(self, frame: Frame, produced_at: float) -> None:
        message: Message = {"type": "frame", "t_s": np.round(frame.times_s(), 4).tolist()}
        message |= {name: np.round(x, 3).tolist() for name, x in frame.channels.items()}
        message |= {"units": frame.units, "produced_at": produced_at}
        for sub in list(self.subscribers):
            sub.offer(message)

    def _publish(self, message: Message) -> None:
        self.history.append(message)
        for sub in list(self.subscribers):
            sub.offer(message)

    async def _flush(self) -> None:
        frames, events = self._pending_frames, self._pending_events
        self._pending_frames, self._pending_events = [], []
        self._last_flush = time.monotonic()
        if frames or events:
            await asyncio.to_thread(self._write, frames, events)

    def _write(self, frames: list[Frame], events: list[Message]) -> None:
        # One chunk per unbroken run of frames: a transaction every flush, not every frame.
        runs: list[list[Frame]] = []
        for frame in frames:
            if runs and frame.index == runs[-1][-1].index + runs[-1][-1].n_samples:
                runs[-1].append(frame)
            else:
                runs.append([frame])
        for run in runs:
            channels = {n: np.concatenate([f.channels[n] for f in run]) for n in run[0].channels}
            self.store.append_chunk(self.id, run[0].index, channels)
        if events:
            self.store.append_events(self.id, [{k: v for k, v in e.items() if k != "type"} for e in events])


class SessionNotResumable(Exception):
    """Only an interrupted session from the simulator can be carried on."""


class SensorUnavailable(Exception):
    """The trainer asked for could not be found or connected; the message says which and why."""


class SessionManager:
    """The live sessions of this server process; ``backend`` is the Bluetooth backend for trainers."""

    def __init__(self, store: SessionStore, *, flush_s: float, backend: Backend | None = None) -> None:
        self.store = store
        self.flush_s = flush_s
        self.backend = backend
        self.live: dict[str, LiveSession] = {}

    async def start_device(self, user_id: int, *, address: str, profile: str | None, routine: str) -> str:
        """Connect to the trainer at ``address`` through the Bluetooth backend and start a session with it."""
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
        info = source.info
        session_id = await asyncio.to_thread(
            self.store.create_session,
            user_id,
            source="device",
            profile=device.name,
            routine=routine,
            speed=1.0,
            fs_hz=info.fs_hz,
            units=info.units,
        )
        self._launch(
            LiveSession(
                session_id, self.store, source, protocol, flush_s=self.flush_s, device=(user_id, device.name, address)
            )
        )
        return session_id

    async def start_browser(self, user_id: int, *, profile: str, routine: str) -> str:
        """A session whose trainer the web page connects with Web Bluetooth; payloads arrive over its WebSocket."""
        protocol = get_protocol(routine)
        source = BrowserSource(get_profile(profile))
        info = source.info
        session_id = await asyncio.to_thread(
            self.store.create_session,
            user_id,
            source="browser",
            profile=profile,
            routine=routine,
            speed=1.0,
            fs_hz=info.fs_hz,
            units=info.units,
        )
        self._launch(
            LiveSession(session_id, self.store, source, protocol, flush_s=self.flush_s, device=(user_id, profile, None))
        )
        return session_id

    async def start(self, user_id: int, *, profile: str, routine: str, speed: float, seed: int | None = None) -> str:
        """Create and start a simulated session; the simulation and the first write run off the event loop."""
        protocol = get_protocol(routine)

        person_seed = seed if seed is not None else time.time_ns() % 2**31

        def prepare() -> tuple[str, SimulatorSource]:
            source = SimulatorSource(profile, routine, seed=person_seed, speed=speed)
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
            )
            return session_id, source

        session_id, source = await asyncio.to_thread(prepare)
        self._launch(LiveSession(session_id, self.store, source, protocol, flush_s=self.flush_s))
        return session_id

    async def resume(self, session_id: str, *, owner: int) -> None:
        """Carry on an interrupted simulated session of user ``owner`` from its last recorded sample, with the
        same person."""
        record = self.store.get(session_id, owner=owner)
        if record is None or record.status != "interrupted" or record.seed is None or record.profile is None:
            raise SessionNotResumable(f"session {session_id!r} is not an interrupted simulated session")
        profile, seed = record.profile, record.seed

        def prepare() -> SimulatorSource:
            _, _, index = self.store.load_trace(session_id, owner=owner)
            start = int(index[-1]) + 1 if index.size else 0
            source = SimulatorSource(profile, record.routine, seed=seed, speed=record.speed, start_index=start)
            self.store.reopen(session_id)
            return source

        source = await asyncio.to_thread(prepare)
        previous = [{k: v for k, v in c.items() if k != "kind"} for c in record.contractions]
        self._launch(
            LiveSession(
                session_id, self.store, source, get_protocol(record.routine), flush_s=self.flush_s, previous=previous
            )
        )

    def _launch(self, session: LiveSession) -> None:
        self.live[session.id] = session
        session.start()
        assert session.task is not None
        session.task.add_done_callback(lambda _: self.live.pop(session.id, None))

    async def shutdown(self) -> None:
        await self.cancel(list(self.live))

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
