"""Surface-EMG burst trains with known onsets, for accuracy tests and benchmarks.

Independent of any protocol: bursts of random length and amplitude at random times over a resting level,
with mains hum and baseline wander, as a test bench for onset detection (cf. the simulated signals of
Bonato et al. 1998 and Solnik et al. 2008, facts/clinical.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal as sps


@dataclass(frozen=True, slots=True)
class BurstTrain:
    emg_uv: np.ndarray
    fs_hz: float
    onsets_s: np.ndarray
    offsets_s: np.ndarray


def emg_bursts(
    duration_s: float,
    fs_hz: float,
    *,
    seed: int = 0,
    burst_s: tuple[float, float] = (0.6, 8.0),
    gap_s: tuple[float, float] = (1.5, 6.0),
    amplitude_uv: tuple[float, float] = (20.0, 80.0),
    rest_uv: float = 3.0,
    mains_hz: float = 50.0,
    mains_uv: float = 10.0,
    wander_uv: float = 30.0,
    ramp_s: float = 0.03,
) -> BurstTrain:
    """Band-limited (20-350 Hz) Gaussian EMG whose RMS is ``rest_uv`` at rest and 20-80 uV in bursts."""
    rng = np.random.default_rng(seed)
    n = round(duration_s * fs_hz)
    t = np.arange(n) / fs_hz
    onsets, offsets = [], []
    now = float(rng.uniform(*gap_s))
    envelope = np.full(n, rest_uv**2)
    while True:
        length = float(rng.uniform(*burst_s))
        if now + length > duration_s - 1.0:
            break
        amp = float(rng.uniform(*amplitude_uv))
        i0, i1 = int(now * fs_hz), int((now + length) * fs_hz)
        ramp = np.clip(np.minimum(t[i0:i1] - now, now + length - t[i0:i1]) / ramp_s, 0.0, 1.0)
        envelope[i0:i1] += (amp * ramp) ** 2
        onsets.append(now)
        offsets.append(now + length)
        now += length + float(rng.uniform(*gap_s))
    sos = sps.butter(4, [20.0, min(350.0, 0.45 * fs_hz)], btype="bandpass", fs=fs_hz, output="sos")
    carrier = sps.sosfilt(sos, rng.standard_normal(n + 4000))[4000:]
    carrier /= carrier.std()
    wander = wander_uv * np.sin(2 * np.pi * rng.uniform(0.1, 0.4) * t + rng.uniform(0, 6.28))
    wander += 0.5 * wander_uv * np.sin(2 * np.pi * rng.uniform(0.01, 0.05) * t)
    hum = mains_uv * np.sin(2 * np.pi * mains_hz * t + rng.uniform(0, 6.28))
    x = carrier * np.sqrt(envelope) + hum + wander
    return BurstTrain(x, fs_hz, np.asarray(onsets), np.asarray(offsets))
