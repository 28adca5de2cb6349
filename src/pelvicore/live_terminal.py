"""A live session in the terminal: a scrolling pressure trace, the current cue, contractions as they end.

It runs on the same session engine as the web app (``sessions/``), on a throw-away in-memory database: the
terminal shows what a page would, from the same messages.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Group
from rich.live import Live
from rich.panel import Panel
from rich.text import Text

from pelvicore.devices.frames_source import RecordingSource
from pelvicore.devices.replay import FileSource
from pelvicore.devices.simulator import SimulatorSource
from pelvicore.sessions import SessionManager
from pelvicore.sessions.lsl import open_lsl, require_pylsl, source_ids, stream_lsl
from pelvicore.store import SessionStore, make_engine, migrate
from pelvicore.training.feedback import NOT_MEASURED
from pelvicore.training.protocols import FREE
from pelvicore.training.routines import get_protocol

BARS = " ▁▂▃▄▅▆▇█"
WINDOW_S = 12.0
WIDTH = 72


def sparkline(x: np.ndarray, lo: float, hi: float) -> str:
    """Draw ``x`` as one line of block characters scaled between ``lo`` and ``hi``."""
    if x.size == 0:
        return ""
    levels = np.clip((x - lo) / max(hi - lo, 1e-9), 0, 1) * (len(BARS) - 1)
    return "".join(BARS[int(v)] for v in np.round(levels))


class TerminalView:
    """What the terminal shows, kept up to date from the session's messages."""

    def __init__(self, title: str, channel: str, unit: str, fs_hz: float) -> None:
        self.title, self.channel, self.unit = title, channel, unit
        self.samples: deque[float] = deque(maxlen=round(WINDOW_S * fs_hz))
        self.recent: deque[str] = deque(maxlen=5)
        self.cue: dict[str, Any] | None = None
        self.warning = ""
        self.t_now = 0.0
        self.count = 0
        self.end: dict[str, Any] | None = None

    def take(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "frame":
            values = message.get(self.channel, [])
            self.samples.extend(values)
            self.t_now = message["t0_s"] + max(0, len(values) - 1) / message["fs_hz"]
        elif kind == "cue":
            self.cue = message
        elif kind == "contraction":
            self.count += 1
            self.recent.append(
                f"✓ {message['onset_s']:6.1f} s: peak {message['peak']:.1f} {self.unit}, "
                f"held {message['hold_s']:.1f} s, "
                f"{NOT_MEASURED if message['technique'] == 'unknown' else message['technique']}"
            )
        elif kind == "warning":
            if message.get("kind") == "push":
                self.warning = "You pushed down — lift and squeeze instead"
            else:
                self.recent.append(f"⚠ {message['text']}")
        elif kind == "end":
            self.end = message

    def render(self) -> Panel:
        x = np.asarray(self.samples, dtype=float)
        cols = np.array_split(x, WIDTH) if x.size >= WIDTH else [x]
        trace = np.array([c.max() for c in cols if c.size])
        lo = float(np.percentile(x, 2)) if x.size else 0.0
        hi = max(lo + 5.0, float(x.max()) if x.size else 1.0)
        cue = self.cue
        if cue is not None and cue.get("ends_at_s") is not None:
            left = max(0.0, cue["ends_at_s"] - self.t_now)
            heading = Text(f"{cue['text']} — {left:4.1f} s", style="bold cyan")
        else:
            heading = Text("Free practice", style="bold cyan")
        lines = [
            heading,
            Text(sparkline(trace, lo, hi), style="green"),
            Text(
                f"{self.channel}: {x[-1] if x.size else 0:.1f} {self.unit}   t = {self.t_now:5.1f} s   "
                f"contractions: {self.count}"
            ),
        ]
        if self.warning:
            lines.append(Text(self.warning, style="bold red"))
        lines += [Text(r) for r in self.recent]
        return Panel(Group(*lines), title=f"pelvicore live — {self.title}", subtitle="Ctrl-C to stop")


async def run_live(
    *, profile: str, protocol: str, speed: float, seed: int, file: Path | None, lsl: bool = False
) -> None:
    """Play a simulated person (or ``file``) through a session in the terminal; ``lsl``: also publish it on the
    Lab Streaming Layer (``sessions/lsl.py``) until it ends."""
    if lsl:
        require_pylsl()  # before anything starts: a one-line error without the extra
    source: RecordingSource
    if file is not None:
        source, routine = FileSource(file, speed=speed), FREE
    else:
        routine = get_protocol(protocol)
        source = SimulatorSource(profile, routine, seed=seed, speed=speed)
    engine = make_engine("sqlite://")  # a throw-away database: the terminal session is not kept
    try:
        migrate(engine)
        store = SessionStore(engine)
        manager = SessionManager(store, flush_s=1.0)
        try:
            session_id = await manager.start_source(store.ensure_user(), source, routine, kind=source.info.name)
            info = source.info
            channel = "floor" if "floor" in info.units else next(iter(info.units))
            view = TerminalView(info.name, channel, info.units[channel], info.fs_hz)
            # Its outlets open before the session can send anything: they miss nothing.
            publisher = open_lsl(manager, session_id) if lsl else None
            async with asyncio.TaskGroup() as tasks:
                if publisher is not None:
                    tasks.create_task(stream_lsl(publisher, manager.fanout, session_id))
                    print("Publishing on the Lab Streaming Layer as " + " and ".join(source_ids(session_id)))
                with Live(view.render(), refresh_per_second=10, transient=False) as live:
                    async for text in manager.fanout.subscribe(session_id):
                        view.take(json.loads(text))
                        live.update(view.render())
        finally:
            await manager.shutdown()
        end = view.end or {}
        summary = end.get("summary") or {}
        lift = summary.get("lift_pct")
        technique = (
            f", {NOT_MEASURED}"
            if summary.get("technique_measured") is False
            else f", {lift} % lifted correctly"
            if lift is not None
            else ""
        )
        print(
            f"\n{summary.get('count', view.count)} contractions, strongest {summary.get('max_peak', 0.0)} "
            f"{summary.get('unit', view.unit)} above rest{technique}."
        )
        feedback = end.get("feedback")
        # The last line: what happened, then what went well and what to work on (training/feedback.py).
        print(f"{feedback['outcome']} {feedback['message']}" if feedback else f"Session {end.get('status', 'ended')}.")
    finally:
        engine.dispose()
