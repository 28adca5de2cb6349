"""Readable terminal pages for a triage result and a bone-risk screen, each with its sources."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pelvicore.care.bone import BoneRisk
from pelvicore.care.triage import TriageResult

_LEVEL_STYLE = {"emergency": "bold white on red", "soon": "bold yellow", "routine": "bold cyan", "self-care": "green"}
_LEVEL_TITLE = {
    "emergency": "EMERGENCY: get help now",
    "soon": "SOON: see a clinician this week",
    "routine": "ROUTINE: mention it at your next appointment",
    "self-care": "SELF-CARE: no warning signs in your answers",
}


def print_triage(result: TriageResult, *, console: Console | None = None) -> None:
    """The level, what to do, each reason with its source, and the guidelines used."""
    console = console or Console()
    console.print(f"[{_LEVEL_STYLE[result.level]}]{_LEVEL_TITLE[result.level]}[/]")
    console.print(escape(result.advice))
    if result.reasons:
        table = Table(title="Why", show_lines=True)
        table.add_column("level")
        table.add_column("what you told us, and what it means", ratio=3)
        table.add_column("source", ratio=2)
        for r in result.reasons:
            table.add_row(r.level, escape(r.text), escape(r.source))
        console.print(table)
    _print_sources(console, result.sources)
    console.print("pelvicore does not diagnose: these answers only say whether, and how soon, to get checked.")


def print_bone(risk: BoneRisk, *, console: Console | None = None) -> None:
    """One row per tool (number, verdict), the plain-words explanation, the advice, the FRAX link and sources."""
    console = console or Console()
    table = Table(title=f"Bone-risk screen: age {risk.age_years}, weight {risk.weight_kg:g} kg")
    for name in ("tool", "result", "suggests a DXA scan?"):
        table.add_column(name)
    table.add_row("OST", f"{risk.ost:.1f} (OSTA band: {risk.osta_band} risk)", _yes_no(risk.ost_recommend_dxa))
    table.add_row("ORAI", f"{risk.orai} of 26", _yes_no(risk.orai_refer))
    table.add_row("SCORE", "not calculated" if risk.score is None else str(risk.score), _yes_no(risk.score_refer))
    console.print(table)
    for line in risk.explanation:
        console.print(f"- {escape(line)}")
    console.print(f"[bold]{escape(risk.advice)}[/]")
    _print_sources(console, risk.sources)


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "no")


def _print_sources(console: Console, sources: tuple[str, ...]) -> None:
    console.print("Sources:")
    for source in sources:
        console.print(f"  {escape(source)}", soft_wrap=True)
