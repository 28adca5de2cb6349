"""``pelvicore plan``: make a 12-week training plan, show it, update it from a week of sessions, export reminders."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from pelvicore.errors import PelvicoreError

if TYPE_CHECKING:
    from pelvicore.training.plan import Change, Plan

plan_app = typer.Typer(
    help=(
        "Training plans: a personalised 12-week plan from an assessment and a goal, adjusted every week from "
        "your sessions, with the reason and source of every change.\n\n"
        "Start with:  pelvicore plan new --goal strength --max-cmh2o 20 --hold-s 4 --fast 6 --out plan.json"
    ),
    no_args_is_help=True,
)

GOAL_HELP = "strength, endurance, relaxation (an over-tight floor: letting go first) or maintenance (after 12 weeks)"


def _fail(message: str) -> NoReturn:
    typer.echo(f"pelvicore: error: {message}", err=True)
    raise typer.Exit(2)


def _read_json(path: Path, what: str) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _fail(f"{path}: not UTF-8 text; save the {what} as a UTF-8 JSON file")
    except OSError as exc:
        _fail(f"{path}: cannot read the {what} file ({exc.strerror or type(exc).__name__})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})")


def _write(path: Path, text: str, *, newline: str | None = None) -> None:
    try:
        with path.open("w", encoding="utf-8", newline=newline) as f:
            f.write(text)
    except OSError as exc:
        _fail(f"{path}: cannot write ({exc.strerror or type(exc).__name__})")


def _plan_json(plan: Plan) -> str:
    from pelvicore.training.plan_json import plan_to_dict

    return json.dumps(plan_to_dict(plan), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _load_plan(path: Path) -> Plan:
    from pelvicore.training.plan_json import plan_from_dict

    obj = _read_json(path, "plan")
    try:
        return plan_from_dict(obj)
    except PelvicoreError as exc:
        _fail(f"{path}: {exc}")


def _print_changes(changes: Iterable[Change]) -> None:
    for c in changes:
        typer.echo(f"  week {c.week} · {c.kind}: {c.what}")
        typer.echo(f"    why: {c.why}")
        typer.echo(f"    source: {c.source}")


def _print_plan(plan: Plan, *, changes: bool = True) -> None:
    session = plan.session()
    minutes, seconds = divmod(round(session.duration_s), 60)
    typer.echo(f"Plan for {plan.goal} — week {plan.week} of {plan.total_weeks}, stage: {plan.stage}")
    if plan.stage in ("training", "maintenance"):
        typer.echo(f"This week: {plan.dose.describe()}")
        typer.echo(f"Step {plan.rung + 1} of {len(plan.rungs)} of the plan's ladder")
    typer.echo(f"Each session (one set): {session.title} ({minutes} min {seconds:02d} s)")
    typer.echo(f"Sessions planned this week: {plan.planned_sessions}")
    if changes:
        typer.echo("Changes so far:")
        _print_changes(plan.all_changes())


@plan_app.command("new")
def new_command(
    goal: Annotated[str, typer.Option(help=GOAL_HELP)] = "strength",
    max_cmh2o: Annotated[
        float | None, typer.Option("--max-cmh2o", help="Strongest squeeze above rest, cmH2O, e.g. 20")
    ] = None,
    max_pct: Annotated[
        float | None, typer.Option("--max-pct", help="Strongest squeeze as % (a device without cmH2O), e.g. 60")
    ] = None,
    hold_s: Annotated[
        float | None, typer.Option("--hold-s", help="Longest hold at >= 75 % of the strongest squeeze, s, e.g. 4")
    ] = None,
    fast: Annotated[int | None, typer.Option("--fast", help="Quick contractions in 10 s, e.g. 6")] = None,
    resting_tone_high: Annotated[
        bool, typer.Option("--resting-tone-high", help="The assessment found a raised resting tone")
    ] = False,
    release_slow: Annotated[bool, typer.Option("--release-slow", help="The assessment found a slow release")] = False,
    lift_pct: Annotated[
        float | None, typer.Option("--lift-pct", help="Share of squeezes that lifted correctly, %, e.g. 90")
    ] = None,
    assessment: Annotated[
        Path | None,
        typer.Option(help="Instead of the numbers: a PERFECT result or a live session summary (JSON)"),
    ] = None,
    start: Annotated[str | None, typer.Option(help="First day of the plan, YYYY-MM-DD (default: today)")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the plan to this JSON file")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as one JSON object")] = False,
) -> None:
    """Make a personalised 12-week plan from an assessment and a goal.

    Example:  pelvicore plan new --goal strength --max-cmh2o 20 --hold-s 4 --fast 6 --out plan.json
    """
    from pelvicore.training.plan import AssessmentSummary
    from pelvicore.training.programme import GOALS, new_plan

    if goal not in GOALS:
        _fail(f"--goal must be one of {', '.join(GOALS)}, got {goal!r}")
    try:
        first_day = date.fromisoformat(start) if start is not None else date.today()
    except ValueError:
        _fail(f"--start must be a day as YYYY-MM-DD, got {start!r}")
    try:
        if assessment is not None:
            obj = _read_json(assessment, "assessment")
            if not isinstance(obj, dict):
                _fail(f"{assessment}: expected a JSON object (a PERFECT result or a session summary)")
            if "power_cmh2o" in obj:
                summary = AssessmentSummary.from_perfect(obj)
            elif "max_peak" in obj:
                summary = AssessmentSummary.from_session_summary(obj)
            else:
                _fail(f"{assessment}: expected a PERFECT result (power_cmh2o) or a session summary (max_peak)")
        else:
            if (max_cmh2o is None) == (max_pct is None):
                _fail("give the strongest squeeze with exactly one of --max-cmh2o or --max-pct (or --assessment FILE)")
            if hold_s is None:
                _fail("give the longest hold with --hold-s (seconds at >= 75 % of the strongest squeeze)")
            unit = "cmH2O" if max_cmh2o is not None else "%"
            maximum = max_cmh2o if max_cmh2o is not None else max_pct
            summary = AssessmentSummary(
                maximum,  # type: ignore[arg-type]  # one of the two was given, checked above
                hold_s,
                fast,
                unit,
                resting_tone_high,
                release_slow,
                lift_pct,
            )
        plan = new_plan(summary, goal, start=first_day)
    except PelvicoreError as exc:
        _fail(str(exc))
    text = _plan_json(plan)
    if out is not None:
        _write(out, text)
    if as_json:
        sys.stdout.write(text)
        return
    _print_plan(plan)
    typer.echo(f"Saved to {out}" if out else "Save it with --out plan.json to update it week by week.")


@plan_app.command("show")
def show_command(
    plan_file: Annotated[Path, typer.Argument(help="A plan file from 'pelvicore plan new --out'")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as one JSON object")] = False,
) -> None:
    """Show a plan: this week's dose and session, and every change with its reason and source."""
    plan = _load_plan(plan_file)
    if as_json:
        sys.stdout.write(_plan_json(plan))
        return
    _print_plan(plan)


@plan_app.command("update")
def update_command(
    plan_file: Annotated[Path, typer.Argument(help="The plan file; it is rewritten unless --out is given")],
    sessions: Annotated[
        Path,
        typer.Option(
            help=(
                'JSON list of this week\'s sessions: [{"date": "2025-03-03", "target_hold_s": 5, "target_reps": 8, '
                '"rest_level": 24.1, "contractions": [{"peak": 9.1, "hold_s": 4.6, "technique": "lift", '
                '"kind": "hold", "release_s": 0.3, "residual_pct": 2}]}]'
            )
        ),
    ],
    out: Annotated[Path | None, typer.Option(help="Write the updated plan here instead of over PLAN_FILE")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"changes": [...], "plan": {...}} as one JSON object')
    ] = False,
) -> None:
    """Review the plan's current week from its sessions: print each change and why, and save the plan."""
    from pelvicore.training.errors import ReviewRefused
    from pelvicore.training.plan_json import plan_to_dict
    from pelvicore.training.programme import update_plan
    from pelvicore.training.sessions import sessions_from_json

    plan = _load_plan(plan_file)
    obj = _read_json(sessions, "sessions")
    try:
        week = plan.week
        new, changes = update_plan(plan, sessions_from_json(obj), today=date.today())
    except ReviewRefused as exc:
        _fail(str(exc))
    except PelvicoreError as exc:
        _fail(f"{sessions}: {exc}")
    target = out or plan_file
    _write(target, _plan_json(new))
    if as_json:
        data = {"changes": [c.to_dict() for c in changes], "plan": plan_to_dict(new)}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, allow_nan=False) + "\n")
        return
    typer.echo(f"Week {week} reviewed ({new.reviews[-1].measures.sessions} sessions). Changes:")
    _print_changes(changes)
    typer.echo(f"Saved to {target}")


@plan_app.command("ics")
def ics_command(
    plan_file: Annotated[Path, typer.Argument(help="A plan file")],
    at: Annotated[
        list[str] | None, typer.Option("--at", help="Time of day HH:MM, once per session (default 08:00, 13:00, 19:00)")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the calendar here (default: print it)")] = None,
) -> None:
    """Export reminders as an iCalendar (.ics) feed to import into any calendar app.

    Example:  pelvicore plan ics plan.json --at 08:00 --at 13:00 --at 19:00 --out reminders.ics
    """
    from pelvicore.training.reminders import parse_clock_time, reminders_ics

    plan = _load_plan(plan_file)
    try:
        times = [parse_clock_time(t) for t in (at or ["08:00", "13:00", "19:00"])]
        text = reminders_ics(plan, times)
    except PelvicoreError as exc:
        _fail(str(exc))
    if out is None:
        sys.stdout.write(text)
        return
    _write(out, text, newline="")
    typer.echo(f"wrote {out} ({len(times)} daily reminder(s))")
