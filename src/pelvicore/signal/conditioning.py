"""Conditioning: turn a raw channel into the smooth "activity" trace the contraction detector reads.

Pressure: low-pass (8 Hz) against sensor noise, decimation to <= 100 Hz, and a 0.5 s running median that
removes brief motion spikes. Drift and breathing are handled by the detector's local reference.
Surface EMG: 20-450 Hz band-pass (pelvic sEMG practice, facts/clinical.md: 30-500 Hz band-pass with a mains
notch; 20 Hz keeps more of the low-frequency pelvic-floor power) removing baseline wander, notches at 50 and
60 Hz for mains hum, full-wave rectification, a 6 Hz critically damped low-pass envelope, decimation to <= 250 Hz.
"""

from __future__ import annotations

import numpy as np

from pelvicore.signal.filters import (
    CausalMedian,
    Chain,
    Decimator,
    RectifiedEnvelope,
    SosFilter,
    bandpass,
    lowpass,
    notch,
)


def _factor(fs_hz: float, max_out_hz: float) -> int:
    return max(1, int(fs_hz // max_out_hz))


class PressureConditioner:
    """Pressure -> activity in the same unit, at ``fs_out_hz``."""

    kind = "pressure"

    def __init__(self, fs_hz: float) -> None:
        self.fs_hz = fs_hz
        self._lowpass = lowpass(8.0, fs_hz)
        self._decimate = Decimator(_factor(fs_hz, 100.0))
        self.fs_out_hz = fs_hz / self._decimate.q
        self._median = CausalMedian(round(0.5 * self.fs_out_hz))
        #: Delay of a contraction's rise through the chain, s; subtracted from onset and offset times.
        self.delay_s = self._lowpass.delay_s(fs_hz) + self._median.delay_samples / self.fs_out_hz

    def feed(self, x: np.ndarray) -> np.ndarray:
        return self._median.feed(self._decimate.feed(self._lowpass.feed(x)))

    def reset(self) -> None:
        self._lowpass.reset()
        self._decimate.reset()
        self._median.reset()


class EmgConditioner:
    """Surface EMG -> amplitude envelopes (same unit), at ``fs_out_hz``; keeps the band-passed signal too.

    ``feed`` returns two rows: the 6 Hz envelope, sharp enough to place onsets, and a 1.5 Hz envelope,
    steady enough to decide when a low, ragged burst starts and ends.
    """

    kind = "emg"

    def __init__(self, fs_hz: float, *, mains_hz: tuple[float, ...] = (50.0, 60.0)) -> None:
        self.fs_hz = fs_hz
        notches = [notch(f, fs_hz) for f in mains_hz if f < 0.45 * fs_hz]
        lo_hz = 20.0 if fs_hz > 100.0 else 0.1 * fs_hz
        # One cascade, one pass over the samples: the sections' recursions overlap in the CPU.
        band = SosFilter(np.vstack([bandpass(lo_hz, 450.0, fs_hz).sos] + [n.sos for n in notches]))
        # Critically damped (two first-order stages): a Butterworth envelope undershoots after a strong
        # burst, and the dip below rest would later look like a rise.
        # The first stage runs at the input rate and also guards the decimation; the second at <= 250 Hz.
        self._envelope = RectifiedEnvelope(band, lowpass(6.0, fs_hz, order=1))
        self._decimate = Decimator(_factor(fs_hz, 125.0))
        self.fs_out_hz = fs_hz / self._decimate.q
        self._envelope2 = lowpass(6.0, self.fs_out_hz, order=1)
        self._smooth = Chain(lowpass(1.5, self.fs_out_hz, order=1), lowpass(1.5, self.fs_out_hz, order=1))
        # A filtered step starts rising at once; the knee of the envelope sits about half the group delay late.
        self.delay_s = 0.5 * (self._envelope.smooth.delay_s(fs_hz) + self._envelope2.delay_s(self.fs_out_hz))
        #: The band-passed, notched signal of the last ``feed``, for spectral (median frequency) measures.
        self.last_band: np.ndarray = np.empty(0)

    def feed(self, x: np.ndarray) -> np.ndarray:
        self.last_band, full_rate = self._envelope.feed(x)
        envelope = self._envelope2.feed(self._decimate.feed(full_rate))
        return np.vstack([envelope, self._smooth.feed(envelope)])

    def reset(self) -> None:
        self._envelope.reset()
        self._decimate.reset()
        self._envelope2.reset()
        self._smooth.reset()
        self.last_band = np.empty(0)
