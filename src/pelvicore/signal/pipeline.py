"""The streaming analysis pipeline: frames in, contractions and signal problems out.

``Pipeline.feed(frame)`` returns the events completed by that frame; ``finish()`` flushes at the end.
Offline analysis is one ``feed`` of the whole recording followed by ``finish()`` — the same code path, and
the same events for any chunking.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np

from pelvicore.errors import SignalError
from pelvicore.signal.conditioning import EmgConditioner, PressureConditioner
from pelvicore.signal.contractions import ContractionDetector, Detection, DetectorSettings
from pelvicore.signal.events import Calibration, Contraction, Event, SignalProblem
from pelvicore.signal.filters import Decimator
from pelvicore.signal.frames import TO_CMH2O, Frame, channel_kind
from pelvicore.signal.metrics import measure_shape, median_frequency
from pelvicore.signal.technique import classify_technique

#: Smallest rise that counts as a contraction in calibrated pressure units. Angelo et al. 2017 (PLoS ONE
#: 12:e0187045) put "no measurable contraction" below 7.5 cmH2O above rest; 2 cmH2O keeps weak attempts.
MIN_PRESSURE_RISE = {unit: 2.0 / factor for unit, factor in TO_CMH2O.items()}
#: The adaptive threshold never exceeds 5 cmH2O in calibrated units, below the weakest measurable squeeze
#: (7.5 cmH2O, Angelo 2017), even when a recording starts in the middle of busy exercise.
MAX_PRESSURE_RISE = {unit: 2.5 * value for unit, value in MIN_PRESSURE_RISE.items()}

PRESSURE_SETTINGS = DetectorSettings()
EMG_SETTINGS = DetectorSettings(
    block_s=1.0,
    history_blocks=60,
    noise_percentile=10.0,
    k_spread=2.0,
    k_level=0.6,
    ref_window_s=4.0,
    off_frac=0.3,
    off_cap=1.0,
    gap_s=0.3,
    min_duration_s=0.2,
    back_window_s=0.5,
    split_drop=0.6,
    split_rise=0.5,
    decision_row=1,
    ref_is_minimum=True,
    warmup_s=1.0,
)


def default_channel(units: Mapping[str, str]) -> str:
    """``floor`` when present, else ``emg``, else the first channel."""
    if not units:
        raise SignalError("no channels to analyse")
    for name in ("floor", "emg"):
        if name in units:
            return name
    return next(iter(units))


def abdominal_reference(units: Mapping[str, str], channel: str | None = None) -> str | None:
    """The channel that tells lifting from pushing for pressure ``channel`` (default: ``default_channel``): the
    abdominal zone of a two-zone trainer. ``None`` when there is none (a single-zone trainer, EMG): there,
    technique is not measured."""
    channel = channel or default_channel(units)
    if channel_kind(channel, units[channel]) == "pressure" and channel != "abdomen" and "abdomen" in units:
        return "abdomen"
    return None


COUNT_UNITS: Final = frozenset({"raw", "count"})
"""Units of streams that send whole counts, whose quantisation step a contraction must clear."""


def smallest_steps(x: np.ndarray, previous: float, smallest: float) -> np.ndarray:
    """The smallest nonzero change between consecutive samples seen so far, at each sample of ``x``.

    ``previous`` is the sample before ``x`` (NaN at the start), ``smallest`` the answer before ``x`` (inf when
    none yet). For a sensor sending whole counts this settles at one count, its quantisation step; for a
    smooth calibrated signal it shrinks towards nothing and leaves the threshold alone.
    """
    changes = np.abs(np.diff(x, prepend=previous))
    changes[~(changes > 0)] = np.inf  # no change, or no previous sample
    return np.minimum.accumulate(np.concatenate([[smallest], changes]))[1:]


def _fill_invalid(x: np.ndarray, last: float) -> tuple[np.ndarray, int]:
    """Forward-fill non-finite samples with the previous finite value; return the count filled."""
    bad = ~np.isfinite(x)
    n_bad = int(bad.sum())
    if not n_bad:
        return x, 0
    idx = np.where(bad, -1, np.arange(x.size))
    idx = np.maximum.accumulate(idx)
    filled = np.where(idx >= 0, x[np.maximum(idx, 0)], last)
    return filled, n_bad


class Pipeline:
    """Condition one channel (plus the abdominal reference), detect contractions, measure them.

    Parameters
    ----------
    fs_hz : float
        Sampling rate, Hz.
    units : mapping of str to str
        Every channel the frames carry, with its unit.
    channel : str, optional
        Channel to analyse; default ``floor``, else ``emg``, else the first.
    calibration : Calibration, optional
        A known rest baseline and maximum; otherwise both are learnt from the contractions seen.
    """

    def __init__(
        self,
        fs_hz: float,
        units: Mapping[str, str],
        *,
        channel: str | None = None,
        calibration: Calibration | None = None,
        settings: DetectorSettings | None = None,
    ) -> None:
        if not np.isfinite(fs_hz) or fs_hz <= 0:
            raise SignalError(f"sampling rate must be > 0 Hz, got {fs_hz!r}")
        self.fs_hz = float(fs_hz)
        self.units = dict(units)
        self.channel = channel or default_channel(self.units)
        if self.channel not in self.units:
            raise SignalError(f"no channel {self.channel!r} (channels: {', '.join(self.units)})")
        self.unit = self.units[self.channel]
        self.kind = channel_kind(self.channel, self.unit)
        self.reference = abdominal_reference(self.units, self.channel)
        self._given_calibration = calibration
        self._conditioners: list[PressureConditioner | EmgConditioner]
        if self.kind == "emg":
            self._conditioners = [EmgConditioner(self.fs_hz)]
            base = settings or EMG_SETTINGS
        else:
            self._conditioners = [PressureConditioner(self.fs_hz)]
            if self.reference:
                self._conditioners.append(PressureConditioner(self.fs_hz))
            base = settings or DetectorSettings(
                min_delta=MIN_PRESSURE_RISE.get(self.unit, 0.0), max_delta=MAX_PRESSURE_RISE.get(self.unit, np.inf)
            )
        primary = self._conditioners[0]
        self.trace_fs_hz = primary.fs_out_hz
        self._q = round(self.fs_hz / self.trace_fs_hz)
        self._delay_s = primary.delay_s
        n_rows = 2 if self.kind == "emg" else len(self._conditioners)
        self._reference_row = 1 if self.reference else None
        self._detector = ContractionDetector(self.trace_fs_hz, base, n_rows=n_rows)
        # The quantisation step travels with the trace: kept at the samples the conditioner keeps.
        self._quantum_decimator = Decimator(self._q)
        self.reset()

    def reset(self) -> None:
        for c in self._conditioners:
            c.reset()
        self._detector.reset()
        self._next_index: int | None = None
        self._start_s = 0.0
        self._origin_s = 0.0
        self._last: dict[str, float] = {}
        self._band = np.empty(0)
        self._band_start = 0
        self._rests: list[float] = []
        self._flat_run = 0
        self._in_flat = False
        self._last_raw: float | None = None
        self._quantum_decimator.reset()
        self._smallest_step = np.inf
        self._max_peak = 0.0
        self.contractions: list[Contraction] = []

    @property
    def calibration(self) -> Calibration | None:
        """The given calibration, or rest = median pre-contraction level and mvc = highest peak so far."""
        if self._given_calibration is not None:
            return self._given_calibration
        if not self._rests:
            return None
        return Calibration(float(np.median(self._rests)), self._max_peak, self.unit)

    def feed(self, frame: Frame) -> list[Event]:
        """Analyse one frame; return the contractions and problems it completed."""
        if abs(frame.fs_hz - self.fs_hz) > 1e-9 * self.fs_hz:
            raise SignalError(f"frame sampled at {frame.fs_hz} Hz, pipeline set up for {self.fs_hz} Hz")
        names = [self.channel] + ([self.reference] if self.reference else [])
        missing = [n for n in names if n not in frame.channels]
        if missing:
            raise SignalError(f"frame lacks channel(s) {missing}")
        events: list[Event] = []
        if self._next_index is None:
            self._next_index, self._start_s = frame.index, frame.start_s
            # The detector counts samples from the first frame; its times are offset by where that frame began.
            self._origin_s = frame.start_s + frame.index / self.fs_hz
        skip = max(0, self._next_index - frame.index)  # samples already seen (overlapping frame)
        gap = max(0, frame.index - self._next_index)
        data = {n: np.asarray(frame.channels[n], dtype=float)[skip:] for n in names}
        if gap:
            t = self._time(self._next_index)
            events.append(SignalProblem("dropout", t, gap / self.fs_hz, f"{gap / self.fs_hz:.2f} s of samples lost"))
            data = {
                n: np.concatenate([np.full(gap, self._last.get(n, x[0] if x.size else 0.0)), x])
                for n, x in data.items()
            }
        for n, x in data.items():
            data[n], n_bad = _fill_invalid(x, self._last.get(n, 0.0))
            if n_bad == x.size and n not in self._last:
                raise SignalError(f"channel {n!r} has no finite samples to start from")
            if n_bad:
                events.append(
                    SignalProblem(
                        "invalid",
                        self._time(self._next_index),
                        n_bad / self.fs_hz,
                        f"{n_bad} non-finite sample(s) in {n!r} replaced by the last valid value",
                    )
                )
        n_new = len(data[self.channel])
        if n_new == 0:
            return events
        previous = self._last.get(self.channel, np.nan)
        self._last = {n: float(x[-1]) for n, x in data.items()}
        quantum = None
        if self.kind == "emg":
            self._mark_flat_lines(data[self.channel], self._next_index)
        elif self.unit in COUNT_UNITS:
            # Only a stream of whole counts has a quantisation step to respect; a signal in a physical unit
            # (however clean: a synthetic step rises in one jump) is never mistaken for a coarse sensor.
            smallest = smallest_steps(data[self.channel], previous, self._smallest_step)
            self._smallest_step = float(smallest[-1])
            quantum = self._quantum_decimator.feed(np.where(np.isfinite(smallest), smallest, 0.0))
        rows = [np.atleast_2d(cond.feed(data[n])) for cond, n in zip(self._conditioners, names, strict=True)]
        if isinstance(self._conditioners[0], EmgConditioner):
            band = self._conditioners[0].last_band
            self._band = band if self._band.size == 0 else np.concatenate([self._band, band])
        self._next_index += n_new
        events += self._measure(self._detector.feed(np.vstack(rows), quantum=quantum))
        self._trim_band()
        return events

    def _mark_flat_lines(self, x: np.ndarray, first_index: int) -> None:
        """Tell the detector where surface EMG is flat (held samples of a dropout, a detached electrode):
        the envelope collapses there, and its recovery must not count as a contraction. Real EMG never
        repeats one value for 20 ms."""
        min_run = max(8, round(0.02 * self.fs_hz))
        settle = round(0.5 * self.trace_fs_hz)
        same = np.empty(x.size + 2, dtype=np.int8)
        same[0] = same[-1] = 0
        same[1] = self._last_raw is not None and x[0] == self._last_raw
        np.equal(x[1:], x[:-1], out=same[2:-1], casting="unsafe")
        edges = np.flatnonzero(np.diff(same))
        starts, ends = edges[::2], edges[1::2]  # runs of repeats: [start, end) in this chunk
        carried = self._flat_run if starts.size and starts[0] == 0 else 0
        if self._in_flat and not carried:  # the flat stretch ended exactly at the chunk boundary
            self._detector.end_blackout(-(-first_index // self._q) + settle)
            self._in_flat = False
        for start, end in zip(starts, ends, strict=True):
            length = end - start + (carried if start == 0 else 0)
            if not self._in_flat and length >= min_run:
                confirm = start + min_run - (carried if start == 0 else 0)
                self._detector.blackout(-(-(first_index + max(confirm, 0)) // self._q))
                self._in_flat = True
            if self._in_flat and end < x.size:
                self._detector.end_blackout(-(-(first_index + end) // self._q) + settle)
                self._in_flat = False
        self._flat_run = (
            int(ends[-1] - starts[-1] + carried * (starts[-1] == 0)) if ends.size and ends[-1] == x.size else 0
        )
        self._last_raw = float(x[-1])

    def finish(self) -> list[Event]:
        """Flush at the end of the recording."""
        return list(self._measure(self._detector.finish()))

    def _time(self, index: float) -> float:
        return self._start_s + index / self.fs_hz

    def _trace_time(self, trace_index: int) -> float:
        return self._origin_s + trace_index / self.trace_fs_hz - self._delay_s

    def _trim_band(self) -> None:
        keep = self._detector.keep_from * self._q
        if keep - self._band_start > 4 * self.fs_hz:
            self._band = self._band[keep - self._band_start :]
            self._band_start = keep

    def _measure(self, detections: list[Detection]) -> list[Contraction]:
        out = []
        for det in detections:
            shape = measure_shape(det, self.trace_fs_hz, reference_row=self._reference_row)
            mf = mf_slope = None
            if self.kind == "emg":
                i0, i1 = det.onset * self._q - self._band_start, det.offset * self._q - self._band_start
                mf, mf_slope = median_frequency(self._band[max(0, i0) : max(0, i1)], self.fs_hz)
            c = Contraction(
                channel=self.channel,
                unit=self.unit,
                onset_s=self._trace_time(det.onset),
                offset_s=self._trace_time(det.offset),
                peak=shape.peak,
                peak_s=self._trace_time(det.start + shape.peak_at),
                mean=shape.mean,
                rise_s=shape.rise_s,
                hold_s=shape.hold_s,
                release_s=shape.release_s,
                residual_pct=shape.residual_pct,
                decline_pct=shape.decline_pct,
                technique=classify_technique(shape.floor_rise, shape.abdomen_rise),
                abdominal_rise=shape.abdomen_rise,
                rest_level=det.ref,
                median_freq_hz=mf,
                median_freq_slope_hz_per_s=mf_slope,
            )
            self._rests.append(det.ref)
            self._max_peak = max(self._max_peak, c.peak)
            self.contractions.append(c)
            out.append(c)
        return out
