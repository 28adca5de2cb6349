"""The session runner: a source's frames through the analysis pipeline against a routine's cues, recorded in
the store and published to the fan-out.

Each session runs as one asyncio task. Every frame (~45 ms) is published, and analysed in 1 s blocks; samples and
events go to the recorder as they come, which writes every session's in one transaction per tick (1 s).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Literal

import numpy as np

from pelvicore.devices.ble.stream import SensorStatus
from pelvicore.devices.source import ReportsStatus, Resumable, Source, SourceGone, Stoppable, Vibrating
from pelvicore.errors import PelvicoreError
from pelvicore.sessions.fanout import Fanout, Message
from pelvicore.sessions.recorder import Recorder
from pelvicore.sessions.summary import session_summary
from pelvicore.signal.events import Contraction, SignalProblem
from pelvicore.signal.frames import Frame, join_frames
from pelvicore.signal.pipeline import Pipeline
from pelvicore.store.errors import SessionNotHeld
from pelvicore.store.models import EndStatus
from pelvicore.store.repository import DeviceCalibration, SessionStore
from pelvicore.training.feedback import session_feedback
from pelvicore.training.protocols import Protocol, Step

logger = logging.getLogger(__name__)

ANALYSIS_S = 1.0
"""Frames are analysed in blocks of this many seconds (pages still get every frame as it comes)."""


def _for_page(x: np.ndarray) -> np.ndarray:
    """Samples for a page: 32-bit floats, written by orjson with 7 significant digits (enough for any chart, and
    unlike a fixed number of decimals it keeps signals in small units such as V)."""
    return x.astype(np.float32)


def contraction_message(c: Contraction) -> Message:
    return {"type": "contraction"} | c.to_dict()


class LiveSession:
    """One running session: its frames, cues and events go to the store and to ``fanout``."""

    def __init__(
        self,
        session_id: str,
        store: SessionStore,
        source: Source,
        routine: Protocol,
        *,
        fanout: Fanout,
        recorder: Recorder,
        previous: list[Message] | None = None,
        previous_cues: list[Message] | None = None,
        device: tuple[int, str, str | None] | None = None,
        worker: str | None = None,
    ) -> None:
        self.id = session_id
        self.worker = worker  # the server process that runs it: only that one may end it
        self.store = store
        self.source = source
        self.routine = routine
        info = source.info
        self.pipeline = Pipeline(info.fs_hz, info.units)
        self.fanout = fanout
        self.recorder = recorder
        # A resumed session starts with what it had.
        self.contractions: list[Message] = [{"type": "contraction"} | c for c in previous or []]
        #: Every cue given (as stored: ``t_s``, ``action``, ``step``, ``duration_s``...), a resumed session's included.
        self.cues: list[Message] = list(previous_cues or [])
        self._going = asyncio.Event()  # set unless paused
        self._going.set()
        self.stop_requested = False
        self._calibrating: asyncio.Future[None] | None = None
        self.task: asyncio.Task[None] | None = None
        self.given_up: str | None = None  # why this process let the session go (``give_up``)
        self._closing = False  # its end is being written: no cancelling, no new events
        #: Seconds the routine's cues wait for a sensor that dropped out (the session pauses with it).
        self._cue_shift_s = 0.0
        self._sensor_away = False
        self._next_index: int | None = None
        self._next_cue = 0
        self._unanalysed: list[Frame] = []
        self._unanalysed_n = 0  # samples in _unanalysed
        self._duration_s = routine.duration_s
        self._reached_s = 0.0  # routine time reached (s), sensor gaps taken out
        self._first_frame = True
        self._buzz: asyncio.Task[None] | None = None
        #: (user id, profile, address or name) of a trainer, whose calibration is loaded and kept up to date.
        self.device = device
        self.calibration: DeviceCalibration | None = None
        if isinstance(source, ReportsStatus):
            source.on_status = self._on_sensor

    # -- control ----------------------------------------------------------------------------------------
    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"session-{self.id}")

    @property
    def paused(self) -> bool:
        return not self._going.is_set()

    def pause(self) -> None:
        self._going.clear()
        self._publish({"type": "cue", "text": "Paused", "kind": "pause", "action": "pause", "countdown_s": None})

    def resume(self) -> None:
        self._going.set()

    def stop(self) -> None:
        self.stop_requested = True
        self._going.set()
        if isinstance(self.source, Stoppable):
            self.source.stop()  # a trainer's stream ends after what it has already sent

    def give_up(self, reason: str) -> None:
        """Let the session go without ending it: it is no longer this process's (``SessionNotHeld``). What it
        held is not written, its end is not stored, and its pages hear nothing more from here."""
        if self.given_up is None and self.task is not None:
            self.given_up = reason
            if not self._closing:
                self.task.cancel()  # (while closing, ``_close`` sees it and stores no end)

    # -- the loop -------------------------------------------------------------------------------------
    async def _run(self) -> None:
        status: EndStatus = "completed"
        reason: str | None = None
        cues = self.routine.cue_times()
        start_s = (self.source.start_index if isinstance(self.source, Resumable) else 0) / self.source.info.fs_hz
        # A resumed session re-announces the step under way, then goes on.
        self._next_cue = max(0, sum(1 for t, _ in cues if t <= start_s) - 1)
        started = time.monotonic()
        logger.info("session %s started: %s, source %s", self.id, self.routine.name, type(self.source).__name__)
        try:
            await self._load_calibration()
            async with self.source:
                async for frame in self.source:
                    produced_at = time.time()
                    if not self._going.is_set():
                        await self._going.wait()  # paused: wait for resume or stop, without polling
                    if self.stop_requested:
                        break
                    if self._first_frame:
                        await self._first(frame)
                    self._follow_gaps(frame)
                    self._reached_s = frame.t0_s + frame.n_samples / frame.fs_hz - self._cue_shift_s
                    self._give_cues(cues)
                    if (
                        self.routine.steps
                        and self._reached_s >= self._duration_s
                        and isinstance(self.source, Stoppable)
                    ):
                        self.source.stop()  # a trainer streams for ever: the routine's end ends the session
                    self._publish_frame(frame, produced_at)
                    self._analyse(frame)
                    self.recorder.add_frame(self.id, frame)
            self._analyse(None)
            self._handle(self.pipeline.finish())
            if self.stop_requested and (self._reached_s < self._duration_s or not self.routine.steps):
                status = "stopped"  # before the routine's end, or a routine without an end
        except asyncio.CancelledError:
            status = "interrupted"
            raise
        except SourceGone as exc:
            status, reason = "interrupted", str(exc)
            logger.warning("session %s: %s", self.id, exc)
        except Exception as exc:  # any error ends the session as failed, with its reason, never as completed
            status, reason = "failed", f"{type(exc).__name__}: {exc}"[:300]
            logger.exception("session %s failed", self.id)
        finally:
            self._closing = True
            if self.given_up is None:
                await self._end(status, reason, started)
            if self.given_up is not None:
                logger.warning("session %s let go after %.1f s: %s", self.id, time.monotonic() - started, self.given_up)

    async def _end(self, status: EndStatus, reason: str | None, started: float) -> None:
        """Store the end (what is pending first), log it, and tell the pages how it went."""
        status, reason = await self._close(status, reason)
        if self.given_up is not None:
            return  # another process holds it now: no end from here
        logger.info(
            "session %s %s after %.1f s: %d contractions%s", self.id, status, time.monotonic() - started,
            len(self.contractions), f" ({reason})" if reason else "",
        )  # fmt: skip
        summary = self.summary()
        feedback = session_feedback(
            status, self.contractions, self.cues, units=self.pipeline.units, summary=summary, reason=reason
        )
        end: Message = {"type": "end", "status": status, "summary": summary, "feedback": feedback.to_dict()}
        if reason:
            end["reason"] = reason
        self._publish(end)

    def _analyse(self, frame: Frame | None) -> None:
        """Feed the analysis in blocks of ``ANALYSIS_S`` (None: what is held, at the end).

        The pipeline gives the same contractions for any chunking, and most of its cost is per call: a block of
        five frames costs about what one frame does. Contractions are told at most ``ANALYSIS_S`` later.
        """
        held = self._unanalysed
        if held and (
            frame is None or frame.index != held[0].index + self._unanalysed_n or frame.units != held[0].units
        ):
            self._analyse_held()  # a gap or the end: the block so far goes first
        if frame is None:
            return
        held.append(frame)
        self._unanalysed_n += frame.n_samples
        if self._unanalysed_n >= ANALYSIS_S * frame.fs_hz:
            self._analyse_held()

    def _analyse_held(self) -> None:
        self._handle(self.pipeline.feed(join_frames(self._unanalysed)))
        self._unanalysed.clear()
        self._unanalysed_n = 0

    def _give_cues(self, cues: list[tuple[float, Step]]) -> None:
        """Publish and record every cue whose time has come, at its actual time (after any sensor gap)."""
        while self._next_cue < len(cues) and cues[self._next_cue][0] <= self._reached_s:
            start, step = cues[self._next_cue]
            if step.action != "rest":
                self._vibrate()
            t_s = round(start + self._cue_shift_s, 3)
            cue: Message = {
                "type": "cue",
                "t_s": t_s,
                "text": step.instruction,
                "kind": step.kind,
                "action": step.action,
                "countdown_s": step.duration_s,
                "ends_at_s": round(t_s + step.duration_s, 3),
            }
            self._publish(cue)
            given: Message = {"kind": "cue", "t_s": t_s, "action": step.action, "text": step.instruction,
                              "step": step.kind, "duration_s": step.duration_s}  # fmt: skip
            self.cues.append(given)
            self._record(given)
            self._next_cue += 1

    async def _close(self, status: EndStatus, reason: str | None) -> tuple[EndStatus, str | None]:
        """Write what is pending and end the stored session; a write that fails makes it ``failed``."""
        try:
            await self.recorder.flush(self.id)
        except Exception as exc:
            logger.exception("session %s: the last samples could not be written", self.id)
            status, reason = "failed", f"the last samples could not be written: {exc}"[:300]
        if self.given_up is not None:  # the flush was refused: not this process's any more
            return status, reason
        try:
            await asyncio.to_thread(
                self.store.finish, self.id, status, self.summary(), reason=reason, worker=self.worker
            )
        except SessionNotHeld as exc:
            self.given_up = str(exc)
            return status, reason
        except Exception as exc:
            logger.exception("session %s: its end could not be written", self.id)
            status, reason = "failed", f"its end could not be written: {exc}"[:300]
        try:
            await self._save_calibration()
        except Exception:
            logger.exception("session %s: the trainer's calibration could not be saved", self.id)
        return status, reason

    # -- sensors ------------------------------------------------------------------------------------
    async def _first(self, frame: Frame) -> None:
        """A trainer's rate is measured once it streams: analyse and store at the rate its frames carry."""
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
        name = self.source.device_name if isinstance(self.source, ReportsStatus) else None
        if status.kind == "connected" and self.device is not None and self.device[2] is None and name:
            self.device = (self.device[0], self.device[1], name)
            self._calibrating = asyncio.ensure_future(self._load_calibration())
        if status.kind == "disconnected":
            self._sensor_away = True
        t_s = round(status.index / self.pipeline.fs_hz, 3)
        if status.kind in ("saturation", "flat", "loss", "bad-payload"):
            self._warn(status.kind, t_s, status.text, record_as="problem")
            return
        message: Message = {"type": "sensor", "state": status.kind, "text": status.text}
        if status.value is not None:
            message["value"] = status.value
        if status.kind in ("disconnected", "reconnected", "battery", "unreachable"):
            self._record({"kind": "sensor", "t_s": t_s, **message})
        self._publish(message)

    def _vibrate(self) -> None:
        """A "squeeze now" buzz on trainers that have a motor: on for 0.3 s."""
        source = self.source
        if not isinstance(source, Vibrating) or not source.can_vibrate:
            return

        async def buzz() -> None:
            try:
                await source.vibrate(True)
                await asyncio.sleep(0.3)
                await source.vibrate(False)
            except PelvicoreError as exc:  # a buzz that does not come is no reason to end the session
                logger.warning("session %s: the trainer did not vibrate: %s", self.id, exc)

        self._buzz = asyncio.create_task(buzz())

    def summary(self) -> dict[str, Any]:
        """Counts and bests over every contraction of the session (a resumed one included): ``summary.py``."""
        return session_summary(self.contractions, self.pipeline, self._reached_s, self.calibration)

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
                self._record({"kind": "contraction", "t_s": event.onset_s} | message)
                if event.technique == "push":
                    text = "You pushed down — lift and squeeze instead."
                    self._warn("push", round(event.onset_s, 3), text, record_as="warning")
            else:
                self._warn(event.kind, round(event.start_s, 3), event.message, record_as="problem")

    def _warn(self, what: str, t_s: float, text: str, *, record_as: Literal["warning", "problem"]) -> None:
        """Tell the page (a ``warning`` message of kind ``what``) and store it as a ``warning`` about her
        technique or a ``problem`` with the signal, naming which (``{"kind": "problem", "problem": "flat"}``)."""
        self._publish({"type": "warning", "kind": what, "t_s": t_s, "text": text})
        self._record({"kind": record_as, record_as: what, "t_s": t_s, "text": text})

    def _publish_frame(self, frame: Frame, produced_at: float) -> None:
        # Sample k of the frame is at t0_s + k / fs_hz: one time per frame, not one per sample.
        message: Message = {"type": "frame", "t0_s": round(frame.t0_s, 4), "fs_hz": frame.fs_hz}
        message |= {name: _for_page(x) for name, x in frame.channels.items()}
        message |= {"units": frame.units, "produced_at": produced_at}
        self.fanout.publish(self.id, message)

    def _publish(self, message: Message) -> None:
        self.fanout.publish(self.id, message)

    def _record(self, event: Message) -> None:
        if not self._closing:  # (news after the end was written, e.g. a late sensor status, has nowhere to go)
            self.recorder.add_event(self.id, event)
