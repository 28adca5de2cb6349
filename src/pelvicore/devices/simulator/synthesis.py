"""Synthesis of a virtual person's pelvic-floor signals along a protocol timeline, with the ground truth.

Pressure (two intravaginal zones, cmH2O): resting pressure, slow baseline drift, breathing (mostly abdominal),
sensor noise, each contraction as a smooth rise, a hold that may fade, and a release that may be slow and
incomplete; pushes raise the abdominal zone as much as or more than the floor (Perifit's rule); coughs are sharp
abdominal spikes, with a pre-contraction (the Knack, Miller et al. 1998) in people who have learnt it.
Surface EMG (uV): band-limited noise whose amplitude follows muscle activation, with a median frequency that
falls as the muscle fatigues, over a resting level, with mains hum and baseline wander.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from scipy import signal as sps

from pelvicore.devices.simulator.persons import get_person
from pelvicore.errors import ProtocolError
from pelvicore.recordings.model import Annotation, Recording
from pelvicore.training.protocols import Protocol

Signals = Literal["pressure", "emg", "both"]


@dataclass(frozen=True, slots=True)
class TruthContraction:
    """A contraction the virtual person really made (onset = start of the rise, offset = end of the release)."""

    onset_s: float
    offset_s: float
    peak_cmh2o: float
    peak_uv: float
    technique: Literal["lift", "push"]
    kind: str


@dataclass(frozen=True, slots=True)
class TruthEvent:
    """Something else that happened: ``cough``, ``artefact`` (motion) or ``dropout`` (samples lost)."""

    kind: str
    onset_s: float
    duration_s: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Simulation:
    recording: Recording
    contractions: tuple[TruthContraction, ...]
    events: tuple[TruthEvent, ...]
    profile: str
    protocol: str
    seed: int

    def truth_dict(self) -> dict[str, object]:
        """The ground truth as plain JSON-ready data."""
        return {
            "profile": self.profile,
            "protocol": self.protocol,
            "seed": self.seed,
            "fs_hz": self.recording.fs_hz,
            "contractions": [
                {
                    "onset_s": round(c.onset_s, 4),
                    "offset_s": round(c.offset_s, 4),
                    "peak_cmh2o": round(c.peak_cmh2o, 3),
                    "peak_uv": round(c.peak_uv, 3),
                    "technique": c.technique,
                    "kind": c.kind,
                }
                for c in self.contractions
            ],
            "events": [
                {
                    "kind": e.kind,
                    "onset_s": round(e.onset_s, 4),
                    "duration_s": round(e.duration_s, 4),
                    "detail": e.detail,
                }
                for e in self.events
            ],
        }


def _smooth_cos(x: np.ndarray) -> np.ndarray:
    """0 -> 1 raised-cosine ramp for x in [0, 1] (clipped outside)."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


def _activation(
    t: np.ndarray, on: float, rel: float, rise: float, release: float, decline: float, residual: float, tau: float
) -> np.ndarray:
    """Muscle activation (0..1) of one contraction, sampled at ``t``."""
    level = np.clip(1.0 - decline * np.clip(t - on - rise, 0.0, None) / 10.0, 0.2, 1.0)
    a = _smooth_cos((t - on) / rise) * level
    level_at_release = float(np.clip(1.0 - decline * max(rel - on - rise, 0.0) / 10.0, 0.2, 1.0))
    falling = t >= rel
    end_level = residual * np.exp(-np.clip(t - rel - release, 0.0, None) / tau)
    fall = _smooth_cos((t - rel) / release)
    a[falling] = (level_at_release * (1.0 - fall) + end_level * fall)[falling]
    return a


def _slow_noise(rng: np.random.Generator, t: np.ndarray, amplitude: float, f_lo: float, f_hi: float) -> np.ndarray:
    """A smooth random wander: a sum of a few low-frequency sinusoids with random phases."""
    freqs = rng.uniform(f_lo, f_hi, 4)
    phases = rng.uniform(0, 2 * np.pi, 4)
    weights = rng.uniform(0.5, 1.0, 4)
    out = np.zeros_like(t)
    for f, ph, w in zip(freqs, phases, weights, strict=True):
        out += w * np.sin(2 * np.pi * f * t + ph)
    return amplitude * out / weights.sum()


def _band_noise(rng: np.random.Generator, n: int, fs_hz: float, lo: float, hi: float) -> np.ndarray:
    sos = sps.butter(4, [lo, min(hi, 0.45 * fs_hz)], btype="bandpass", fs=fs_hz, output="sos")
    x = sps.sosfilt(sos, rng.standard_normal(n + 2000))[2000:]
    return x / x.std()


#: Sampling rates the simulator accepts, Hz: pressure trainers send 10-100 Hz; surface EMG needs at least
#: 500 Hz to carry its 20-350 Hz band (Nyquist), and 10 kHz is beyond any clinical sEMG system.
FS_RANGE_HZ: Final = {"pressure": (1.0, 1000.0), "emg": (500.0, 10_000.0), "both": (500.0, 10_000.0)}


def default_fs_hz(signals: str) -> float:
    """50 Hz for pressure only, 2000 Hz when EMG is included."""
    return 50.0 if signals == "pressure" else 2000.0


def check_options(fs_hz: float | None, seed: int, signals: str) -> None:
    """Refuse options that cannot make a recording, naming the allowed range (before any memory is taken)."""
    if signals not in FS_RANGE_HZ:
        raise ProtocolError(f"signals must be one of {', '.join(FS_RANGE_HZ)} (got {signals!r})")
    fs_hz = fs_hz if fs_hz is not None else default_fs_hz(signals)
    low, high = FS_RANGE_HZ[signals]
    if not low <= fs_hz <= high:  # also false for NaN
        raise ProtocolError(f"sampling rate must be {low:g}-{high:g} Hz for {signals} signals (got {fs_hz:g} Hz)")
    if not 0 <= seed < 2**63:
        raise ProtocolError(f"seed must be a whole number from 0 to {2**63 - 1} (got {seed})")


def simulate(
    profile: str,
    protocol: Protocol,
    *,
    seed: int = 0,
    fs_hz: float | None = None,
    signals: Signals = "pressure",
    artefacts: bool = True,
    dropouts: bool = True,
    mains_hz: float = 50.0,
) -> Simulation:
    """Simulate ``profile`` following ``protocol``; the same seed gives the same recording.

    Parameters
    ----------
    profile : str
        A name from ``PERSONS`` (``healthy``, ``weak``, ``fatiguing``, ``hypertonic``, ``bearing-down``).
    protocol : Protocol
        The steps to follow (``pelvicore.simulate`` also takes a routine's name).
    fs_hz : float, optional
        Sampling rate, Hz. Default 50 Hz for pressure only, 2000 Hz when EMG is included.
    signals : {"pressure", "emg", "both"}
        ``floor`` and ``abdomen`` pressure (cmH2O), ``emg`` (uV), or all three at one rate.
    """
    person = get_person(profile)
    proto = protocol
    check_options(fs_hz, seed, signals)
    fs = float(fs_hz if fs_hz is not None else default_fs_hz(signals))
    rng = np.random.default_rng(seed)
    n = round(proto.duration_s * fs)
    t = np.arange(n) / fs

    def draw(r: tuple[float, float]) -> float:
        return float(rng.uniform(*r))

    rest_floor, rest_abd, mvc = draw(person.rest_floor_cmh2o), draw(person.rest_abdomen_cmh2o), draw(person.mvc_cmh2o)
    emg_rest, emg_mvc = draw(person.emg_rest_uv), draw(person.emg_mvc_uv)
    floor = np.full(n, rest_floor)
    abdomen = np.full(n, rest_abd)
    emg_act = np.zeros(n)
    fatigue_mix = np.zeros(n)
    truth: list[TruthContraction] = []
    events: list[TruthEvent] = []
    reps = 0

    def add_contraction(on: float, rel: float, effort: float, kind: str, push: bool) -> None:
        nonlocal reps
        rise = min(draw(person.rise_s), 0.45 * (rel - on))
        release, residual = draw(person.release_s), draw(person.residual_frac)
        decline = draw(person.hold_decline_per_10s)
        amp = effort * mvc * (1.0 - person.rep_decline) ** reps * (1.0 + 0.05 * rng.standard_normal())
        reps += 1
        floor_amp = amp * (0.7 if push else 1.0)
        abd_amp = floor_amp * draw(person.push_abdomen_ratio if push else person.lift_abdomen_ratio)
        end = rel + release + 6 * person.residual_tau_s
        i0, i1 = int(on * fs), min(n, int(np.ceil(end * fs)) + 1)
        tt = t[i0:i1]
        a = _activation(tt, on, rel, rise, release, decline, residual, person.residual_tau_s)
        floor[i0:i1] += floor_amp * a
        abdomen[i0:i1] += abd_amp * a
        a_emg = _activation(tt, on, rel, rise / 2, release / 2, decline, residual, person.residual_tau_s)
        emg_act[i0:i1] = np.maximum(emg_act[i0:i1], effort * a_emg)
        fatigue_mix[i0:i1] = np.maximum(fatigue_mix[i0:i1], np.clip(decline * (tt - on) / 10.0, 0, 0.8) * (a_emg > 0.1))
        peak = float(floor_amp * a.max())
        truth.append(
            TruthContraction(on, rel + release, peak, float(emg_mvc * effort), "push" if push else "lift", kind)
        )

    for t_cue, step in proto.cue_times():
        if step.action == "squeeze":
            on = t_cue + draw(person.reaction_s)
            rel = max(t_cue + step.duration_s + 0.8 * draw(person.reaction_s), on + 0.4)
            add_contraction(on, rel, step.effort, step.kind, bool(rng.random() < person.push_fraction))
        elif step.action == "cough":
            t_cough = t_cue + draw(person.reaction_s) + 0.6
            if person.knack:
                add_contraction(t_cough - 0.6, t_cough + 0.4, 0.7, "knack", False)
            spike = draw((40.0, 90.0)) * np.exp(-0.5 * ((t - t_cough) / 0.07) ** 2)
            abdomen += spike
            floor += 0.5 * spike
            events.append(TruthEvent("cough", t_cough - 0.15, 0.3, "knack" if person.knack else "no knack"))

    # Breathing, mostly felt by the abdominal (deep) zone; the rate wanders a little.
    rate_hz = draw((0.2, 0.3)) * (1 + 0.1 * _slow_noise(rng, t, 1.0, 0.005, 0.03))
    breath = np.sin(2 * np.pi * np.cumsum(rate_hz) / fs)
    abdomen += draw((1.0, 2.5)) * breath
    floor += draw((0.15, 0.5)) * breath
    floor += _slow_noise(rng, t, draw((0.5, 2.0)), 0.002, 0.02) + 0.15 * rng.standard_normal(n)
    abdomen += _slow_noise(rng, t, draw((0.5, 2.0)), 0.002, 0.02) + 0.15 * rng.standard_normal(n)

    if artefacts:
        for t_a in np.sort(rng.uniform(2.0, proto.duration_s - 2.0, rng.poisson(proto.duration_s / 40.0))):
            width = draw((0.04, 0.25))
            bump = rng.choice([-1.0, 1.0]) * draw((4.0, 15.0)) * np.sin(np.pi * np.clip((t - t_a) / width, 0, 1))
            floor += bump
            abdomen += 0.8 * bump
            events.append(TruthEvent("artefact", float(t_a), width, "motion"))

    channels: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    if signals in ("pressure", "both"):
        channels.update(floor=floor, abdomen=abdomen)
        units.update(floor="cmH2O", abdomen="cmH2O")
    if signals in ("emg", "both"):
        hi, lo = _band_noise(rng, n, fs, 60.0, 400.0), _band_noise(rng, n, fs, 20.0, 120.0)
        carrier = np.sqrt(1 - fatigue_mix) * hi + np.sqrt(fatigue_mix) * lo
        amplitude = np.sqrt(emg_rest**2 + (emg_mvc * emg_act) ** 2)
        hum = draw((3.0, 15.0)) * np.sin(2 * np.pi * mains_hz * t + draw((0.0, 6.28)))
        wander = _slow_noise(rng, t, draw((10.0, 40.0)), 0.05, 0.5)
        channels["emg"] = carrier * amplitude + hum + wander
        units["emg"] = "uV"

    if dropouts:
        for t_d in np.sort(rng.uniform(3.0, proto.duration_s - 3.0, rng.poisson(proto.duration_s / 90.0))):
            width = draw((0.2, 1.0))
            i0, i1 = int(t_d * fs), min(n, int((t_d + width) * fs))
            for x in channels.values():
                x[i0:i1] = x[i0 - 1]
            events.append(TruthEvent("dropout", i0 / fs, (i1 - i0) / fs, "samples lost"))

    annotations = [Annotation(tc, step.duration_s, f"cue {step.action} {step.kind}") for tc, step in proto.cue_times()]
    annotations += [
        Annotation(c.onset_s, c.offset_s - c.onset_s, f"truth {c.technique} {c.kind} {c.peak_cmh2o:.1f}cmH2O")
        for c in truth
    ]
    annotations += [
        Annotation(e.onset_s, e.duration_s, e.kind if e.kind == "dropout" else f"truth {e.kind}") for e in events
    ]
    annotations.sort(key=lambda a: a.onset_s)
    recording = Recording(fs, channels, units, tuple(annotations), meta={"profile": profile, "protocol": proto.name})
    return Simulation(
        recording, tuple(truth), tuple(sorted(events, key=lambda e: e.onset_s)), profile, proto.name, seed
    )
