"""The cough test: does the pelvic floor contract before a cough (the Knack) and stay up through it?

Definitions (the Knack: Miller et al. 1998 — a pelvic-floor contraction before and during a cough).
Pressure in cmH2O (mmHg, kPa, Pa converted); coughs are found on the abdominal zone when there is one, else on
the floor zone itself.
- A cough is a sharp spike: the channel minus its centred 1 s running median (which removes squeezes, breathing
  and drift, all slower than a cough) rises >= 15 cmH2O (and >= 8 x the spike trace's robust noise), with a
  half-height width <= 0.6 s. With cue annotations, each ``cough`` cue's largest spike (from the cue to 2 s after
  it) counts, if it passes; without cues, every spike at least 1 s from a larger one.
- The floor's rest level is the median over 3.5 to 1.2 s before the cough's peak, its noise the robust SD there.
  The threshold is the larger of 3 cmH2O and 4 x that noise.
- ``pre_contraction``: the floor's median over 0.40 to 0.25 s before the cough peak lies >= threshold above rest
  (the cough's own pressure wave has not yet arrived there); ``lead_s`` is how long before the peak the floor
  last sat below half the threshold (within 3 s).
- ``held``: the floor's median over 0.2 to 0.4 s after the cough peak is still >= threshold above rest.
- ``knack``: both. ``knack_pct`` = 100 x coughs with the Knack / coughs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy import signal as sps

from pelvicore.assess._trace import TO_CMH2O, Trace, calibrated, pick_channel, rounded
from pelvicore.assess.norms import KNACK_SOURCE
from pelvicore.assess.timeline import cues_from_annotations
from pelvicore.errors import SignalError
from pelvicore.recordings.model import Recording

SPIKE_MEDIAN_S = 1.0
MIN_SPIKE_CMH2O = 15.0
SPIKE_NOISE_K = 8.0
MAX_SPIKE_WIDTH_S = 0.6
CUE_SEARCH_AFTER_S = 2.0
REST_WINDOW_S = (-3.5, -1.2)
PRE_WINDOW_S = (-0.40, -0.25)
HELD_WINDOW_S = (0.2, 0.4)
MIN_RISE_CMH2O = 3.0
RISE_NOISE_K = 4.0
LEAD_LIMIT_S = 3.0
MAX_RATE_HZ = 100.0


@dataclass(frozen=True, slots=True)
class Cough:
    """One cough: when it peaked, how big it was, and what the floor did around it (cmH2O, s)."""

    peak_s: float
    spike_cmh2o: float
    floor_rest_cmh2o: float
    floor_rise_before_cmh2o: float
    floor_rise_after_cmh2o: float
    threshold_cmh2o: float
    pre_contraction: bool
    lead_s: float | None
    held: bool

    @property
    def knack(self) -> bool:
        return self.pre_contraction and self.held

    def to_dict(self) -> dict[str, object]:
        return {
            "peak_s": rounded(self.peak_s, 3),
            "spike_cmh2o": rounded(self.spike_cmh2o, 1),
            "floor_rest_cmh2o": rounded(self.floor_rest_cmh2o),
            "floor_rise_before_cmh2o": rounded(self.floor_rise_before_cmh2o),
            "floor_rise_after_cmh2o": rounded(self.floor_rise_after_cmh2o),
            "threshold_cmh2o": rounded(self.threshold_cmh2o),
            "pre_contraction": self.pre_contraction,
            "lead_s": rounded(self.lead_s, 2),
            "held": self.held,
            "knack": self.knack,
        }


@dataclass(frozen=True, slots=True)
class CoughAssessment:
    channel: str
    reference: str
    unit: str
    coughs: tuple[Cough, ...]
    cued: int | None

    @property
    def knack_pct(self) -> float | None:
        if not self.coughs:
            return None
        return 100.0 * sum(c.knack for c in self.coughs) / len(self.coughs)

    def to_dict(self) -> dict[str, object]:
        return {
            "protocol": "cough",
            "channel": self.channel,
            "cough_channel": self.reference,
            "coughs": [c.to_dict() for c in self.coughs],
            "cues": self.cued,
            "knack_pct": rounded(self.knack_pct, 1),
            "criteria": {
                "cough": (
                    f"spike >= {MIN_SPIKE_CMH2O:g} cmH2O above the 1 s running median, <= {MAX_SPIKE_WIDTH_S:g} s wide"
                ),
                "pre_contraction": "floor 0.40-0.25 s before the cough peak >= threshold above its rest level",
                "held": "floor 0.2-0.4 s after the cough peak >= threshold above its rest level",
                "threshold": f"max({MIN_RISE_CMH2O:g} cmH2O, {RISE_NOISE_K:g} x the resting noise)",
                "knack": "pre_contraction and held",
            },
            "units": {"pressure": self.unit, "time": "s", "knack_pct": "% of coughs"},
            "sources": self.sources(),
        }

    def sources(self) -> list[str]:
        return [KNACK_SOURCE]


def _block_mean(x: np.ndarray, fs_hz: float, q: int) -> Trace:
    n = x.size // q * q
    return Trace(x[:n].reshape(-1, q).mean(axis=1), fs_hz / q, 0.5 * (q - 1) / fs_hz)


def _robust_sd(x: np.ndarray) -> float:
    return float(1.4826 * np.median(np.abs(x - np.median(x)))) if x.size else 0.0


def _spikes(ref: Trace, rec: Recording) -> tuple[list[tuple[int, float]], int | None]:
    """(index, height) of every cough spike on ``ref``, and the number of cough cues (None without cues)."""
    fs = ref.fs_hz
    width = max(3, round(SPIKE_MEDIAN_S * fs) | 1)
    spike = ref.values - ndimage.median_filter(ref.values, width, mode="nearest")
    height = max(MIN_SPIKE_CMH2O, SPIKE_NOISE_K * _robust_sd(spike))
    peaks, props = sps.find_peaks(
        spike, height=height, distance=max(1, round(fs)), width=(None, MAX_SPIKE_WIDTH_S * fs), rel_height=0.5
    )
    found = [(int(i), float(h)) for i, h in zip(peaks, props["peak_heights"], strict=True)]
    cues = [c for c in cues_from_annotations(rec.annotations) if c.action == "cough"]
    if not cues:
        return found, None
    chosen = []
    for cue in cues:
        lo, hi = ref.index(cue.start_s), ref.index(cue.end_s + CUE_SEARCH_AFTER_S)
        inside = [p for p in found if lo <= p[0] < hi]
        if inside:
            chosen.append(max(inside, key=lambda p: p[1]))
    return sorted(set(chosen)), len(cues)


def assess_cough(rec: Recording, *, channel: str | None = None) -> CoughAssessment:
    """Run the cough test on the floor pressure ``channel`` (default ``floor``); coughs from ``abdomen`` if present.

    Raises
    ------
    SignalError
        No pressure channel, one in raw units, or a sampling rate too low to see a cough (< 10 Hz).
    """
    name = pick_channel(rec, channel, want="pressure", purpose="the cough test")
    if rec.units[name] not in TO_CMH2O:
        raise SignalError(
            f"channel {name!r} is in {rec.units[name]!r}; the cough test needs a calibrated pressure "
            "in cmH2O, mmHg, kPa or Pa"
        )
    if rec.fs_hz < 10.0:
        raise SignalError(f"pressure sampled at {rec.fs_hz:g} Hz is too slow to see a cough (>= 10 Hz)")
    floor_x, unit = calibrated(rec, name)
    ref_name = "abdomen" if "abdomen" in rec.signals and name != "abdomen" else name
    ref_x, _ = calibrated(rec, ref_name)
    q = max(1, int(rec.fs_hz // MAX_RATE_HZ))  # block means: a cough lasts tenths of a second
    floor, ref = _block_mean(floor_x, rec.fs_hz, q), _block_mean(ref_x, rec.fs_hz, q)
    spikes, cued = _spikes(ref, rec)
    coughs = []
    for i, height in spikes:
        t = ref.time(i)
        rest_part = floor.between(t + REST_WINDOW_S[0], t + REST_WINDOW_S[1])
        before = floor.median(t + PRE_WINDOW_S[0], t + PRE_WINDOW_S[1])
        after = floor.median(t + HELD_WINDOW_S[0], t + HELD_WINDOW_S[1])
        if rest_part.size == 0 or before is None or after is None:
            continue  # too close to either end of the recording to judge
        rest = float(np.median(rest_part))
        threshold = max(MIN_RISE_CMH2O, RISE_NOISE_K * _robust_sd(rest_part))
        before, after = before - rest, after - rest
        pre = before >= threshold
        lead = None
        if pre:
            lead_part = floor.between(t - LEAD_LIMIT_S, t + PRE_WINDOW_S[1]) - rest
            low = np.flatnonzero(lead_part < 0.5 * threshold)
            if low.size:
                lead = (lead_part.size - int(low[-1])) / floor.fs_hz - PRE_WINDOW_S[1]
        coughs.append(Cough(t, height, rest, before, after, threshold, pre, lead, after >= threshold))
    return CoughAssessment(name, ref_name, unit, tuple(coughs), cued)
