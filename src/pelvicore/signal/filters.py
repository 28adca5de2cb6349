"""Streaming filters: each keeps its state between calls, so any chunking gives the one-shot result."""

from __future__ import annotations

import numpy as np
from scipy import signal as sps


class SosFilter:
    """A causal IIR filter in second-order sections whose state carries across ``feed`` calls.

    The state starts at the steady state for the first sample, so a DC offset (raw ADC counts,
    resting pressure) causes no start-up transient.
    """

    def __init__(self, sos: np.ndarray) -> None:
        self.sos = np.asarray(sos, dtype=float)
        self._zi0 = sps.sosfilt_zi(self.sos)
        self._zi: np.ndarray | None = None

    def feed(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0:
            return x.astype(float)
        if self._zi is None:
            self._zi = self._zi0 * x[0]
        y, self._zi = sps.sosfilt(self.sos, x, zi=self._zi)
        return np.asarray(y)

    def reset(self) -> None:
        self._zi = None

    def delay_s(self, fs_hz: float, at_hz: float = 0.5) -> float:
        """Group delay at ``at_hz`` (default 0.5 Hz, where contractions live), s."""
        b, a = sps.sos2tf(self.sos)
        _, gd = sps.group_delay((b, a), w=[at_hz], fs=fs_hz)
        return float(gd[0]) / fs_hz


class Chain:
    """Filters applied one after the other."""

    def __init__(self, *filters: SosFilter) -> None:
        self.filters = filters

    def feed(self, x: np.ndarray) -> np.ndarray:
        for f in self.filters:
            x = f.feed(x)
        return x

    def reset(self) -> None:
        for f in self.filters:
            f.reset()


class Decimator:
    """Keeps every ``q``-th sample, counted from the first sample ever fed (phase survives chunking)."""

    def __init__(self, q: int) -> None:
        if q < 1:
            raise ValueError(f"decimation factor must be >= 1, got {q!r}")
        self.q = q
        self._skip = 0

    def feed(self, x: np.ndarray) -> np.ndarray:
        if self.q == 1:
            return x
        y = x[self._skip :: self.q]
        self._skip = (self._skip - x.size) % self.q
        return y

    def reset(self) -> None:
        self._skip = 0


class CausalMedian:
    """Running median over the last ``width`` samples (odd), for spike removal.

    Delays a ramp by ``(width - 1) / 2`` samples; before ``width`` samples have arrived the window
    is padded with the first sample.
    """

    def __init__(self, width: int) -> None:
        self.width = max(1, int(width) | 1)
        self._history: np.ndarray | None = None

    def feed(self, x: np.ndarray) -> np.ndarray:
        if self.width == 1 or x.size == 0:
            return x
        if self._history is None:
            self._history = np.full(self.width - 1, x[0])
        joined = np.concatenate([self._history, x])
        self._history = joined[-(self.width - 1) :]
        windows = np.lib.stride_tricks.sliding_window_view(joined, self.width)
        return np.asarray(np.median(windows, axis=1))

    def reset(self) -> None:
        self._history = None

    @property
    def delay_samples(self) -> float:
        return (self.width - 1) / 2


def lowpass(fc_hz: float, fs_hz: float, order: int = 2) -> SosFilter:
    return SosFilter(sps.butter(order, min(fc_hz, 0.45 * fs_hz), btype="lowpass", fs=fs_hz, output="sos"))


def bandpass(lo_hz: float, hi_hz: float, fs_hz: float, order: int = 4) -> SosFilter:
    return SosFilter(sps.butter(order, [lo_hz, min(hi_hz, 0.45 * fs_hz)], btype="bandpass", fs=fs_hz, output="sos"))


def notch(f0_hz: float, fs_hz: float, q: float = 30.0) -> SosFilter:
    b, a = sps.iirnotch(f0_hz, q, fs=fs_hz)
    return SosFilter(sps.tf2sos(b, a))
