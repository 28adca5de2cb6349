"""Where a rise begins: the changepoint estimates the contraction detector places onsets with.

A two-line least-squares fit puts the onset where the trace turns from flat into a rise (a changepoint estimate;
Tenan et al. 2017, J Electromyogr Kinesiol 37:10, found changepoint methods the most accurate onset detectors).
"""

from __future__ import annotations

import numpy as np

from pelvicore.signal.filters import median


def knee(y: np.ndarray, *, last: int | None = None) -> int:
    """Index where ``y`` turns from a flat-ish line into a rise: the split minimising the summed squared
    residuals of two independent straight-line fits, at most ``last``. Vectorised over all splits."""
    n = y.size
    if n < 6:
        return 0
    y = y - y.mean()
    t = np.arange(n, dtype=float)

    def sums(v: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(v)])

    c1, ct, ctt, cy, cty, cyy = (sums(v) for v in (np.ones(n), t, t * t, y, t * y, y * y))
    k = np.arange(2, max(3, min(n - 1, (n - 2 if last is None else last) + 1)))

    def sse(a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
        m = c1[b] - c1[a]
        st, stt, sy = ct[b] - ct[a], ctt[b] - ctt[a], cy[b] - cy[a]
        sty, syy = cty[b] - cty[a], cyy[b] - cyy[a]
        var_t = stt - st * st / m
        cov = sty - st * sy / m
        return np.asarray(syy - sy * sy / m - cov * cov / var_t)

    total = sse(0, k) + sse(k, n)
    best = int(k[np.argmin(total)])
    return best if last is None else min(best, last)


def percentile_ignoring_nan(windows: np.ndarray, q: float) -> np.ndarray:
    """``q``-th percentile along the last axis, ignoring NaN, with NumPy's default linear interpolation;
    vectorised (``np.nanpercentile`` loops in Python over rows)."""
    ordered = np.sort(windows, axis=-1)  # NaN sorts last
    valid = np.count_nonzero(~np.isnan(ordered), axis=-1)
    pos = q / 100.0 * (np.maximum(valid, 1) - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, np.maximum(valid, 1) - 1)
    below = np.take_along_axis(ordered, lo[..., None], axis=-1)[..., 0]
    above = np.take_along_axis(ordered, hi[..., None], axis=-1)[..., 0]
    return below + (pos - lo) * (above - below)


def rise_start(y: np.ndarray) -> int:
    """Where the rise that ends ``y`` begins: the knee of the stretch up to its first half-height point,
    so that the top of the rise (or a plateau after it) cannot pull the estimate late."""
    if y.size < 6:
        return 0
    lo = median(y[: max(3, y.size // 4)])
    above = np.flatnonzero(y >= lo + 0.5 * (float(y.max()) - lo))
    half = int(above[0]) if above.size else y.size - 1
    return knee(y[: half + 1]) if half >= 6 else half
