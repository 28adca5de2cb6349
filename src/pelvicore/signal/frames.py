"""Frames: short blocks of uniformly sampled, named channels — the unit every source emits."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pelvicore.errors import SignalError

#: Units whose channels are surface EMG; everything else is treated as pressure.
EMG_UNITS = frozenset({"uV", "mV"})
#: Calibrated pressure units, with the factor to cmH2O (1 mmHg = 1.35951 cmH2O, 1 kPa = 10.1972 cmH2O;
#: facts/devices.md, "Units").
TO_CMH2O = {"cmH2O": 1.0, "mmHg": 1.35951, "kPa": 10.1972, "Pa": 10.1972 / 1000}


def channel_kind(name: str, unit: str) -> str:
    """Return ``"emg"`` for surface-EMG channels and ``"pressure"`` for the rest."""
    return "emg" if unit in EMG_UNITS or name.lower().startswith("emg") else "pressure"


@dataclass(frozen=True, slots=True)
class Frame:
    """A block of samples from one source.

    Parameters
    ----------
    index : int
        Sample number of the first sample since the stream started. A frame whose index is
        larger than the previous frame's end marks a dropout: those samples were lost.
    fs_hz : float
        Sampling rate, Hz, shared by all channels.
    channels : dict of str to ndarray, each shape (n_samples,)
        Channel name to samples, in the channel's unit.
    units : dict of str to str
        Channel name to unit (``cmH2O``, ``uV``, ``raw``...).
    start_s : float
        Time of sample number 0, s.
    """

    index: int
    fs_hz: float
    channels: dict[str, np.ndarray]
    units: dict[str, str]
    start_s: float = 0.0

    def __post_init__(self) -> None:
        if not math.isfinite(self.fs_hz) or self.fs_hz <= 0:
            raise SignalError(f"sampling rate must be > 0 Hz, got {self.fs_hz!r}")
        if len(self.channels) > 1:
            lengths = {len(x) for x in self.channels.values()}
            if len(lengths) > 1:
                raise SignalError(f"frame channels differ in length: {sorted(lengths)}")

    @property
    def n_samples(self) -> int:
        return len(next(iter(self.channels.values()))) if self.channels else 0

    @property
    def t0_s(self) -> float:
        """Time of the first sample, s."""
        return self.start_s + self.index / self.fs_hz

    def times_s(self) -> np.ndarray:
        """Sample times, s, shape (n_samples,)."""
        return self.start_s + (self.index + np.arange(self.n_samples)) / self.fs_hz


def join_frames(frames: Sequence[Frame]) -> Frame:
    """Consecutive frames (each starting where the one before ended) as one frame."""
    first = frames[0]
    if len(frames) == 1:
        return first
    channels = {name: np.concatenate([f.channels[name] for f in frames]) for name in first.channels}
    return Frame(first.index, first.fs_hz, channels, first.units, first.start_s)
