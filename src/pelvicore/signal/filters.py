"""Streaming filters: each keeps its state between calls, so any chunking gives the one-shot result.

Designs are closed-form bilinear-transform biquads (Butterworth sections and a notch, as in R. Bristow-Johnson's
"Audio EQ Cookbook"), built with NumPy alone; filtering runs in the small compiled loop ``_iir`` (falling back
to ``scipy.signal.sosfilt`` where it was not built). Keeping ``scipy.signal`` out of the analysis path saves
about a second of command-line start-up.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_Kernel = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], None]


def _load_kernel() -> _Kernel:
    try:
        from pelvicore.signal._iir import sosfilt

        return sosfilt
    except ImportError:  # not compiled here: same arithmetic, from SciPy
        from scipy import signal as sps

        def scipy_sosfilt(sos: np.ndarray, x: np.ndarray, zi: np.ndarray, y: np.ndarray) -> None:
            y[:], zi[:] = sps.sosfilt(sos, x, zi=zi)

        return scipy_sosfilt


_sosfilt = _load_kernel()
try:
    from pelvicore.signal._iir import envelope as _envelope_kernel
except ImportError:  # not compiled here
    _envelope_kernel = None


def _biquad(b: tuple[float, float, float], a: tuple[float, float, float]) -> np.ndarray:
    return np.array([b[0] / a[0], b[1] / a[0], b[2] / a[0], 1.0, a[1] / a[0], a[2] / a[0]])


def biquad_lowpass(fc_hz: float, fs_hz: float, q: float = 2**-0.5) -> np.ndarray:
    w = 2 * np.pi * fc_hz / fs_hz
    alpha, cos = np.sin(w) / (2 * q), np.cos(w)
    return _biquad(((1 - cos) / 2, 1 - cos, (1 - cos) / 2), (1 + alpha, -2 * cos, 1 - alpha))


def biquad_highpass(fc_hz: float, fs_hz: float, q: float = 2**-0.5) -> np.ndarray:
    w = 2 * np.pi * fc_hz / fs_hz
    alpha, cos = np.sin(w) / (2 * q), np.cos(w)
    return _biquad(((1 + cos) / 2, -(1 + cos), (1 + cos) / 2), (1 + alpha, -2 * cos, 1 - alpha))


def first_order_lowpass(fc_hz: float, fs_hz: float) -> np.ndarray:
    k = np.tan(np.pi * fc_hz / fs_hz)
    return _biquad((k, k, 0.0), (1 + k, k - 1, 0.0))


#: Q of the two biquads of a 4th-order Butterworth filter.
BUTTERWORTH4_Q = (1 / (2 * np.cos(np.pi / 8)), 1 / (2 * np.cos(3 * np.pi / 8)))


class SosFilter:
    """A causal IIR filter in second-order sections whose state carries across ``feed`` calls.

    ``sos`` rows are ``[b0, b1, b2, 1, a1, a2]``. The state starts at the steady state for the first
    sample, so a DC offset (raw ADC counts, resting pressure) causes no start-up transient.
    """

    def __init__(self, sos: np.ndarray) -> None:
        self.sos = np.ascontiguousarray(np.atleast_2d(sos), dtype=float)
        self._zi: np.ndarray | None = None

    def _steady_state(self, u: float) -> np.ndarray:
        zi = np.empty((len(self.sos), 2))
        for k, (b0, b1, b2, _, a1, a2) in enumerate(self.sos):
            y = (b0 + b1 + b2) / (1 + a1 + a2) * u
            zi[k] = (y - b0 * u, b2 * u - a2 * y)
            u = y
        return zi

    def feed(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=float)
        if x.size == 0:
            return x
        if self._zi is None:
            self._zi = self._steady_state(float(x[0]))
        y = np.empty_like(x)
        _sosfilt(self.sos, x, self._zi, y)
        return y

    def reset(self) -> None:
        self._zi = None

    def delay_s(self, fs_hz: float, at_hz: float = 0.5) -> float:
        """Group delay at ``at_hz`` (default 0.5 Hz, where contractions live), s."""
        w = 2 * np.pi * at_hz / fs_hz
        h = 1e-4 * w

        def phase(omega: float) -> float:
            z = np.exp(-1j * omega * np.arange(3))
            return float(np.sum(np.angle((self.sos[:, :3] @ z) / (self.sos[:, 3:] @ z))))

        return -(phase(w + h) - phase(w - h)) / (2 * h) / fs_hz


class RectifiedEnvelope:
    """``band`` filter, full-wave rectification, then ``smooth`` filter, in one pass over the samples.

    ``feed`` returns (band-passed signal, envelope); the same numbers as running the three steps one after
    the other.
    """

    def __init__(self, band: SosFilter, smooth: SosFilter) -> None:
        self.band, self.smooth = band, smooth

    def feed(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.ascontiguousarray(x, dtype=float)
        if _envelope_kernel is None or x.size == 0:
            band = self.band.feed(x)
            return band, self.smooth.feed(np.abs(band))
        if self.band._zi is None:
            self.band._zi = self.band._steady_state(float(x[0]))
        band, env = np.empty_like(x), np.empty_like(x)
        if self.smooth._zi is None:
            # The smoothing state starts at rest for the first rectified sample, as SosFilter would.
            first = np.empty(1)
            _sosfilt(self.band.sos, x[:1], self.band._zi.copy(), first)
            self.smooth._zi = self.smooth._steady_state(abs(float(first[0])))
        _envelope_kernel(self.band.sos, self.band._zi, self.smooth.sos, self.smooth._zi, x, band, env)
        return band, env

    def reset(self) -> None:
        self.band.reset()
        self.smooth.reset()


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


def sliding_windows(x: np.ndarray, width: int) -> np.ndarray:
    """Every run of ``width`` consecutive values along the last axis, as a read-only view, shape
    ``(..., n - width + 1, width)``: ``np.lib.stride_tricks.sliding_window_view`` without its per-call checks,
    which cost more than the work on a live block."""
    x = np.ascontiguousarray(x)
    n = x.shape[-1] - width + 1
    if width < 1 or n < 1:
        raise ValueError(f"window of {width} sample(s) over {x.shape[-1]}")
    shape = (*x.shape[:-1], n, width)
    strides = (*x.strides[:-1], x.strides[-1], x.strides[-1])
    return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)


SMALL_BLOCK = 8
"""Blocks of at most this many samples take the pure-Python path of ``CausalMedian`` (the same values)."""


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
        half = self.width // 2
        if x.size <= SMALL_BLOCK:
            # A live frame of a few samples: sorting a few short lists beats NumPy's per-call overhead.
            values = joined.tolist()
            return np.array([sorted(values[i : i + self.width])[half] for i in range(x.size)])
        # The width is odd: the middle value is the median.
        return np.partition(sliding_windows(joined, self.width), half, axis=1)[:, half]

    def reset(self) -> None:
        self._history = None

    @property
    def delay_samples(self) -> float:
        return (self.width - 1) / 2


def median(x: np.ndarray) -> float:
    """Median of a 1-D array (same value as ``np.median``, without its per-call overhead)."""
    n = x.size
    if n == 0:
        return float("nan")
    half = n // 2
    if n % 2:
        return float(np.partition(x, half)[half])
    part = np.partition(x, (half - 1, half))
    return float((part[half - 1] + part[half]) / 2)


def running_min(x: np.ndarray, width: int) -> np.ndarray:
    """Minimum over the last ``width`` samples at each sample (the window is cut at the start), O(n).

    Van Herk / Gil-Werman: block-wise prefix and suffix minima, combined.
    """
    n = x.size
    if n == 0 or width <= 1:
        return x.copy()
    pad = (-(n + width - 1)) % width
    padded = np.concatenate([np.full(width - 1, np.inf), x, np.full(pad, np.inf)]).reshape(-1, width)
    prefix = np.minimum.accumulate(padded, axis=1).ravel()
    suffix = np.minimum.accumulate(padded[:, ::-1], axis=1)[:, ::-1].ravel()
    i = np.arange(n) + width - 1  # window [i - width + 1, i] in padded coordinates
    return np.minimum(suffix[i - width + 1], prefix[i])


def lowpass(fc_hz: float, fs_hz: float, order: int = 2) -> SosFilter:
    """Butterworth low-pass of order 1 or 2."""
    fc = min(fc_hz, 0.45 * fs_hz)
    return SosFilter(first_order_lowpass(fc, fs_hz) if order == 1 else biquad_lowpass(fc, fs_hz))


def bandpass(lo_hz: float, hi_hz: float, fs_hz: float) -> SosFilter:
    """4th-order Butterworth high-pass at ``lo_hz`` (the edge that matters: baseline wander and motion lie
    below it) followed by a 2nd-order Butterworth low-pass at ``hi_hz``."""
    hi = min(hi_hz, 0.45 * fs_hz)
    sections = [biquad_highpass(lo_hz, fs_hz, q) for q in BUTTERWORTH4_Q] + [biquad_lowpass(hi, fs_hz)]
    return SosFilter(np.vstack(sections))


def notch(f0_hz: float, fs_hz: float, q: float = 30.0) -> SosFilter:
    """Second-order notch at ``f0_hz`` with quality factor ``q`` (bandwidth f0 / q)."""
    w = 2 * np.pi * f0_hz / fs_hz
    alpha, cos = np.sin(w) / (2 * q), np.cos(w)
    return SosFilter(_biquad((1.0, -2 * cos, 1.0), (1 + alpha, -2 * cos, 1 - alpha)))
