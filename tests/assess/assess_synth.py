"""Independent test signals for the assessments, written here and not by the simulator, with their truth.

- ``glazer_emg``: 340 s of surface EMG along the Glazer timeline. The EMG is Gaussian noise shaped in the
  frequency domain to a physiological spectrum (Shwedyk's model, peaking near 60-90 Hz), scaled sample by sample
  by a known amplitude: a resting level plus trapezoidal bursts with reaction delays, and an endurance hold whose
  amplitude falls linearly. Mains hum, baseline wander of up to 100 uV and amplifier noise are added.
- ``squeezes``: pressure with maximal squeezes of a known height above rest, breathing, drift, noise and
  motion spikes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GlazerTruth:
    pre_rest: float
    post_rest: float
    flick_burst: float  # mean over the flicks of the burst RMS (plateau)
    tonic_mean: float  # mean over the holds of the RMS over [cue + 1 s, cue end]
    endurance_mean: float
    decline_pct: float


def shaped_noise(rng: np.random.Generator, n: int, fs_hz: float) -> np.ndarray:
    """Unit-RMS Gaussian noise with the power spectrum f^2 fh^4 / ((f^2 + fl^2)(f^2 + fh^2)^2)."""
    fl, fh = rng.uniform(50, 70), rng.uniform(110, 150)
    f = np.fft.rfftfreq(n, 1 / fs_hz)
    power = f**2 * fh**4 / ((f**2 + fl**2) * (f**2 + fh**2) ** 2)
    x = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) * np.sqrt(power), n)
    return x / x.std()


def _trapezoid(t: np.ndarray, on: float, off: float, up: float, down: float) -> np.ndarray:
    return np.clip(np.minimum((t - on) / up, (off - t) / down + 1.0), 0.0, 1.0) * (t >= on)


def glazer_cues(flick_rest_s: float = 10.0) -> list[tuple[str, float, float]]:
    """(kind, start, end) of the work cues of the Glazer timeline."""
    cues, t = [], 60.0
    for _ in range(5):
        cues.append(("flick", t, t + 2.0))
        t += 2.0 + flick_rest_s
    for _ in range(5):
        cues.append(("hold", t, t + 10.0))
        t += 20.0
    cues.append(("endurance", t, t + 60.0))
    return cues


def rms(envelope: np.ndarray, t: np.ndarray, t0: float, t1: float) -> float:
    part = envelope[(t >= t0) & (t < t1)]
    return float(np.sqrt(np.mean(part**2)))


def glazer_emg(
    seed: int, fs_hz: float, *, mains_hz: float = 50.0, lead_s: float = 0.0
) -> tuple[np.ndarray, GlazerTruth]:
    """Surface EMG, uV, following the Glazer timeline from ``lead_s`` (total ``340 + lead_s`` s)."""
    rng = np.random.default_rng(seed)
    n = round((340.0 + lead_s) * fs_hz)
    t = np.arange(n) / fs_hz - lead_s
    r_pre, r_post = rng.uniform(2, 9), rng.uniform(2, 9)
    rest = np.where(t < 280.0, r_pre, r_post)
    work = np.zeros(n)
    a_flick, a_tonic, a_end = rng.uniform(25, 90), rng.uniform(20, 70), rng.uniform(10, 40)
    decline = rng.uniform(0.1, 0.6)
    bursts, tonic = [], []
    for kind, start, end in glazer_cues():
        on = start + rng.uniform(0.15, 0.5)
        off = end + rng.uniform(0.1, 0.4)
        up, down = rng.uniform(0.05, 0.25), rng.uniform(0.05, 0.3)
        shape = _trapezoid(t, on, off, up, down)
        if kind == "endurance":
            level = a_end * (1 - decline * np.clip((t - on) / 60.0, 0, 1))
        else:
            level = (a_flick if kind == "flick" else a_tonic) * rng.uniform(0.85, 1.15)
        work = np.maximum(work, level * shape)
        if kind == "flick":
            bursts.append(float(np.sqrt(r_pre**2 + float(np.max(level)) ** 2)))
    envelope = np.sqrt(rest**2 + work**2)
    for kind, start, end in glazer_cues():
        if kind == "hold":
            tonic.append(rms(envelope, t, start + 1, end))
        if kind == "endurance":
            e0, e1 = start + 1, end
            endurance = rms(envelope, t, e0, e1)
            first, last = rms(envelope, t, e0, e0 + 10), rms(envelope, t, e1 - 10, e1)
    emg = rest * shaped_noise(rng, n, fs_hz) + work * shaped_noise(rng, n, fs_hz)
    hum = rng.uniform(5, 30) * np.sin(2 * np.pi * mains_hz * t + rng.uniform(0, 6.3))
    wander = sum(
        rng.uniform(10, 40) * np.sin(2 * np.pi * rng.uniform(0.05, 0.8) * t + rng.uniform(0, 6.3)) for _ in range(3)
    )
    x = emg + hum + wander + 0.1 * t + rng.normal(0, 0.5, n)
    truth = GlazerTruth(
        r_pre, r_post, float(np.mean(bursts)), float(np.mean(tonic)), endurance, 100 * (first - last) / first
    )
    return x, truth


def squeezes(
    seed: int, fs_hz: float, max_cmh2o: float, *, n: int = 3, hold_s: float = 5.0
) -> tuple[np.ndarray, np.ndarray]:
    """Floor and abdominal pressure, cmH2O: ``n`` squeezes, the strongest exactly ``max_cmh2o`` above rest.

    Squeezes rise over 0.2-0.6 s, hold ``hold_s`` with a small fade, fall exponentially; the others reach
    70-95 % of the strongest. Breathing of 0.3-0.8 cmH2O on the floor, drift, 0.3 cmH2O noise and motion spikes.
    """
    rng = np.random.default_rng(seed)
    duration = 20.0 + n * (hold_s + 15.0)
    t = np.arange(round(duration * fs_hz)) / fs_hz
    floor = np.full(t.size, rng.uniform(10, 45))
    abdomen = np.full(t.size, rng.uniform(15, 35))
    heights = rng.uniform(0.7, 0.95, n) * max_cmh2o
    heights[rng.integers(n)] = max_cmh2o
    now = rng.uniform(8, 14)
    for height in heights:
        rise, fade, tau = rng.uniform(0.2, 0.6), rng.uniform(0.0, 0.08), rng.uniform(0.1, 0.3)
        end = now + hold_s
        shape = np.clip((t - now) / rise, 0, 1) * (1 - fade * np.clip((t - now - rise) / hold_s, 0, 1))
        after = t >= end
        shape[after] = (1 - fade) * np.exp(-(t[after] - end) / tau)
        floor += height * shape
        abdomen += height * rng.uniform(0.0, 0.2) * shape
        now = end + rng.uniform(8, 14)
    breath = np.sin(2 * np.pi * rng.uniform(0.2, 0.3) * t + rng.uniform(0, 6.3))
    floor += rng.uniform(0.3, 0.8) * breath + rng.uniform(-0.02, 0.02) * t + rng.normal(0, 0.3, t.size)
    abdomen += rng.uniform(1.0, 2.5) * breath + rng.normal(0, 0.3, t.size)
    for _ in range(3):
        start, width = rng.uniform(0, duration), rng.uniform(0.05, 0.2)
        hit = (t > start) & (t < start + width)
        floor[hit] += rng.choice([-1, 1]) * rng.uniform(3, 8)
    return floor, abdomen
