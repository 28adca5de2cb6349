"""Human-readable tables of an analysis, for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pelvicore.analysis import Analysis


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def print_analysis(result: Analysis, *, title: str, console: Console | None = None) -> None:
    """Print one row per contraction, then a summary line, with units on every number."""
    console = console or Console()
    u = result.unit
    table = Table(
        title=escape(f"{title} — channel {result.channel} [{u}], {result.fs_hz:g} Hz, {result.duration_s:.1f} s"),
        caption=f"times in s; peak and mean in {u} above the pre-contraction level; residual and decline in %",
    )
    for name in ("#", "onset", "offset", "peak", "mean", "rise", "hold", "release", "resid.", "decline", "technique"):
        table.add_column(name, justify="right" if name != "technique" else "left")
    if result.contractions and result.contractions[0].median_freq_hz is not None:
        table.add_column("MF Hz", justify="right")
    for i, c in enumerate(result.contractions, 1):
        row = [
            str(i),
            _fmt(c.onset_s, 2),
            _fmt(c.offset_s, 2),
            _fmt(c.peak),
            _fmt(c.mean),
            _fmt(c.rise_s, 2),
            _fmt(c.hold_s, 2),
            _fmt(c.release_s, 2),
            _fmt(c.residual_pct, 0),
            _fmt(c.decline_pct, 0),
            c.technique,
        ]
        if c.median_freq_hz is not None:
            row.append(_fmt(c.median_freq_hz, 0))
        table.add_row(*row)
    console.print(table)
    cal = result.calibration
    if cal is None:
        console.print("No contractions found.")
    else:
        pushes = sum(c.technique == "push" for c in result.contractions)
        console.print(
            f"{len(result.contractions)} contractions; resting level {cal.rest:.1f} {u}; "
            f"strongest {cal.mvc:.1f} {u} above rest" + (f"; {pushes} pushed instead of lifting" if pushes else "")
        )
    for p in result.problems:
        console.print(f"[yellow]signal problem[/] at {p.start_s:.2f} s: {p.message}")
