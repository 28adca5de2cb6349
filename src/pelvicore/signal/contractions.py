"""Streaming contraction detection on a conditioned activity trace.

The detector is a two-state machine run with vectorised NumPy over each chunk:

- *rest*: a contraction starts when the trace rises more than ``delta`` above its running minimum over the
  last ``ref_window_s`` (and since the previous contraction ended). Measuring the rise from a local minimum,
  not from a fixed baseline, keeps drift, raised resting tone and slow incomplete releases from hiding or
  merging contractions. ``delta`` adapts to the recording: a multiple of the quiet-block spread (noise and
  breathing) over the last minute, with a floor in calibrated units and another of ``k_quantum`` times the
  stream's quantisation step (where known), so that one-count steps of a coarse sensor are not squeezes.
  The onset is then traced back to the last sample near the pre-contraction level, in the spirit of
  double-threshold detectors (Bonato et al. 1998, IEEE Trans Biomed Eng 45:287), which place onset where
  the rise begins rather than where a threshold is crossed: the knee of a two-line least-squares fit over
  the ``back_window_s`` (0.7 s) before the crossing (a changepoint estimate; Tenan et al. 2017,
  J Electromyogr Kinesiol 37:10, found changepoint methods the most accurate onset detectors).
- *active*: it ends once the trace stays below half of its height above the pre-contraction level for
  ``gap_s``, or — when a new squeeze starts before a slow release is over — at the trough before the
  re-rise. Shorter than ``min_duration_s`` (motion spikes) or not really above the pre-contraction level
  (recovery from a downward artefact) is discarded.

A finished contraction is reported after ``release_window_s`` more (or at the next onset) so that its release
can be measured. Every decision depends only on samples up to that point and on statistics of whole
fixed blocks, so feeding a recording in any chunking yields exactly the same detections.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pelvicore.signal.filters import median, running_min, sliding_windows
from pelvicore.signal.onsets import knee, percentile_ignoring_nan, rise_start


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    """Tuning of ``ContractionDetector``; times in s, ``min_delta`` in the trace's unit."""

    block_s: float = 2.0
    history_blocks: int = 30
    noise_percentile: float = 20.0
    k_spread: float = 2.0
    k_level: float = 0.0
    #: A rise must clear 1.5 quantisation steps, i.e. two whole counts: a one-count flicker at rest (which a
    #: coarse sensor shows for every small wobble) stays below it, the low-pass's overshoot included.
    k_quantum: float = 1.5
    min_delta: float = 0.0
    max_delta: float = np.inf
    ref_window_s: float = 4.0
    back_window_s: float = 0.7
    off_frac: float = 0.5
    off_cap: float = np.inf
    gap_s: float = 0.15
    split_drop: float = 0.3
    split_rise: float = 0.25
    min_duration_s: float = 0.4
    max_duration_s: float = 150.0
    release_window_s: float = 3.0
    pre_s: float = 1.0
    decision_row: int = 0
    ref_is_minimum: bool = False
    warmup_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Detection:
    """A detected contraction, as sample indices of the detector's trace.

    ``segment`` holds every row (primary trace first, then reference traces such as the abdominal zone)
    from ``start`` (``onset - pre``) up to ``end`` (end of the release window), shape (n_rows, end - start).
    ``ref`` is the pre-contraction level of the decision row, ``ref_primary`` that of row 0.
    """

    onset: int
    crossing: int
    offset: int
    end: int
    start: int
    ref: float
    delta: float
    segment: np.ndarray
    ref_primary: float


class ContractionDetector:
    """Finds contractions in a conditioned trace sampled at ``fs_hz``; see the module docstring."""

    def __init__(self, fs_hz: float, settings: DetectorSettings | None = None, *, n_rows: int = 1) -> None:
        s = settings or DetectorSettings()
        self.fs_hz, self.settings, self.n_rows = fs_hz, s, n_rows
        self._block = max(4, round(s.block_s * fs_hz))
        self._window = max(3, round(s.ref_window_s * fs_hz)) | 1
        self._gap = max(1, round(s.gap_s * fs_hz))
        self._min_len = max(1, round(s.min_duration_s * fs_hz))
        self._max_len = round(s.max_duration_s * fs_hz)
        self._release = round(s.release_window_s * fs_hz)
        self._pre = round(s.pre_s * fs_hz)
        self._back = max(1, round(s.back_window_s * fs_hz))
        self._warmup = round(s.warmup_s * fs_hz)
        self._step = max(4 * self._window, round(10 * fs_hz))
        self.reset()

    def reset(self) -> None:
        self._buf = np.empty((self.n_rows, 0))
        self._buf_start = 0
        self._quanta = np.empty(0)  # the quantisation step known at each sample of the buffer
        self._tail = np.empty(0)
        self._n = 0
        # Filters settle during the warm-up; no contraction may start (or be referenced) before it ends.
        self._pos = self._warmup
        self._spread: list[float] = []
        self._level: list[float] = []
        self._deltas = np.empty(0)
        self._mode = "rest"
        self._rest_start = self._warmup
        self._onset = self._crossing = 0
        self._ref = self._delta = self._floor = 0.0
        self._peak = -np.inf
        self._below_run = 0
        self._released: tuple[int, float] | None = None
        self._trough = np.inf
        self._pending: tuple[int, int, int, float, float] | None = None
        self._blackouts: list[tuple[int, int | None]] = []

    # -- public -------------------------------------------------------------------------------------------
    def feed(self, rows: np.ndarray, *, quantum: np.ndarray | None = None) -> list[Detection]:
        """Add samples, shape (n_rows, n) (or (n,) for one row); return the detections completed.

        ``quantum``, shape (n,), is the stream's quantisation step as known at each sample (0 where unknown):
        no contraction may rise less than ``k_quantum`` of them.
        """
        rows = np.atleast_2d(np.asarray(rows, dtype=float))
        if rows.shape[0] != self.n_rows:
            raise ValueError(f"expected {self.n_rows} row(s), got {rows.shape[0]}")
        quanta = np.zeros(rows.shape[1]) if quantum is None else np.asarray(quantum, dtype=float)
        if quanta.shape != (rows.shape[1],):
            raise ValueError(f"expected {rows.shape[1]} quantisation step(s), got shape {quanta.shape}")
        self._buf = np.concatenate([self._buf, rows], axis=1)
        self._quanta = np.concatenate([self._quanta, quanta])
        self._tail = np.concatenate([self._tail, rows[self.settings.decision_row]])
        self._n += rows.shape[1]
        self._update_blocks(final=False)
        out = self._process(self._ready_end())
        self._trim()
        return out

    def blackout(self, start: int, end: int | None = None) -> None:
        """Mark samples from ``start`` to ``end`` (open until ``end_blackout``) as carrying no signal, as in a
        dropout: the trace is held at its last value through them, and they neither end nor split a
        contraction."""
        self._blackouts.append((start, end))

    def _in_blackout(self, i0: int, i1: int) -> np.ndarray:
        mask = np.zeros(i1 - i0, dtype=bool)
        for b0, b1 in self._blackouts:
            lo, hi = max(b0, i0), i1 if b1 is None else min(b1, i1)
            if hi > lo:
                mask[lo - i0 : hi - i0] = True
        return mask

    def end_blackout(self, end: int) -> None:
        if self._blackouts and self._blackouts[-1][1] is None:
            self._blackouts[-1] = (self._blackouts[-1][0], end)

    def finish(self) -> list[Detection]:
        """Flush at the end of the recording: a contraction still under way ends at the last sample."""
        self.end_blackout(self._n)
        self._update_blocks(final=True)
        out = self._process(self._n)
        if self._mode == "active":
            self._close(self._n, self._n)
        if self._pending is not None:
            out.append(self._finalize(self._n))
        return out

    @property
    def keep_from(self) -> int:
        """The earliest sample index a future detection may still reach back to."""
        first = min(self._pos, self._rest_start if self._mode == "rest" else self._onset)
        if self._pending is not None:
            first = min(first, self._pending[0])
        return max(0, first - self._window - self._pre)

    # -- thresholds from whole blocks ---------------------------------------------------------------------
    def _update_blocks(self, *, final: bool) -> None:
        """Statistics of each whole block of the incoming trace (kept apart from the buffer, which a
        dropout may later overwrite), and from them each block's threshold ``delta``."""
        s = self.settings
        first = len(self._spread)
        n_new = self._tail.size // self._block
        if final and first == 0 and n_new == 0 and self._tail.size:
            blocks = np.resize(self._tail, (1, self._block))  # shorter than one block: use what there is
        else:
            blocks = self._tail[: n_new * self._block].reshape(n_new, self._block)
            self._tail = self._tail[n_new * self._block :]
        if not blocks.size:
            return
        self._spread += list(np.ptp(blocks, axis=1))
        self._level += list(np.median(blocks, axis=1))
        # Each block's threshold uses the statistics of the blocks before it (block 0: its own), over the
        # last ``history_blocks``; the first few windows are shorter.
        k, q = s.history_blocks, s.noise_percentile
        lo = max(0, first - (k - 1))  # only the last k - 1 blocks before the new ones are needed
        stats = np.array([self._spread[lo:], self._level[lo:]])
        padded = np.concatenate([np.full((2, k - 1 - (first - lo)), np.nan), stats], axis=1)
        pct = percentile_ignoring_nan(sliding_windows(padded, k), q)
        deltas = np.maximum(max(s.min_delta, 1e-12), np.maximum(s.k_spread * pct[0], s.k_level * pct[1]))
        deltas = np.minimum(deltas, max(s.max_delta, s.min_delta))
        if first == 0:
            deltas = np.concatenate([deltas[:1], deltas])
        self._deltas = np.concatenate([self._deltas, deltas])

    def _ready_end(self) -> int:
        return min(self._n, len(self._deltas) * self._block)

    def _delta_at(self, i0: int, i1: int) -> np.ndarray:
        # A rise the sensor cannot resolve is no contraction, whatever the caps on the block thresholds say.
        quanta = self.settings.k_quantum * self._quanta[i0 - self._buf_start : i1 - self._buf_start]
        return np.maximum(self._deltas[np.arange(i0, i1) // self._block], quanta)

    def _x(self, i0: int, i1: int, row: int | None = None) -> np.ndarray:
        """Samples ``i0:i1`` of ``row`` (default: the decision row)."""
        r = self.settings.decision_row if row is None else row
        return self._buf[r, i0 - self._buf_start : i1 - self._buf_start]

    # -- the state machine --------------------------------------------------------------------------------
    def _process(self, end: int) -> list[Detection]:
        out: list[Detection] = []
        while self._pos < end:
            # Look ahead a bounded stretch at a time, so the work stays linear in the recording length.
            step_end = min(end, self._pos + self._step)
            if self._mode == "rest":
                if not self._rest_step(step_end, out):
                    break  # waiting for the end of a dropout
            elif not self._active_step(step_end, out):
                break  # waiting for the end of a dropout
        return out

    def _rest_step(self, end: int, out: list[Detection]) -> bool:
        limit = end if self._pending is None else min(end, self._pending[2] + self._release)
        if self._pending is not None and self._pos >= limit:
            out.append(self._finalize(limit))
            return True
        if self._blackouts:
            b0, b1 = self._blackouts[0]
            if self._pos >= b0:
                if b1 is None or b1 > self._n:
                    return False  # wait for the end of the dropout
                self._blackouts.pop(0)
                # Hold the trace through the dropout, so its collapse and recovery look like nothing.
                if b0 > self._buf_start:
                    self._buf[:, b0 - self._buf_start : b1 - self._buf_start] = self._buf[
                        :, b0 - 1 - self._buf_start, None
                    ]
                return True
            limit = min(limit, b0)
        w = self._window
        lo = max(self._rest_start, self._pos - w + 1)
        lowest = running_min(self._x(lo, limit), w)
        x = self._x(self._pos, limit)
        delta = self._delta_at(self._pos, limit)
        hits = np.flatnonzero(x - lowest[self._pos - lo :] > delta)
        if hits.size == 0:
            self._pos = limit
            return True
        c = self._pos + int(hits[0])
        before = self._x(max(self._rest_start, c - w), c)
        b0 = max(self._rest_start, c - self._back)
        # Deciding on a slower trace puts the crossing high on the fast rise: look for the rise's start.
        locate = knee if self.settings.decision_row == 0 else rise_start
        onset = b0 + locate(self._x(b0, c + 1, row=0))
        # The pre-contraction level: the recent median, unless the trace sat higher at the onset (a new
        # squeeze on top of a release). After a downward artefact the median keeps the level honest. An EMG
        # envelope has no downward artefacts but may creep up slowly: there the level is capped at half
        # ``delta`` above the running minimum, and the contraction must clear ``delta`` above that minimum.
        floor = float(lowest[c - lo])
        if self.settings.ref_is_minimum:
            ref = min(median(before) if before.size else floor, floor + 0.5 * float(delta[hits[0]]))
        else:
            ref = max(median(before) if before.size else -np.inf, float(self._x(onset, onset + 1)[0]))
        d = float(delta[hits[0]])
        if self._pending is not None:
            out.append(self._finalize(max(onset, self._pending[2])))
        self._mode, self._onset, self._crossing, self._ref, self._delta = "active", onset, c, ref, d
        self._floor = floor if self.settings.ref_is_minimum else ref
        self._peak = float(self._x(onset, c + 1).max())
        self._below_run = 0
        self._released = None
        self._pos = c
        return True

    def _active_step(self, end: int, out: list[Detection]) -> bool:
        # How a dropout affects this contraction is only known once the dropout's end is.
        open_from = [b0 for b0, b1 in self._blackouts if b1 is None]
        if open_from:
            end = min(end, max(open_from[0], self._pos))
            if end <= self._pos:
                return False
        x = self._x(self._pos, end)
        peak = np.maximum(self._peak, np.maximum.accumulate(x))
        threshold = self._ref + np.clip(
            self.settings.off_frac * (peak - self._ref), 0.5 * self._delta, self.settings.off_cap * self._delta
        )
        idx = np.arange(x.size)
        blank = self._in_blackout(self._pos, end)  # a dropout neither ends nor splits a contraction
        held = (x >= threshold) | blank
        last_above = np.maximum.accumulate(np.where(held, idx, -1))
        run = np.where(last_above >= 0, idx - last_above, idx + 1 + self._below_run)
        hits = np.flatnonzero(run >= self._gap)
        split = self._split(np.where(blank, peak, x), peak)
        if split is not None and (not hits.size or split[0] < hits[0]):
            self._close(split[1], split[1] + 1)
            return True
        too_long_at = self._onset + self._max_len
        if hits.size:
            e = self._pos + int(hits[0])
            offset = e - self._gap + 1
            if offset > too_long_at:
                self._abandon(too_long_at)
                return True
            self._close(offset, e + 1)
            return True
        if end > too_long_at:
            self._abandon(too_long_at)
            return True
        self._peak, self._below_run, self._pos = float(peak[-1]), int(run[-1]), end
        return True

    def _split(self, x: np.ndarray, peak: np.ndarray) -> tuple[int, int] | None:
        """A new squeeze that starts before a slow release is over: once the trace has fallen by
        ``split_drop`` of its height, a rise of ``split_rise`` of the height (at least ``delta``) from the
        lowest point since then starts a new contraction. Returns (index in ``x``, trough sample) or None."""
        s = self.settings
        if self._released is None:
            dropped = np.flatnonzero(peak - x >= s.split_drop * (peak - self._ref))
            if not dropped.size:
                return None
            b = int(dropped[0])
            self._released = (self._pos + b, float(peak[b] - self._ref))
            self._trough = np.inf
        else:
            b = 0
        start, height = self._released
        lows = np.minimum(self._trough, np.minimum.accumulate(x[b:]))
        rises = np.flatnonzero(x[b:] - lows >= max(self._delta, s.split_rise * height))
        if not rises.size:
            self._trough = float(lows[-1])
            return None
        i = b + int(rises[0])
        trough = start + int(np.argmin(self._x(start, self._pos + i + 1)))
        return i, trough

    def _abandon(self, at: int) -> None:
        """A "contraction" longer than ``max_duration_s`` is a baseline shift: start afresh from here."""
        self._mode, self._rest_start, self._pos = "rest", at, at

    def _close(self, offset: int, resume: int) -> None:
        peak = float(self._x(self._onset, max(offset, self._onset + 1)).max())
        valid = offset - self._onset >= self._min_len and peak - self._floor >= self._delta
        self._mode, self._rest_start, self._pos = "rest", offset, resume
        if valid:
            self._pending = (self._onset, self._crossing, offset, self._ref, self._delta)

    def _finalize(self, end: int) -> Detection:
        assert self._pending is not None
        onset, crossing, offset, ref, delta = self._pending
        self._pending = None
        start = max(self._buf_start, onset - self._pre)
        segment = self._buf[:, start - self._buf_start : end - self._buf_start].copy()
        ref_primary = ref
        if self.settings.decision_row != 0:
            ref_primary = median(self._x(max(start, onset - self._back), onset + 1, row=0))
        return Detection(onset, crossing, offset, end, start, ref, delta, segment, ref_primary)

    def _trim(self) -> None:
        keep = self.keep_from
        if keep - self._buf_start > 4 * self._block:
            self._buf = self._buf[:, keep - self._buf_start :]
            self._quanta = self._quanta[keep - self._buf_start :]
            self._buf_start = keep
