"""Readable terminal pages for a triage result, a bone-risk screen, a self-care plan and an insight, with sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pelvicore.care.bone import BoneRisk
from pelvicore.care.diary import CONFIRM_QUESTIONS
from pelvicore.care.triage import TriageResult

if TYPE_CHECKING:  # only for annotations: printing a triage result need not load the plan or NumPy
    from pelvicore.care.diary import DiaryFlags
    from pelvicore.care.insight import Insight
    from pelvicore.care.plan import SelfCarePlan

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


def print_plan(
    plan: SelfCarePlan,
    result: TriageResult | None = None,
    flags: DiaryFlags | None = None,
    *,
    console: Console | None = None,
) -> None:
    """Urgent advice first (when triage asks for a clinician), what is new in the diary, then each area of the plan."""
    console = console or Console()
    if plan.urgent is not None:
        console.print(f"[{_LEVEL_STYLE[plan.urgent.level]}]{_LEVEL_TITLE[plan.urgent.level]}[/]")
        console.print(escape(plan.urgent.advice))
        for reason in plan.urgent.reasons:
            console.print(f"- {escape(reason)}")
        console.print(f"[bold]{escape(plan.urgent.note)}[/]")
    elif result is not None and result.level == "routine":
        console.print(f"[{_LEVEL_STYLE['routine']}]{_LEVEL_TITLE['routine']}[/]")
        console.print(escape(result.advice))
    if flags is not None and flags.reasons:
        console.print("New in your diary:")
        for reason in flags.reasons:
            console.print(f"- {escape(reason)}")
        for key in flags.confirm:
            console.print(f"  Please check: {escape(CONFIRM_QUESTIONS[key])} If yes, run pelvicore care triage.")
    console.print(f"[bold]Your self-care plan, {plan.plan_date.isoformat()}[/] (review it on {plan.review_on})")
    for item in plan.items:
        console.print(f"\n[bold]{'* ' if item.priority else ''}{escape(item.title)}[/]")
        for action in item.actions:
            console.print(f"  - {escape(action)}")
        for why in item.why:
            console.print(f"  [italic]Why: {escape(why)}[/]")
        console.print(f"  [dim]Sources: {escape('; '.join(item.sources))}[/]", soft_wrap=True)
    if plan.to_tailor:
        console.print("\nTo tailor your plan further, add: " + "; ".join(plan.to_tailor))
    console.print(f"\n{escape(plan.note)}")


def print_insight(insight: Insight, *, console: Console | None = None) -> None:
    """The weekly table, then each estimate in plain words, and how they were worked out."""
    console = console or Console()
    table = Table(title="Your weeks")
    for name in ("week of", "diary days", "pain 0-10", "leaks a day", "PEG-3", "sessions", "strongest squeeze"):
        table.add_column(name)
    for w in insight.weeks:
        squeeze = "—" if w.max_squeeze is None else f"{w.max_squeeze:.1f} {w.unit}"
        table.add_row(
            w.week_start.isoformat(), str(w.diary_days), _num(w.pain), _num(w.leaking), _num(w.function),
            "—" if w.sessions is None else str(w.sessions), squeeze,
        )  # fmt: skip
    console.print(table)
    for title, estimate in (
        ("Pain and training", insight.pain),
        ("Leaking and training", insight.leaking),
        ("Function and training", insight.function),
        ("Strength over time", insight.strength),
    ):
        console.print(f"[bold]{title}:[/] {escape(estimate.text)}")
    console.print(f"[dim]{escape(insight.method)}[/]")


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
