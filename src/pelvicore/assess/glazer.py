"""The Glazer protocol: surface-EMG amplitude over rest, flicks, tonic holds and an endurance hold.

Definitions (Glazer protocol: Oleksy et al. 2021, IJERPH 18(2):765; window convention: Nu-Tek Levator Elite manual):
- The signal is the conditioned EMG — 20-450 Hz band-pass with 50 and 60 Hz notches, not rectified or smoothed —
  in uV. Held (flat) stretches from lost samples, and 0.5 s after each (filter ringing), are left out.
- A phase's amplitude (``mean``) is the RMS over its window without the window's first second. Over several
  windows (five flicks, five holds) the per-window values are averaged.
- ``variability_pct``: coefficient of variation of the RMS over consecutive 1 s sub-windows of a rest window
  (sample SD / mean x 100).
- ``peak_mean``: the highest 0.25 s RMS from each cue until 1 s after it ended, averaged over the windows.
- ``rise_s`` / ``recovery_s``: 10 -> 90 % and 90 -> 10 % times of a 0.1 s RMS envelope, from the rest level
  before the cue (0 %) to the contraction's working level (100 %: the median of the envelope where it is above
  half its highest value — the single highest sample of a noisy envelope would make the 90 % crossing random).
  The 0.1 s window adds about 0.08 s to both.
- Endurance ``decline_pct`` = 100 x (RMS of the first 10 s - RMS of the last 10 s) / RMS of the first 10 s of
  the endurance window, its first second left out (facts/clinical.md: "endurance mean and decline").
- ``median_freq_slope``: least-squares slope, Hz/s, of the median frequency of 0.5 s windows over the endurance
  window — it falls as the muscle fatigues (facts/clinical.md).

Pressure variant (``--channel floor``): the same windows on the conditioned pressure in cmH2O. Rest phases give
the mean resting pressure; work phases the mean pressure above the pre-rest level (its median); no median
frequency and no published norms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from pelvicore.assess._trace import (
    Trace,
    calibrated,
    emg_band,
    flat_mask,
    moving_mean,
    pick_channel,
    pressure_trace,
    rounded,
)
from pelvicore.assess.norms import DEVICE_CAVEAT, GLAZER_NORMS_UV, GLAZER_SOURCE, NU_TEK_SOURCE, OLEKSY_2020
from pelvicore.assess.timeline import Cue, GlazerWindows, glazer_steps, glazer_windows, timeline_from_steps, timeline_of
from pelvicore.errors import SignalError
from pelvicore.recordings.model import Recording
from pelvicore.signal.frames import channel_kind
from pelvicore.signal.metrics import median_frequency

SKIP_S = 1.0  # each window's first second is left out (Glazer / Nu-Tek)
PEAK_WINDOW_S = 0.25
TIMING_WINDOW_S = 0.1
SUBWINDOW_S = 1.0
PEAK_AFTER_CUE_S = 1.0  # a contraction may outlast its cue by the reaction time
RECOVERY_LIMIT_S = 5.0
DECLINE_WINDOW_S = 10.0


@dataclass(frozen=True, slots=True)
class RestPhase:
    mean: float | None
    variability_pct: float | None


@dataclass(frozen=True, slots=True)
class Effort:
    """One flick or hold: amplitude over its window, its highest 0.25 s RMS and its timing."""

    start_s: float
    mean: float | None
    peak: float | None
    rise_s: float | None
    recovery_s: float | None


@dataclass(frozen=True, slots=True)
class WorkPhase:
    """Flicks or tonic holds: values averaged over the windows, and each window's own values."""

    mean: float | None
    peak_mean: float | None
    rise_s: float | None
    recovery_s: float | None
    efforts: tuple[Effort, ...]


@dataclass(frozen=True, slots=True)
class EndurancePhase:
    mean: float | None
    decline_pct: float | None
    median_freq_slope: float | None
    peak: float | None


@dataclass(frozen=True, slots=True)
class GlazerAssessment:
    """Result of the Glazer protocol on one channel; amplitudes in ``unit``."""

    channel: str
    unit: str
    variant: Literal["emg", "pressure"]
    timeline_origin: Literal["annotations", "default"]
    pre_rest: RestPhase
    flicks: WorkPhase
    tonic: WorkPhase
    endurance: EndurancePhase
    post_rest: RestPhase
    maximum: float | None

    def percent_of_max(self, value: float | None) -> float | None:
        if value is None or self.maximum is None or self.maximum <= 0:
            return None
        return 100.0 * value / self.maximum

    def norms(self) -> dict[str, dict[str, object]]:
        """Each phase against Oleksy 2020's normative means (EMG in uV only)."""
        if self.variant != "emg" or self.unit != "uV":
            return {}
        values = {
            "pre_rest": self.pre_rest.mean,
            "flicks": self.flicks.peak_mean,
            "tonic": self.tonic.mean,
            "endurance": self.endurance.mean,
            "post_rest": self.post_rest.mean,
        }
        return {phase: GLAZER_NORMS_UV[phase].compare(value) for phase, value in values.items()}

    def to_dict(self) -> dict[str, object]:
        pct = self.percent_of_max
        rest_pct = self.variant == "emg"  # a resting pressure is absolute; the maximum is above rest
        return {
            "protocol": "glazer",
            "phases": {
                "pre_rest": {
                    "mean": rounded(self.pre_rest.mean),
                    "variability_pct": rounded(self.pre_rest.variability_pct, 1),
                },
                "flicks": {
                    "peak_mean": rounded(self.flicks.peak_mean),
                    "rise_s": rounded(self.flicks.rise_s, 3),
                    "recovery_s": rounded(self.flicks.recovery_s, 3),
                },
                "tonic": {
                    "mean": rounded(self.tonic.mean),
                    "peak_mean": rounded(self.tonic.peak_mean),
                    "rise_s": rounded(self.tonic.rise_s, 3),
                    "recovery_s": rounded(self.tonic.recovery_s, 3),
                },
                "endurance": {
                    "mean": rounded(self.endurance.mean),
                    "decline_pct": rounded(self.endurance.decline_pct, 1),
                    "median_freq_slope": rounded(self.endurance.median_freq_slope, 4),
                },
                "post_rest": {
                    "mean": rounded(self.post_rest.mean),
                    "variability_pct": rounded(self.post_rest.variability_pct, 1),
                },
            },
            "normalised": {
                "maximum": rounded(self.maximum),
                "pre_rest": {"mean": rounded(pct(self.pre_rest.mean), 1) if rest_pct else None},
                "flicks": {"peak_mean": rounded(pct(self.flicks.peak_mean), 1)},
                "tonic": {"mean": rounded(pct(self.tonic.mean), 1), "peak_mean": rounded(pct(self.tonic.peak_mean), 1)},
                "endurance": {"mean": rounded(pct(self.endurance.mean), 1)},
                "post_rest": {"mean": rounded(pct(self.post_rest.mean), 1) if rest_pct else None},
            },
            "norms": self.norms(),
            "units": {
                "channel": self.channel,
                "amplitude": self.unit,
                "amplitude_measure": "RMS"
                if self.variant == "emg"
                else "mean above the pre-rest level (rests: absolute)",
                "time": "s",
                "variability_pct": f"% (coefficient of variation of 1 s {'RMS' if self.variant == 'emg' else 'means'})",
                "decline_pct": "% of the first 10 s",
                "median_freq_slope": "Hz/s",
                "normalised": "% of the maximum (normalised.maximum, in the amplitude unit)",
                "timeline": "cue annotations"
                if self.timeline_origin == "annotations"
                else "340 s from the first sample",
            },
            "sources": self.sources(),
        }

    def sources(self) -> list[str]:
        out = [GLAZER_SOURCE, NU_TEK_SOURCE]
        if self.variant == "emg":
            out += [f"Normative means: {OLEKSY_2020}", DEVICE_CAVEAT]
        return out


class _Amplitude:
    """Amplitude of a channel over any window: RMS of band-passed EMG, or mean pressure."""

    def __init__(self, y: np.ndarray, fs_hz: float, *, valid: np.ndarray, t0_s: float, rms: bool) -> None:
        self.y, self.valid, self.rms = y, valid, rms
        self.trace = Trace(y, fs_hz, t0_s)
        self.baseline = 0.0

    def _finish(self, v: np.ndarray | float, *, rest: bool) -> np.ndarray | float:
        if self.rms:
            return np.sqrt(np.maximum(v, 0.0))  # cumulative sums can leave -1e-12 where v is 0
        return v if rest else v - self.baseline

    def window(self, t0_s: float, t1_s: float, *, rest: bool = False) -> float | None:
        i0, i1 = self.trace.index(t0_s), self.trace.index(t1_s)
        ok = self.valid[i0:i1]
        if not ok.any():
            return None
        return float(self._finish(float(self.y[i0:i1][ok].mean()), rest=rest))

    def envelope(self, width_s: float) -> Trace:
        fs = self.trace.fs_hz
        return Trace(
            np.asarray(self._finish(moving_mean(self.y, self.valid, round(width_s * fs)), rest=False)),
            fs,
            self.trace.t0_s,
        )

    def rest_phase(self, cue: Cue) -> RestPhase:
        t0, t1 = cue.start_s + SKIP_S, cue.end_s
        mean = self.window(t0, t1, rest=True)
        n = int((t1 - t0) // SUBWINDOW_S)
        subs = [self.window(t0 + k * SUBWINDOW_S, t0 + (k + 1) * SUBWINDOW_S, rest=True) for k in range(n)]
        values = np.array([v for v in subs if v is not None])
        cv = 100.0 * float(values.std(ddof=1) / values.mean()) if values.size >= 2 and values.mean() > 0 else None
        return RestPhase(mean, cv)


def _mean(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(kept)) if kept else None


def _timing(fast: Trace, cue: Cue, peak_end_s: float, limit_s: float) -> tuple[float | None, float | None]:
    """10 -> 90 % rise and 90 -> 10 % recovery of ``fast`` around ``cue`` (see the module docstring)."""
    base = fast.between(cue.start_s - 3.0, cue.start_s)
    base = base[np.isfinite(base)]
    s0 = fast.index(cue.start_s - 2.0)
    seg = fast.values[s0 : fast.index(limit_s)]
    c0, c1 = fast.index(cue.start_s) - s0, fast.index(peak_end_s) - s0
    active = seg[c0:c1]
    if base.size == 0 or active.size == 0 or not np.isfinite(active).any():
        return None, None
    rest = float(np.median(base))
    top = float(np.nanmax(active))
    if top <= rest:
        return None, None
    work = float(np.median(active[active >= rest + 0.5 * (top - rest)]))
    if work <= rest:
        return None, None
    lo, hi = rest + 0.1 * (work - rest), rest + 0.9 * (work - rest)
    above = np.flatnonzero(active >= hi)
    if above.size == 0:
        return None, None
    first, last = c0 + int(above[0]), c0 + int(above[-1])
    below_before = np.flatnonzero(seg[:first] <= lo)
    below_after = np.flatnonzero(seg[last:] <= lo)
    rise = (first - int(below_before[-1])) / fast.fs_hz if below_before.size else None
    recovery = int(below_after[0]) / fast.fs_hz if below_after.size else None
    return rise, recovery


def _work_phase(amp: _Amplitude, fast: Trace, peak: Trace, cues: tuple[Cue, ...], windows: GlazerWindows) -> WorkPhase:
    efforts = []
    for cue in cues:
        next_start = windows.timeline.next_start(cue)
        peak_end = min(cue.end_s + PEAK_AFTER_CUE_S, next_start)
        part = peak.between(cue.start_s, peak_end)
        top = float(np.nanmax(part)) if part.size and np.isfinite(part).any() else None
        rise, recovery = _timing(fast, cue, peak_end, min(cue.end_s + RECOVERY_LIMIT_S, next_start))
        efforts.append(Effort(cue.start_s, amp.window(cue.start_s + SKIP_S, cue.end_s), top, rise, recovery))
    return WorkPhase(
        _mean([e.mean for e in efforts]),
        _mean([e.peak for e in efforts]),
        _mean([e.rise_s for e in efforts]),
        _mean([e.recovery_s for e in efforts]),
        tuple(efforts),
    )


def assess_glazer(rec: Recording, *, channel: str | None = None) -> GlazerAssessment:
    """Run the Glazer assessment on ``rec``: the EMG channel, or the pressure variant on a pressure ``channel``.

    Parameters
    ----------
    rec : Recording
        At least 340 s from the first sample, or with Glazer cue annotations (see ``timeline``).
    channel : str, optional
        Channel to assess; default the surface-EMG channel. A pressure channel selects the pressure variant.

    Raises
    ------
    SignalError
        No EMG channel (and none chosen), or a recording shorter than the protocol.
    ProtocolError
        Cue annotations that do not describe a Glazer session.
    """
    name = pick_channel(
        rec,
        channel,
        want="emg",
        purpose="the Glazer protocol",
        hint="; for its pressure variant choose a pressure channel (--channel NAME on the command line)",
    )
    standard = timeline_from_steps(glazer_steps())
    windows = glazer_windows(timeline_of(rec, standard, title="Glazer protocol"))
    x, unit = calibrated(rec, name)
    variant: Literal["emg", "pressure"] = "emg" if channel_kind(name, rec.units[name]) == "emg" else "pressure"
    if variant == "emg":
        if rec.fs_hz < 200.0:
            raise SignalError(
                f"surface EMG sampled at {rec.fs_hz:g} Hz is too slow for the Glazer protocol (>= 200 Hz)"
            )
        band = emg_band(x, rec.fs_hz)
        amp = _Amplitude(band**2, rec.fs_hz, valid=flat_mask(x, rec.fs_hz), t0_s=0.0, rms=True)
    else:
        trace = pressure_trace(x, rec.fs_hz)
        amp = _Amplitude(trace.values, trace.fs_hz, valid=np.ones(trace.values.size, bool), t0_s=trace.t0_s, rms=False)
        pre = windows.pre_rest
        amp.baseline = float(np.median(trace.between(pre.start_s + SKIP_S, pre.end_s)))
    fast, peak = amp.envelope(TIMING_WINDOW_S), amp.envelope(PEAK_WINDOW_S)
    flicks = _work_phase(amp, fast, peak, windows.flicks, windows)
    tonic = _work_phase(amp, fast, peak, windows.tonic, windows)

    end = windows.endurance
    t0, t1 = end.start_s + SKIP_S, end.end_s
    span = min(DECLINE_WINDOW_S, (t1 - t0) / 2)
    first, last = amp.window(t0, t0 + span), amp.window(t1 - span, t1)
    decline = 100.0 * (first - last) / first if first and last is not None and first > 0 else None
    slope = None
    if variant == "emg":
        _, slope = median_frequency(band[round(t0 * rec.fs_hz) : round(t1 * rec.fs_hz)], rec.fs_hz)
    end_peak = peak.between(end.start_s, end.end_s)
    endurance = EndurancePhase(
        amp.window(t0, t1), decline, slope, float(np.nanmax(end_peak)) if np.isfinite(end_peak).any() else None
    )
    tops = [e.peak for e in flicks.efforts + tonic.efforts] + [endurance.peak]
    maximum = max((v for v in tops if v is not None), default=None)
    return GlazerAssessment(
        name,
        unit,
        variant,
        windows.timeline.origin,
        amp.rest_phase(windows.pre_rest),
        flicks,
        tonic,
        endurance,
        amp.rest_phase(windows.post_rest),
        maximum,
    )
