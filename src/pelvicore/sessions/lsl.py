"""A live session on the Lab Streaming Layer (LSL), for a lab's recorder (LabRecorder, MNE-LSL) to take.

One session gives two streams: its signal (type ``Pressure`` or ``EMG``, one float32 channel per session channel,
at the session's rate) and its markers (type ``Markers``, irregular, strings: cue texts, ``contraction ...``,
``warning ...``, ``end <status>``). Both carry source ids made from the session id, so a recorder finds them again
after a restart.

The publisher is one more subscriber of the fan-out, as a web page or the terminal is: the runner does not know
it exists, and costs nothing more when no one publishes. Times map onto the LSL clock as ``local_clock()`` at the
session's time 0 plus the session time of each sample, so the signal and the markers line up with each other and
with any other stream recorded on the same computer. ``pylsl`` is the optional extra ``lsl``, imported only here.

Reference: Kothe et al. 2024, "The lab streaming layer for synchronized multimodal recording", bioRxiv
2024.02.13.580071.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from types import ModuleType
from typing import Any

import numpy as np
import orjson

from pelvicore.errors import PelvicoreError
from pelvicore.sessions.fanout import Fanout, Message
from pelvicore.sessions.manager import SessionManager

logger = logging.getLogger(__name__)

LINGER_S = 1.0
"""Seconds the outlets stay open after the session's end, for recorders to pull its last samples and markers."""


class LslUnavailable(PelvicoreError):
    """``pylsl`` (the optional extra ``lsl``) is not installed, or its library cannot be loaded."""


class SessionNotLive(PelvicoreError):
    """Only a running session can be published."""


def require_pylsl() -> ModuleType:
    """The ``pylsl`` module, or ``LslUnavailable`` saying how to install it."""
    try:
        import pylsl
    except ImportError:
        raise LslUnavailable("publishing on the Lab Streaming Layer needs pylsl: install pelvicore[lsl]") from None
    except RuntimeError:  # pylsl without a liblsl it can load (its message is many lines)
        raise LslUnavailable(
            "pylsl cannot load its liblsl: install pelvicore[lsl] again, or set PYLSL_LIB to a liblsl library"
        ) from None
    return pylsl


def source_ids(session_id: str) -> tuple[str, str]:
    """The LSL source ids of a session's signal and marker streams."""
    return f"pelvicore-{session_id}", f"pelvicore-{session_id}-markers"


class LslPublisher:
    """The two LSL outlets of one session; ``take`` each of its fan-out messages, then ``close``.

    Parameters
    ----------
    session_id : str
        The session, named in both streams' source ids.
    routine : str
        Its routine's name, in the streams' names (``pelvicore quick-check``).
    fs_hz : float
        Its sampling rate, Hz: the signal stream's nominal rate.
    units : dict of str to str
        Its channels, in order, with their units (``{"floor": "cmH2O", "abdomen": "cmH2O"}``).
    unit : str
        The unit of contractions' peaks (the analysed channel's), in their markers.
    emg : bool
        Surface EMG (stream type ``EMG``) rather than pressure (``Pressure``).
    """

    def __init__(
        self, session_id: str, *, routine: str, fs_hz: float, units: dict[str, str], unit: str, emg: bool
    ) -> None:
        pylsl = require_pylsl()
        self._pylsl = pylsl
        self.channels = list(units)
        self.unit = unit
        signal_id, markers_id = source_ids(session_id)
        kind = "EMG" if emg else "Pressure"
        info = pylsl.StreamInfo(f"pelvicore {routine}", kind, len(units), fs_hz, "float32", signal_id)
        channels = info.desc().append_child("channels")
        for name, unit in units.items():
            channel = channels.append_child("channel")
            channel.append_child_value("label", name)
            channel.append_child_value("unit", unit)
            channel.append_child_value("type", kind)
        info.desc().append_child("acquisition").append_child_value("manufacturer", "pelvicore")
        markers = pylsl.StreamInfo(f"pelvicore {routine} markers", "Markers", 1, pylsl.IRREGULAR_RATE, "string",
                                   markers_id)  # fmt: skip
        self._signal: Any = pylsl.StreamOutlet(info)
        self._markers: Any = pylsl.StreamOutlet(markers)
        #: LSL time of the session's time 0, s: known from its first frame.
        self.zero_s: float | None = None
        self._end_s: float | None = None  # session time just after the last sample sent
        self._held: list[tuple[float | None, str]] = []  # markers that came before the first frame

    # -- messages ---------------------------------------------------------------------------------------
    def take(self, message: Message) -> None:
        """Publish one of the session's fan-out messages (parsed): a frame's samples, or a marker."""
        kind = message["type"]
        if kind == "frame":
            self._frame(message)
            return
        marker = marker_of(message, self.unit)
        if marker is not None:
            self._mark(*marker)

    def _frame(self, message: Message) -> None:
        fs_hz, t0_s = message["fs_hz"], message["t0_s"]
        columns = [message.get(name) for name in self.channels]
        n = max((len(c) for c in columns if c is not None), default=0)
        if n == 0:
            return
        samples = np.full((n, len(self.channels)), np.nan, dtype=np.float32)
        for j, column in enumerate(columns):
            if column is not None:
                samples[:, j] = column
        t_s = t0_s + np.arange(n) / fs_hz
        if self.zero_s is None:
            # The frame's last sample was taken about when the runner got it (``produced_at``): switched on
            # mid-session, the publisher still finds the session's own time 0 (its first frames are seconds old).
            age_s = max(0.0, time.time() - message.get("produced_at", time.time()))
            self.zero_s = self._pylsl.local_clock() - age_s - float(t_s[-1])
            self._release_held()
        self._signal.push_chunk(samples, (self.zero_s + t_s).tolist())
        self._end_s = float(t_s[-1]) + 1 / fs_hz

    def _mark(self, t_s: float | None, text: str) -> None:
        """A marker at session time ``t_s`` (None: now, just after the last sample sent)."""
        if self.zero_s is None:
            self._held.append((t_s, text))
            return
        at_s = t_s if t_s is not None else self._end_s
        stamp = self._pylsl.local_clock() if at_s is None else self.zero_s + at_s
        self._markers.push_sample([text], stamp)

    def _release_held(self) -> None:
        held, self._held = self._held, []
        for t_s, text in held:
            self._mark(t_s, text)

    def close(self) -> None:
        """Send what is held and close both outlets: recorders see the streams end."""
        if self._held:
            self.zero_s = self._pylsl.local_clock()  # a session without a frame: its markers at its end
            self._release_held()
        self._signal = self._markers = None  # pylsl destroys an outlet with its last reference


def marker_of(message: Message, unit: str) -> tuple[float | None, str] | None:
    """The marker (session time or None, text) for a cue, contraction, warning, sensor change or end; else None.

    A contraction's marker is at its onset: it is told when it ends, but a recording should show where it began.
    """
    kind = message["type"]
    if kind == "cue":
        return message.get("t_s"), str(message["text"])
    if kind == "contraction":
        return message["onset_s"], (
            f"contraction {message['technique']} peak {message['peak']:.2f} {unit} hold {message['hold_s']:.2f} s "
            f"onset {message['onset_s']:.3f} s offset {message['offset_s']:.3f} s"
        )
    if kind == "warning":
        return message.get("t_s"), f"warning {message['kind']}: {message['text']}"
    if kind == "sensor" and message["state"] != "battery":
        return None, f"sensor {message['state']}: {message['text']}"
    if kind == "end":
        return None, f"end {message['status']}"
    return None


# -- a session's publishing ------------------------------------------------------------------------------------
def open_lsl(manager: SessionManager, session_id: str) -> LslPublisher:
    """Outlets for a running session of ``manager``, at its rate and with its channels.

    Made on the event loop (under a millisecond): a subscription that follows at once misses nothing.
    """
    require_pylsl()
    live = manager.live.get(session_id)
    if live is None:
        raise SessionNotLive(f"session {session_id!r} is not running")
    pipeline = live.pipeline
    return LslPublisher(
        session_id, routine=live.routine.name, fs_hz=pipeline.fs_hz, units=pipeline.units, unit=pipeline.unit,
        emg=pipeline.kind == "emg",
    )  # fmt: skip


async def stream_lsl(publisher: LslPublisher, fanout: Fanout, session_id: str) -> None:
    """Publish a session's messages until its ``end`` (or until cancelled), then close the outlets.

    After the end they stay open ``LINGER_S``: an inlet that loses its outlet drops what it has not yet pulled.
    """
    try:
        kind = None
        async for text in fanout.subscribe(session_id):
            message = orjson.loads(text)
            kind = message.get("type")
            publisher.take(message)
        if kind != "end":  # let go here (another server process holds it now): no end marker to give
            logger.warning("session %s: no longer runs in this process; its LSL outlets close", session_id)
        await asyncio.sleep(LINGER_S)
    finally:
        await asyncio.to_thread(publisher.close)  # liblsl waits for its threads to stop


async def publish_lsl(manager: SessionManager, session_id: str) -> None:
    """Publish a running session on LSL until it ends; its outlets close with it.

    Raises ``LslUnavailable`` without pylsl and ``SessionNotLive`` for a session that is not running.
    """
    publisher = open_lsl(manager, session_id)
    logger.info("session %s: published on LSL as %s", session_id, " and ".join(source_ids(session_id)))
    await stream_lsl(publisher, manager.fanout, session_id)


class LslSwitch:
    """Which sessions of one manager are published on LSL: switched on and off by session id (web pages)."""

    def __init__(self, manager: SessionManager) -> None:
        self.manager = manager
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def publishing(self, session_id: str) -> bool:
        return session_id in self._tasks

    def start(self, session_id: str) -> None:
        """Publish the session (already published: nothing to do); its outlets exist when this returns."""
        if session_id in self._tasks:
            return
        publisher = open_lsl(self.manager, session_id)
        task = asyncio.create_task(stream_lsl(publisher, self.manager.fanout, session_id), name=f"lsl-{session_id}")
        self._tasks[session_id] = task
        task.add_done_callback(lambda done: self._ended(session_id, done))
        logger.info("session %s: published on LSL as %s", session_id, " and ".join(source_ids(session_id)))

    async def stop(self, session_id: str) -> None:
        """Stop publishing the session, waiting until its outlets are closed."""
        task = self._tasks.pop(session_id, None)
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            if not task.cancelled():
                raise  # this request itself was cancelled
        logger.info("session %s: no longer published on LSL", session_id)

    def _ended(self, session_id: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(session_id) is task:
            del self._tasks[session_id]
        if not task.cancelled() and task.exception() is not None:
            logger.error("session %s: LSL publishing failed", session_id, exc_info=task.exception())


_switches: weakref.WeakKeyDictionary[SessionManager, LslSwitch] = weakref.WeakKeyDictionary()


def lsl_switch(manager: SessionManager) -> LslSwitch:
    """The LSL switch of ``manager`` (one per manager, made on first use and gone with it)."""
    switch = _switches.get(manager)
    if switch is None:
        switch = _switches[manager] = LslSwitch(manager)
    return switch
