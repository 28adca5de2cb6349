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

#: Frames per second sent by paced sources: 25 frames of 40 ms.
FRAME_RATE_HZ = 25.0


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
        step = max(1, round(rec.fs_hz / FRAME_RATE_HZ))
        pacer = Pacer(self.speed)
        starts = np.arange(self.start_index, rec.n_samples, step)
        # Which frames lost a sample, found once: the frames that lost none (nearly all) skip the search.
        lossy = np.add.reduceat(self._lost, starts).astype(bool).tolist() if starts.size else []
        for i, lost in zip(starts.tolist(), lossy, strict=True):
            await pacer.wait_until((i + step - self.start_index) / rec.fs_hz)
            if not lost:
                yield Frame(i, rec.fs_hz, {n: x[i : i + step] for n, x in rec.signals.items()}, rec.units, rec.start_s)
                continue
            keep = np.flatnonzero(~self._lost[i : i + step])
            # A frame never spans a gap: each unbroken run of kept samples is its own frame, and the gap
            # shows as a jump in index.
            for run in np.split(keep, np.flatnonzero(np.diff(keep) > 1) + 1):
                if run.size:
                    first, last = i + int(run[0]), i + int(run[-1]) + 1
                    yield Frame(
                        first, rec.fs_hz, {n: x[first:last] for n, x in rec.signals.items()}, rec.units, rec.start_s
                    )
