"""What every assessment needs from a recording: the right channel, in calibrated units, as a time-stamped trace."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pelvicore.errors import SignalError
from pelvicore.recordings.model import Recording
from pelvicore.signal.conditioning import EmgConditioner, PressureConditioner
from pelvicore.signal.frames import TO_CMH2O, channel_kind

#: Factors to uV.
TO_UV = {"uV": 1.0, "mV": 1000.0}


def describe_channels(rec: Recording) -> str:
    return ", ".join(f"{name} [{unit}]" for name, unit in rec.units.items())


def pick_channel(rec: Recording, channel: str | None, *, want: str, purpose: str, hint: str = "") -> str:
    """Return ``channel`` (checked) or the first channel of kind ``want`` (``"emg"`` or ``"pressure"``).

    ``purpose`` names the assessment, and ``hint`` what to do, in the error raised when no such channel exists.
    """
    if channel is not None:
        if channel not in rec.units:
            raise SignalError(f"no channel {channel!r} (channels: {describe_channels(rec)})")
        return channel
    preferred = ("emg",) if want == "emg" else ("floor",)
    for name in preferred:
        if name in rec.units and channel_kind(name, rec.units[name]) == want:
            return name
    for name, unit in rec.units.items():
        if channel_kind(name, unit) == want and unit != "degC":
            return name
    what = "surface-EMG" if want == "emg" else "pressure"
    raise SignalError(f"{purpose} needs a {what} channel, this file has {describe_channels(rec)}{hint}")


def calibrated(rec: Recording, name: str) -> tuple[np.ndarray, str]:
    """Channel ``name`` in cmH2O (pressure) or uV (EMG) when its unit allows; otherwise as stored."""
    x = np.asarray(rec.signals[name], dtype=float)
    unit = rec.units[name]
    if unit in TO_CMH2O:
        return x * TO_CMH2O[unit], "cmH2O"
    if unit in TO_UV:
        return x * TO_UV[unit], "uV"
    return x, unit


def with_calibrated_units(rec: Recording) -> Recording:
    """A copy of ``rec`` whose pressure channels are in cmH2O and EMG channels in uV."""
    signals, units = {}, {}
    for name in rec.signals:
        signals[name], units[name] = calibrated(rec, name)
    return Recording(rec.fs_hz, signals, units, rec.annotations, rec.start_s, dict(rec.meta))


@dataclass(frozen=True, slots=True)
class Trace:
    """A uniformly sampled trace; sample ``i`` lies at ``t0_s + i / fs_hz`` s from the recording's first sample."""

    values: np.ndarray
    fs_hz: float
    t0_s: float = 0.0

    def index(self, t_s: float) -> int:
        """Index of the first sample at or after ``t_s``, clipped to the trace."""
        return int(np.clip(np.ceil((t_s - self.t0_s) * self.fs_hz - 1e-9), 0, self.values.size))

    def time(self, i: int | float) -> float:
        return self.t0_s + float(i) / self.fs_hz

    def between(self, t0_s: float, t1_s: float) -> np.ndarray:
        return self.values[self.index(t0_s) : self.index(t1_s)]

    def median(self, t0_s: float, t1_s: float) -> float | None:
        part = self.between(t0_s, t1_s)
        return float(np.median(part)) if part.size else None


def pressure_trace(x: np.ndarray, fs_hz: float) -> Trace:
    """Pressure conditioned as the contraction detector sees it (8 Hz low-pass, 0.5 s running median)."""
    cond = PressureConditioner(fs_hz)
    return Trace(cond.feed(x), cond.fs_out_hz, -cond.delay_s)


def emg_band(x: np.ndarray, fs_hz: float) -> np.ndarray:
    """Surface EMG band-passed (20-450 Hz) and notch-filtered (50, 60 Hz), not rectified: the signal
    whose RMS the Glazer protocol reports."""
    cond = EmgConditioner(fs_hz)
    cond.feed(x)
    return cond.last_band


def emg_envelope(x: np.ndarray, fs_hz: float) -> Trace:
    """The 6 Hz amplitude envelope of surface EMG, as the contraction detector sees it."""
    cond = EmgConditioner(fs_hz)
    return Trace(cond.feed(x)[0], cond.fs_out_hz, -cond.delay_s)


def flat_mask(x: np.ndarray, fs_hz: float, *, min_run_s: float = 0.02, settle_s: float = 0.5) -> np.ndarray:
    """True where EMG is usable: False on runs of one repeated value (lost samples held, a detached
    electrode) at least ``min_run_s`` long, and for ``settle_s`` after each, while the filters ring down (the
    step back to live samples rings through the high-pass and mains notches for a few tenths of a second)."""
    good = np.ones(x.size, dtype=bool)
    if x.size < 2:
        return good
    same = np.concatenate([[False], x[1:] == x[:-1], [False]])
    edges = np.flatnonzero(np.diff(same.astype(np.int8)))
    min_run, settle = max(2, round(min_run_s * fs_hz)), round(settle_s * fs_hz)
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if end - start + 1 >= min_run:
            good[max(0, start - 1) : end + settle] = False
    return good


def moving_mean(y: np.ndarray, valid: np.ndarray, width: int) -> np.ndarray:
    """Centred moving mean of ``y`` over ``width`` samples, counting only ``valid`` samples; NaN where fewer
    than half the window is valid (a mean of a handful of samples would be noise)."""
    width = max(1, width)
    c = np.concatenate([[0.0], np.cumsum(np.where(valid, y, 0.0))])
    k = np.concatenate([[0], np.cumsum(valid)])
    n = y.size
    lo = np.clip(np.arange(n) - width // 2, 0, n)
    hi = np.clip(lo + width, 0, n)
    count = k[hi] - k[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count >= max(1, width // 2), (c[hi] - c[lo]) / np.maximum(count, 1), np.nan)


def rounded(value: float | None, digits: int = 2) -> float | None:
    """``value`` rounded for JSON; ``None`` for a missing or non-finite value."""
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), digits)
