"""Whole-recording analysis for researchers: the streaming pipeline, fed once.

>>> import numpy as np, pelvicore
>>> fs = 50.0
>>> t = np.arange(0, 30, 1 / fs)
>>> floor = 20 + 25 * ((t > 10) & (t < 15))          # one 5 s squeeze of 25 cmH2O
>>> result = pelvicore.analyze(floor, fs, unit="cmH2O")
>>> [round(c.onset_s, 1) for c in result.contractions]
[10.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from pelvicore.errors import SignalError
from pelvicore.recordings.model import Recording
from pelvicore.signal.events import Calibration, Contraction, SignalProblem
from pelvicore.signal.frames import Frame
from pelvicore.signal.pipeline import Pipeline


@dataclass(frozen=True, slots=True)
class Analysis:
    """The result of analysing one channel of a recording."""

    channel: str
    unit: str
    fs_hz: float
    duration_s: float
    contractions: tuple[Contraction, ...]
    problems: tuple[SignalProblem, ...]
    calibration: Calibration | None

    def to_dict(self) -> dict[str, object]:
        cal = self.calibration
        lifts = [c for c in self.contractions if c.technique in ("lift", "push", "mixed")]
        return {
            "channel": self.channel,
            "unit": self.unit,
            "fs_hz": self.fs_hz,
            "duration_s": round(self.duration_s, 4),
            "calibration": None
            if cal is None
            else {"rest": round(cal.rest, 4), "mvc": round(cal.mvc, 4), "unit": cal.unit},
            "summary": {
                "count": len(self.contractions),
                "max_peak": round(max((c.peak for c in self.contractions), default=0.0), 4),
                "lift_pct": round(100 * sum(c.technique == "lift" for c in lifts) / len(lifts), 1) if lifts else None,
                "pushes": sum(c.technique == "push" for c in self.contractions),
            },
            "contractions": [
                c.to_dict() | {"peak_pct_max": round(cal.percent_of_max(c.peak), 1) if cal else None}
                for c in self.contractions
            ],
            "problems": [p.to_dict() for p in self.problems],
        }


def analyze_recording(recording: Recording, *, channel: str | None = None) -> Analysis:
    """Analyse ``channel`` (default ``floor``, else ``emg``, else the first) of a recording."""
    pipeline = Pipeline(recording.fs_hz, recording.units, channel=channel)
    frame = Frame(0, recording.fs_hz, recording.signals, recording.units, recording.start_s)
    events = pipeline.feed(frame) + pipeline.finish()
    return Analysis(
        pipeline.channel,
        pipeline.unit,
        recording.fs_hz,
        recording.duration_s,
        tuple(e for e in events if isinstance(e, Contraction)),
        tuple(e for e in events if isinstance(e, SignalProblem)),
        pipeline.calibration,
    )


def analyze(
    x: np.ndarray | Mapping[str, np.ndarray],
    fs_hz: float,
    *,
    unit: str | Mapping[str, str] = "raw",
    channel: str | None = None,
) -> Analysis:
    """Analyse NumPy arrays.

    Parameters
    ----------
    x : ndarray, shape (n_samples,), or mapping of channel name to such arrays
        One signal (named ``floor`` for pressure units, ``emg`` for uV/mV) or named channels
        (``floor`` + ``abdomen`` enables the lift-vs-push check).
    fs_hz : float
        Sampling rate, Hz.
    unit : str or mapping of str to str
        ``cmH2O``, ``mmHg``, ``Pa``, ``kPa``, ``uV``, ``mV`` or ``raw``; one per channel for a mapping.
    """
    if isinstance(x, Mapping):
        signals = {name: np.asarray(v, dtype=float) for name, v in x.items()}
        units = dict(unit) if isinstance(unit, Mapping) else {name: unit for name in signals}
    else:
        if not isinstance(unit, str):
            raise SignalError("give one unit string for a single array")
        arr = np.asarray(x, dtype=float)
        if arr.ndim != 1:
            raise SignalError(f"expected a 1-D array of samples, got shape {arr.shape}")
        signals = {"emg" if unit in ("uV", "mV") else "floor": arr}
        units = {next(iter(signals)): unit}
    return analyze_recording(Recording(float(fs_hz), signals, units), channel=channel)
