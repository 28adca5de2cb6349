"""Record any ``Source`` (a trainer, the simulator, a file) into a ``Recording``.

Gaps (lost samples, a disconnection) are kept as gaps: the last value is held across them so the file stays
uniformly sampled, and a ``dropout`` annotation covers them, which replay and analysis skip. What the sensor
said (disconnected, reconnected, battery, saturation) is kept as annotations too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pelvicore.devices.source import Source
from pelvicore.recordings.model import Annotation, Recording
from pelvicore.signal.frames import Frame


@dataclass
class Collector:
    """Frames and notes as they arrive; ``recording()`` at any moment gives everything so far."""

    fs_hz: float
    units: dict[str, str]
    frames: list[Frame] = field(default_factory=list)
    notes: list[Annotation] = field(default_factory=list)

    @property
    def n_samples(self) -> int:
        return 0 if not self.frames else self.frames[-1].index + self.frames[-1].n_samples - self.frames[0].index

    def add(self, frame: Frame) -> None:
        self.frames.append(frame)

    def note(self, index: int, text: str) -> None:
        origin = self.frames[0].index if self.frames else 0
        self.notes.append(Annotation(max(0, index - origin) / self.fs_hz, 0.0, text))

    def recording(self, meta: dict[str, str] | None = None) -> Recording:
        n = self.n_samples
        origin = self.frames[0].index if self.frames else 0
        signals = {name: np.full(n, np.nan) for name in self.units}
        have = np.zeros(n, dtype=bool)
        for f in self.frames:
            i = f.index - origin
            for name, x in f.channels.items():
                if name in signals:
                    signals[name][i : i + f.n_samples] = x
            have[i : i + f.n_samples] = True
        annotations = list(self.notes)
        missing = np.flatnonzero(~have)
        if missing.size:
            for run in np.split(missing, np.flatnonzero(np.diff(missing) > 1) + 1):
                annotations.append(Annotation(run[0] / self.fs_hz, run.size / self.fs_hz, "dropout"))
            for x in signals.values():
                _hold_last(x)
        for x in signals.values():
            x[np.isnan(x)] = 0.0  # a channel a device never sent (femfit temperature before the first set)
        annotations.sort(key=lambda a: a.onset_s)
        return Recording(self.fs_hz, signals, dict(self.units), tuple(annotations), meta=dict(meta or {}))


def _hold_last(x: np.ndarray) -> None:
    """Fill NaN with the previous value (the first value backwards at the start), in place."""
    bad = np.isnan(x)
    if not bad.any() or bad.all():
        return
    idx = np.where(~bad, np.arange(x.size), 0)
    np.maximum.accumulate(idx, out=idx)
    x[:] = x[idx]
    first = int(np.argmax(~bad))
    x[:first] = x[first]


async def record(
    source: Source,
    collector: Collector,
    *,
    seconds: float | None = None,
    on_frame: Callable[[Collector], None] | None = None,
) -> None:
    """Stream ``source`` into ``collector`` until it ends or ``seconds`` of wall-clock time have passed."""
    t0 = time.monotonic()
    async with source:
        collector.fs_hz = source.info.fs_hz  # a trainer's rate may be measured only once connected
        async for frame in source:
            collector.add(frame)
            if on_frame is not None:
                on_frame(collector)
            if seconds is not None and time.monotonic() - t0 >= seconds:
                break
