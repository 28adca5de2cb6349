"""A ``Source`` that plays a whole in-memory recording as frames, paced or as fast as possible.

The simulator and file replay are both this, with different recordings. Samples marked as a ``dropout``
annotation are not sent (the next frame's index jumps), as a real sensor's lost samples would not be.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType
from typing import Self

import numpy as np

from pelvicore.devices.source import Pacer, SourceInfo
from pelvicore.recordings.model import Recording
from pelvicore.signal.frames import Frame

#: Frames per second sent by paced sources, each of the samples due by then (at 50 Hz: 2 or 3 samples, ~48 ms).
#: Enough for a smooth live trace (20 a second is the target); every frame costs the server the same however few
#: samples it holds, so the rate is the largest lever on the server's CPU per session.
FRAME_RATE_HZ = 21.0


class RecordingSource:
    """Stream ``recording`` in frames of ``1 / FRAME_RATE_HZ`` s; ``speed`` 1 = real time, 0 = no waiting."""

    def __init__(
        self, recording: Recording, *, name: str, speed: float = 1.0, skip_dropouts: bool = True, start_index: int = 0
    ) -> None:
        self.recording = recording
        self.speed = speed
        #: The first sample sent (a resumed session starts where its recording stopped).
        self.start_index = max(0, start_index)
        self._info = SourceInfo(name, recording.fs_hz, dict(recording.units))
        self._lost = np.zeros(recording.n_samples, dtype=bool)
        if skip_dropouts:
            for a in recording.annotations:
                if a.text == "dropout":
                    i0 = round((a.onset_s - recording.start_s) * recording.fs_hz)
                    self._lost[max(0, i0) : i0 + round(a.duration_s * recording.fs_hz)] = True

    @property
    def info(self) -> SourceInfo:
        return self._info

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def __aiter__(self) -> AsyncIterator[Frame]:
        return self._frames()

    async def _frames(self) -> AsyncIterator[Frame]:
        rec = self.recording
        pacer = Pacer(self.speed)
        # Frame k ends with the last sample due at k / FRAME_RATE_HZ (at least one sample a frame).
        n_frames = int(np.ceil((rec.n_samples - self.start_index) * FRAME_RATE_HZ / rec.fs_hz))
        edges = self.start_index + np.round(np.arange(n_frames + 1) * rec.fs_hz / FRAME_RATE_HZ).astype(int)
        edges = np.unique(np.minimum(edges, rec.n_samples))
        starts = edges[:-1]
        # Which frames lost a sample, found once: the frames that lost none (nearly all) skip the search.
        lossy = np.add.reduceat(self._lost, starts).astype(bool).tolist() if starts.size else []
        for i, end, lost in zip(starts.tolist(), edges[1:].tolist(), lossy, strict=True):
            await pacer.wait_until((end - self.start_index) / rec.fs_hz)
            if not lost:
                yield Frame(i, rec.fs_hz, {n: x[i:end] for n, x in rec.signals.items()}, rec.units, rec.start_s)
                continue
            keep = np.flatnonzero(~self._lost[i:end])
            # A frame never spans a gap: each unbroken run of kept samples is its own frame, and the gap
            # shows as a jump in index.
            for run in np.split(keep, np.flatnonzero(np.diff(keep) > 1) + 1):
                if run.size:
                    first, last = i + int(run[0]), i + int(run[-1]) + 1
                    yield Frame(
                        first, rec.fs_hz, {n: x[first:last] for n, x in rec.signals.items()}, rec.units, rec.start_s
                    )
