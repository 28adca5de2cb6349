"""Human-readable tables of an analysis, for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pelvicore.analysis import Analysis


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


#: Columns a narrow terminal keeps (80 columns fit them with room to spare); ``--wide`` shows every column.
ESSENTIAL = ("#", "onset", "offset", "peak", "hold", "technique")


def _rows(result: Analysis) -> tuple[list[str], list[list[str]]]:
    names = ["#", "onset", "offset", "peak", "mean", "rise", "hold", "release", "resid.", "decline", "technique"]
    with_mf = bool(result.contractions) and result.contractions[0].median_freq_hz is not None
    if with_mf:
        names.append("MF Hz")
    rows = []
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
        if with_mf:
            row.append(_fmt(c.median_freq_hz, 0))
        rows.append(row)
    return names, rows


def _width(names: list[str], rows: list[list[str]], keep: list[int]) -> int:
    """Characters a table of the columns ``keep`` needs with rich's default box (3 per column, plus 1)."""
    return 1 + sum(3 + max([len(names[i])] + [len(r[i]) for r in rows]) for i in keep)


def print_analysis(result: Analysis, *, title: str, console: Console | None = None, wide: bool = False) -> None:
    """Print one row per contraction, then a summary line, with units on every number.

    Numbers are never cut: a terminal too narrow for every column gets the essential ones (``ESSENTIAL``) and a
    note, unless ``wide`` asks for all of them (then the table is as wide as it needs to be).
    """
    console = console or Console()
    u = result.unit
    names, rows = _rows(result)
    keep = list(range(len(names)))
    narrowed = False
    if _width(names, rows, keep) > console.width:
        if wide:
            console = Console(width=_width(names, rows, keep), file=console.file, no_color=console.no_color)
        else:
            keep = [i for i, n in enumerate(names) if n in ESSENTIAL]
            narrowed = True
    caption = f"times in s; peak and mean in {u} above the pre-contraction level; residual and decline in %"
    if narrowed:
        caption = f"times in s; peak in {u} above the pre-contraction level; every column: --wide"
    table = Table(
        title=escape(f"{title} — channel {result.channel} [{u}], {result.fs_hz:g} Hz, {result.duration_s:.1f} s"),
        caption=caption,
    )
    for i in keep:
        cells = [len(r[i]) for r in rows]
        table.add_column(
            names[i],
            justify="left" if names[i] == "technique" else "right",
            no_wrap=True,
            min_width=max([len(names[i]), *cells]),
        )
    for row in rows:
        table.add_row(*(row[i] for i in keep))
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
