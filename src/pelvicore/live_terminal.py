"""A live session in the terminal: a scrolling pressure trace, the current cue, contractions as they end."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np
from rich.console import Group
from rich.live import Live
from rich.panel import Panel
from rich.text import Text

from pelvicore.devices.frames_source import RecordingSource
from pelvicore.devices.replay import FileSource
from pelvicore.devices.simulator import SimulatorSource
from pelvicore.signal.events import Contraction, SignalProblem
from pelvicore.signal.pipeline import Pipeline
from pelvicore.training.protocols import Step
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


def current_cue(cues: list[tuple[float, Step]], t_s: float) -> tuple[Step | None, float]:
    """The step under way at ``t_s`` and the seconds left in it."""
    for start, step in reversed(cues):
        if t_s >= start:
            return step, start + step.duration_s - t_s
    return None, 0.0


async def run_live(*, profile: str, protocol: str, speed: float, seed: int, file: Path | None) -> None:
    source: RecordingSource
    if file is not None:
        source, cues = FileSource(file, speed=speed), []
    else:
        source = SimulatorSource(profile, protocol, seed=seed, speed=speed)
        cues = get_protocol(protocol).cue_times()
    info = source.info
    pipeline = Pipeline(info.fs_hz, info.units)
    channel, unit = pipeline.channel, pipeline.unit
    history: deque[np.ndarray] = deque()
    kept = 0
    recent: deque[str] = deque(maxlen=5)
    warning = ""
    t_now = 0.0

    def view() -> Panel:
        x = np.concatenate(list(history)) if history else np.empty(0)
        cols = np.array_split(x, WIDTH) if x.size >= WIDTH else [x]
        trace = np.array([c.max() for c in cols if c.size])
        lo = float(np.percentile(x, 2)) if x.size else 0.0
        hi = max(lo + 5.0, float(x.max()) if x.size else 1.0)
        step, left = current_cue(cues, t_now)
        cue = Text(f"{step.instruction} — {left:4.1f} s" if step else "Free practice", style="bold cyan")
        lines = [
            cue,
            Text(sparkline(trace, lo, hi), style="green"),
            Text(
                f"{channel}: {x[-1] if x.size else 0:.1f} {unit}   t = {t_now:5.1f} s   "
                f"contractions: {len(pipeline.contractions)}"
            ),
        ]
        if warning:
            lines.append(Text(warning, style="bold red"))
        lines += [Text(r) for r in recent]
        return Panel(Group(*lines), title=f"pelvicore live — {info.name}", subtitle="Ctrl-C to stop")

    with Live(view(), refresh_per_second=10, transient=False) as live:
        async with source:
            async for frame in source:
                t_now = frame.times_s()[-1]
                history.append(frame.channels[channel])
                kept += frame.n_samples
                while history and kept - history[0].size >= WINDOW_S * info.fs_hz:
                    kept -= history.popleft().size
                for event in pipeline.feed(frame):
                    warning = _describe(event, recent, unit) or warning
                live.update(view())
            for event in pipeline.finish():
                _describe(event, recent, unit)
            live.update(view())
    cal = pipeline.calibration
    if cal is not None:
        lifts = sum(c.technique == "lift" for c in pipeline.contractions)
        print(
            f"{len(pipeline.contractions)} contractions, strongest {cal.mvc:.1f} {unit} above rest, "
            f"{lifts} lifted correctly."
        )


def _describe(event: Contraction | SignalProblem, recent: deque[str], unit: str) -> str:
    if isinstance(event, SignalProblem):
        recent.append(f"⚠ {event.message}")
        return ""
    recent.append(
        f"✓ {event.onset_s:6.1f} s: peak {event.peak:.1f} {unit}, held {event.hold_s:.1f} s, {event.technique}"
    )
    return "You pushed down — lift and squeeze instead" if event.technique == "push" else ""
