"""Biofeedback games driven by live contractions: their paths (``game_paths``) and their scores.

Percent of maximum is the floor pressure above the rest level (the median of the opening rest, leaving out its
first second as the Nu-Tek Levator Elite convention does) over the highest rise so far (the running maximum), or
over a trainer's stored maximum when that is higher; a 0.3 s trailing median keeps motion spikes and coughs out.
The six scores are Perifit's (Perifit help centre), see ``pelvicore.training.game_score``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from pelvicore.errors import SignalError
from pelvicore.signal.events import Calibration, Contraction
from pelvicore.training.game_paths import (
    AT_REST_PCT,
    FLICK_LOW_PCT,
    FLICK_PCT,
    GAMES,
    HOLD_GRACE_S,
    HOLD_PCT,
    LEVEL_SETTINGS,
    LEVELS,
    SETTLE_S,
    SMOOTH_S,
    SPEED_S,
    SQUEEZES,
    TITLES,
    GameName,
    GamePath,
    Level,
    Segment,
    game_path,
    game_protocol,
    parse_routine,
    path_for_routine,
    routine_name,
)
from pelvicore.training.game_score import GameScore, Metric, Reading

__all__ = [
    "GAMES",
    "LEVELS",
    "LEVEL_SETTINGS",
    "TITLES",
    "GameName",
    "GamePath",
    "GameScore",
    "Level",
    "Metric",
    "Reading",
    "Segment",
    "game_path",
    "game_protocol",
    "parse_routine",
    "path_for_routine",
    "routine_name",
    "score",
]

FloatArray = npt.NDArray[np.float64]


def score(
    path: GamePath,
    t_s: npt.ArrayLike,
    floor: npt.ArrayLike,
    contractions: Sequence[Mapping[str, Any] | Contraction] = (),
    *,
    calibration: Calibration | None = None,
    unit: str = "raw",
    technique_measured: bool = True,
) -> GameScore:
    """Score a played game from its pressure trace and the contractions the pipeline found in it.

    Parameters
    ----------
    path : GamePath
        The game that was played; its ``t = 0`` is the first sample of the session.
    t_s : array, shape (n_samples,)
        Sample times, s, increasing; gaps (lost samples) hold the last value, as the pipeline does.
    floor : array, shape (n_samples,)
        Pelvic-floor pressure, ``unit``.
    contractions : sequence of Contraction or their ``to_dict()`` mappings
        For technique (quality) and rise time (speed).
    calibration : Calibration, optional
        A trainer's stored rest level and maximum; its maximum is 100 % when higher than this game's, and its rest
        level stands in when the trace lacks the opening rest.
    technique_measured : bool
        False for a single-zone trainer: quality (lifting, not pushing) is then not measured, never 0 %.

    Notes
    -----
    A target or rest target is reached when the smoothed % of maximum stays within its band for its dwell time
    inside its window; endurance is the longest hold at >= 75 % within a hold (plus 1 s for the reaction) over the
    time asked (Perifit); quick squeezes are counted per 10 s round; return to rest is timed from each rest cue after
    a squeeze to the first sample within 10 % of rest. Segments the trace does not reach the end of are not scored.
    """
    t, x = _uniform(t_s, floor)
    dt = float(t[1] - t[0])
    pct, rise, scale, rest = _percent_of_max(path, t, x, calibration)
    played = [s for s in path.segments if s.end_s <= t[-1] + 1.5 * dt]  # the last sample starts the last dt
    items = [_as_mapping(c) for c in contractions]

    targets = {"target": [0, 0], "rest": [0, 0]}
    results: list[dict[str, Any]] = []
    for seg in played:
        if seg.kind in targets:
            inside = (t >= seg.start_s) & (t < seg.end_s)
            band = inside & (pct <= (seg.high_pct if seg.high_pct is not None else np.inf))
            if seg.low_pct is not None:
                band &= pct >= seg.low_pct
            reached_at = _reached_at(band, t, dt, seg.dwell_s)
            targets[seg.kind][0] += reached_at is not None
            targets[seg.kind][1] += 1
            results.append({"start_s": seg.start_s, "kind": seg.kind, "reached_at_s": reached_at})

    holds = [
        (
            min(_longest_s(_window(t, s.start_s, s.end_s + HOLD_GRACE_S) & (pct >= HOLD_PCT), dt), s.duration_s),
            s.duration_s,
        )
        for s in played
        if s.kind == "hold"
    ]
    best_hold = max(holds, key=lambda h: h[0] / h[1], default=None)

    speed = [s for s in played if s.kind == "speed"]
    flicks = [_count_flicks(pct, t, s) * SPEED_S / s.duration_s for s in speed]
    # Rise time of squeezes that start and peak within one segment (a staircase of targets would stretch it):
    # the quick flicks when the game has them, else the targets and the maximal squeeze.
    timed = speed or [s for s in played if s.kind in ("target", "maximum")]
    rises = [
        float(c["rise_s"])
        for c in items
        if any(s.start_s <= c["onset_s"] and c.get("peak_s", c["onset_s"]) < s.end_s for s in timed)
    ]

    returns: list[float] = []
    not_back = 0
    for before, seg in pairwise(played):
        if seg.kind == "rest" and before.kind in SQUEEZES:
            back = np.flatnonzero(_window(t, seg.start_s, seg.end_s) & (pct <= AT_REST_PCT))
            if back.size:
                returns.append(float(t[back[0]]) - seg.start_s)
            else:
                not_back += 1

    techniques = [c.get("technique") for c in items]
    classified = sum(k in ("lift", "push", "mixed") for k in techniques)
    lifts = sum(k == "lift" for k in techniques)
    after_settle = t >= SETTLE_S
    peak = float(rise[after_settle].max()) if after_settle.any() else None
    squeeze_targets, rest_targets = targets["target"], targets["rest"]
    all_reached, all_targets = squeeze_targets[0] + rest_targets[0], squeeze_targets[1] + rest_targets[1]

    def pct_of(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    return GameScore(
        game=path.game,
        level=path.level,
        seed=path.seed,
        unit=unit,
        duration_s=path.duration_s,
        played_s=round(float(t[-1]), 2),
        rest_level=round(rest, 3),
        max_rise=round(float(scale[-1]), 3),
        max_from="calibration" if calibration is not None and calibration.mvc >= float(np.max(rise)) else "game",
        contractions=len(items),
        classified=classified,
        lifts=lifts,
        quality_pct=pct_of(lifts, classified) if technique_measured else None,
        strength_pct=None if peak is None else round(100.0 * peak / float(scale[-1]), 1),
        peak=None if peak is None else round(peak, 2),
        flicks_per_10s=round(max(flicks), 1) if flicks else None,
        speed_rounds=len(flicks),
        rise_s=round(float(np.mean(rises)), 2) if rises else None,
        longest_hold_s=None if best_hold is None else round(best_hold[0], 2),
        asked_hold_s=None if best_hold is None else best_hold[1],
        endurance_pct=None if best_hold is None else round(100.0 * best_hold[0] / best_hold[1], 1),
        targets_reached=all_reached,
        targets=all_targets,
        control_pct=pct_of(all_reached, all_targets) if squeeze_targets[1] else None,
        rest_targets_reached=rest_targets[0],
        rest_targets=rest_targets[1],
        relaxation_pct=pct_of(rest_targets[0], rest_targets[1]),
        return_to_rest_s=round(float(np.mean(returns)), 2) if returns else None,
        not_back_to_rest=not_back,
        results=tuple(results),
        technique_measured=technique_measured,
    )


def _as_mapping(c: Mapping[str, Any] | Contraction) -> Mapping[str, Any]:
    return c if isinstance(c, Mapping) else c.to_dict()


def _uniform(t_s: npt.ArrayLike, floor: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Samples on an even time grid; a gap holds the last value before it."""
    t, x = np.asarray(t_s, dtype=float), np.asarray(floor, dtype=float)
    if t.ndim != 1 or t.shape != x.shape:
        raise SignalError(f"t_s and floor must be 1-D and the same length, got shapes {t.shape} and {x.shape}")
    ok = np.isfinite(t) & np.isfinite(x)
    t, x = t[ok], x[ok]
    if t.size < 2:
        raise SignalError(f"a game score needs at least 2 finite samples, got {t.size}")
    dt = float(np.median(np.diff(t)))
    if not dt > 0 or np.any(np.diff(t) < 0):
        raise SignalError("sample times must increase")
    grid = t[0] + dt * np.arange(round((t[-1] - t[0]) / dt) + 1)
    idx = np.clip(np.searchsorted(t, grid + 1e-6 * dt, side="right") - 1, 0, t.size - 1)
    return grid, x[idx]


def _percent_of_max(
    path: GamePath, t: FloatArray, x: FloatArray, calibration: Calibration | None
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """% of maximum, the rise above rest, the maximum (100 %) at each sample, and the rest level."""
    win = max(1, round(SMOOTH_S / float(t[1] - t[0])))
    smooth = np.median(sliding_window_view(np.concatenate([np.full(win - 1, x[0]), x]), win), axis=1)
    settle = next(s for s in path.segments if s.kind == "settle")
    quiet = _window(t, settle.start_s + 1.0, settle.end_s)
    if quiet.any():
        rest = float(np.median(x[quiet]))
    elif calibration is not None:
        rest = calibration.rest
    else:
        rest = float(np.percentile(smooth, 10))
    rise = smooth - rest
    scale = np.maximum.accumulate(np.maximum(rise, 0.0))
    if calibration is not None and calibration.mvc > 0:
        scale = np.maximum(scale, calibration.mvc)
    scale = np.maximum(scale, 1e-9)
    return 100.0 * rise / scale, rise, scale, rest


def _window(t: FloatArray, start_s: float, end_s: float) -> npt.NDArray[np.bool_]:
    return (t >= start_s) & (t < end_s)


def _runs(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Start and end (exclusive) indices of each run of ``True``."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _longest_s(mask: npt.NDArray[np.bool_], dt: float) -> float:
    starts, ends = _runs(mask)
    return float((ends - starts).max() * dt) if starts.size else 0.0


def _reached_at(mask: npt.NDArray[np.bool_], t: FloatArray, dt: float, dwell_s: float) -> float | None:
    """Time the band was first held for ``dwell_s``, or ``None``."""
    starts, ends = _runs(mask)
    long_enough = (ends - starts) * dt >= dwell_s - dt / 2
    if not long_enough.any():
        return None
    return round(float(t[starts[long_enough][0]]) + dwell_s, 3)


def _count_flicks(pct: FloatArray, t: FloatArray, seg: Segment) -> int:
    """Quick squeezes that start at rest (<= 25 %), pass 50 % within the round, and fall back to <= 25 %."""
    inside = _window(t, seg.start_s - 1.0, seg.end_s + 2.0)
    level = np.where(pct[inside] > FLICK_PCT, 2, np.where(pct[inside] <= FLICK_LOW_PCT, 0, 1))
    times = t[inside]
    keep = level != 1
    level, times = level[keep], times[keep]
    if level.size < 3:
        return 0
    first = np.concatenate([[0], np.flatnonzero(np.diff(level)) + 1])
    runs, run_t = level[first], times[first]
    # Runs alternate between rest (0) and above the line (2): a flick is a 2 with a 0 on both sides.
    up = (runs[1:-1] == 2) & (runs[:-2] == 0) & (runs[2:] == 0)
    return int(np.sum(up & (run_t[1:-1] >= seg.start_s) & (run_t[1:-1] < seg.end_s)))
