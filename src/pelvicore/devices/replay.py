"""File replay as a live ``Source``: a CSV, EDF+ or BioSPPy text recording, in real time or faster."""

from __future__ import annotations

from pathlib import Path

from pelvicore.devices.frames_source import RecordingSource
from pelvicore.recordings import read_recording


class FileSource(RecordingSource):
    """Replay the recording at ``path`` at ``speed`` x real time (0 = as fast as possible)."""

    def __init__(self, path: str | Path, *, speed: float = 1.0) -> None:
        super().__init__(read_recording(path), name=f"file:{Path(path).name}", speed=speed)
