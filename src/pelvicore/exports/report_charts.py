"""The PDF report's charts: Matplotlib figures rendered to SVG data URIs, axes labelled with their units.

Built on ``matplotlib.figure.Figure`` without pyplot, so no GUI backend is chosen and nothing global changes.
Text stays text in the SVG (``svg.fonttype: none``), so the PDF's axis labels can be searched and copied.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import date
from itertools import pairwise
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

#: Longest trace drawn, in points per channel: min and max of each bucket keep every peak visible.
MAX_TRACE_POINTS = 3000
CM = 1 / 2.54  # inches per cm: the page is A4 and laid out in cm
STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.5,
    "svg.hashsalt": "pelvicore",  # the same report gives the same bytes
}
CHANNEL_COLOURS = {"floor": "#1b7f5a", "abdomen": "#d9822b", "emg": "#3a5ba0"}
CHANNEL_LABELS = {"floor": "pelvic floor", "abdomen": "abdomen", "emg": "surface EMG"}
UNIT_TEXT = {"uV": "µV", "raw": "raw units"}


def unit_text(unit: str) -> str:
    """A unit as a person reads it: ``µV`` for ``uV``, ``raw units`` for a trainer's own counts."""
    return UNIT_TEXT.get(unit, unit)


def _svg_uri(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def thin(t_s: npt.NDArray[np.float64], x: npt.NDArray[np.float64], max_points: int = MAX_TRACE_POINTS) -> tuple[
    npt.NDArray[np.float64], npt.NDArray[np.float64]
]:  # fmt: skip
    """At most about ``max_points`` points of ``x`` against ``t_s``: each bucket's min and max, in time order."""
    buckets = max_points // 2
    if x.size <= max_points or buckets < 1:
        return t_s, x
    edges = np.linspace(0, x.size, buckets + 1).astype(int)
    t_out, x_out = [], []
    for a, b in pairwise(edges):
        seg = x[a:b]
        lo, hi = int(np.nanargmin(seg)), int(np.nanargmax(seg))
        for i in sorted({lo, hi}):
            t_out.append(t_s[a + i])
            x_out.append(seg[i])
    return np.asarray(t_out), np.asarray(x_out)


def trace_chart(
    t_s: npt.NDArray[np.float64],
    channels: dict[str, npt.NDArray[np.float64]],
    units: dict[str, str],
    *,
    onsets_s: Sequence[float] = (),
) -> str:
    """The whole session: every channel against time, contraction onsets as thin vertical lines.

    Parameters
    ----------
    t_s : ndarray, shape (n_samples,)
        Time of each sample, s from the first.
    channels : dict of str to ndarray, shape (n_samples,)
        Each channel's samples, in ``units[name]``.
    units : dict of str to str
        Each channel's unit (``cmH2O``, ``uV``, ``raw``...).
    onsets_s : sequence of float
        Onset of each contraction found, s.

    Returns
    -------
    str
        A ``data:image/svg+xml`` URI.
    """
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(17 * CM, 6.5 * CM))
        ax = fig.add_subplot()
        for onset in onsets_s:
            ax.axvline(onset, color="#8e6bbf", linewidth=0.6, alpha=0.7)
        for name, x in channels.items():
            tt, xx = thin(t_s, x)
            label = f"{CHANNEL_LABELS.get(name, name)} ({unit_text(units.get(name, 'raw'))})"
            ax.plot(tt, xx, linewidth=0.8, color=CHANNEL_COLOURS.get(name), label=label)
        shown = {unit_text(units.get(n, "raw")) for n in channels}
        ax.set_xlabel("time (s)")
        ax.set_ylabel(f"{'pressure' if 'µV' not in shown else 'level'} ({', '.join(sorted(shown))})")
        if t_s.size:
            ax.set_xlim(float(t_s[0]), float(t_s[-1]))
        ax.legend(
            loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, ncols=max(1, len(channels)), borderaxespad=0.2
        )
        return _svg_uri(fig)


def day_chart(
    days: Sequence[date],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    *,
    start: date,
    end: date,
    y_range: tuple[float, float] | None = None,
) -> str:
    """One small panel per series, each against the day, side by side.

    Parameters
    ----------
    days : sequence of date
        The day of each point.
    series : sequence of (title, values, y-axis label with its unit)
        ``values`` line up with ``days``; ``None`` is a day without a value.
    start, end : date
        The period shown on the x axis.
    y_range : (float, float), optional
        Fixed y limits for every panel (0-10 for NPRS), else Matplotlib's.
    """
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(17 * CM, 5.2 * CM))
        axes = fig.subplots(1, len(series), squeeze=False)[0]
        for ax, (title, values, ylabel) in zip(axes, series, strict=True):
            points = [(d, v) for d, v in zip(days, values, strict=True) if v is not None]
            if points:
                ax.plot([d for d, _ in points], [v for _, v in points], marker="o", markersize=3, linewidth=1)
            else:
                ax.text(0.5, 0.5, "not measured", transform=ax.transAxes, ha="center", va="center", color="#666666")
            ax.set_title(title, fontsize=9)
            ax.set_ylabel(ylabel)
            ax.set_xlabel("date")
            ax.set_xlim(start, end)
            if y_range is not None:
                ax.set_ylim(*y_range)
            elif points:
                ax.set_ylim(bottom=0)
            ax.tick_params(axis="x", labelrotation=30, labelsize=7)
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        fig.tight_layout()
        return _svg_uri(fig)
