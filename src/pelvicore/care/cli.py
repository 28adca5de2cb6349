"""``pelvicore care``: red-flag triage and bone-risk screening on the command line."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer

from pelvicore.errors import PelvicoreError

T = TypeVar("T")

care_app = typer.Typer(
    help=(
        "Back-pain care: check answers for red flags that need a clinician, screen bone risk, build a self-care "
        "plan, and see whether training helps.\n\n"
        "Examples:  pelvicore care triage --answers answers.json  |  pelvicore care bone --age 62 --weight-kg 55  |  "
        "pelvicore care plan --profile profile.json --diary diary.json  |  "
        "pelvicore care insight --diary diary.json --training training.json\n\n"
        "pelvicore never diagnoses: it says when and how soon to see a clinician, and names its sources."
    ),
    no_args_is_help=True,
)


def _fail(message: str) -> NoReturn:
    typer.echo(f"pelvicore: error: {message}", err=True)
    raise typer.Exit(2)


def _print_json(data: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(data, allow_nan=False, ensure_ascii=False) + "\n")


def _read_text(path: Path, what: str) -> tuple[str, str]:
    """The name to show in messages and the text of ``path`` (``-`` = standard input); exit 2 if unreadable."""
    name = "standard input" if str(path) == "-" else str(path)
    try:
        return name, sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _fail(f"{name}: not UTF-8 text; save the {what} as a UTF-8 JSON file")
    except OSError as exc:
        _fail(f"{name}: cannot read the {what} file ({exc.strerror or type(exc).__name__})")


def _parse(path: Path, what: str, parse: Callable[[str], T]) -> T:
    """Read ``path`` and parse it; any pelvicore error exits 2 with one line naming the file."""
    name, text = _read_text(path, what)
    try:
        return parse(text)
    except PelvicoreError as exc:
        _fail(f"{name}: {exc}")


@care_app.command("triage")
def triage_command(
    answers: Annotated[
        Path,
        typer.Option(
            "--answers",
            help=(
                'JSON file of answers, or - to read standard input. Example: {"age": 58, "pain_weeks": 2, '
                '"fever": false}. Numbers: age (years), pain_weeks (how long the pain has lasted). Yes/no '
                "(true/false): saddle_numbness, genital_numbness, new_bladder_problem, new_bowel_incontinence, "
                "leg_weakness_worsening, pain_both_legs, major_trauma, minor_trauma_or_fall, osteoporosis, "
                "long_term_steroids, height_loss_or_stoop, cancer_history, unexplained_weight_loss, "
                "night_pain_unrelieved, fever, immunosuppressed, iv_drug_use, radiating_leg_pain_with_numbness, "
                "stress_incontinence_longstanding. A key left out means no (or unknown)."
            ),
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help='Print one JSON object: {"level", "reasons", "advice", "sources"}')
    ] = False,
) -> None:
    """Check back-pain answers for red flags: emergency, soon, routine or self-care, with reasons and sources.

    emergency = call emergency services now; soon = book an appointment with your GP or clinician this week;
    routine = mention it at your next appointment; self-care = carry on with your plan. Example:
    pelvicore care triage --answers answers.json --json
    """
    from pelvicore.care.triage import answers_from_json, triage

    result = triage(_parse(answers, "answers", answers_from_json))
    if as_json:
        _print_json(result.to_dict())
        return
    from pelvicore.care.report import print_triage

    print_triage(result)


@care_app.command("bone")
def bone_command(
    age: Annotated[int, typer.Option("--age", help="Age in whole years, 18-120, e.g. 62")],
    weight_kg: Annotated[float, typer.Option("--weight-kg", help="Body weight in kg, 25-300, e.g. 55 or 61.5")],
    estrogen: Annotated[
        bool,
        typer.Option("--estrogen", help="You take oestrogen now (menopausal hormone therapy): lowers ORAI by 2"),
    ] = False,
    black: Annotated[
        bool | None,
        typer.Option("--black/--not-black", help="For SCORE: your ethnicity is Black or not (SCORE adds 5 if not)"),
    ] = None,
    rheumatoid_arthritis: Annotated[
        bool | None,
        typer.Option(
            "--rheumatoid-arthritis/--no-rheumatoid-arthritis", help="For SCORE: you have rheumatoid arthritis"
        ),
    ] = None,
    fractures_after_45: Annotated[
        int | None,
        typer.Option(
            "--fractures-after-45",
            help="For SCORE: wrist, hip or rib bones broken after age 45 without a major injury, e.g. 0 or 1",
        ),
    ] = None,
    ever_estrogen: Annotated[
        bool | None,
        typer.Option(
            "--ever-estrogen/--never-estrogen",
            help="For SCORE: you have ever taken oestrogen (--estrogen already means yes)",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table")] = False,
) -> None:
    """Screen bone risk from age and weight: OST (with the OSTA band), ORAI, and SCORE when its inputs are given.

    Each tool says whether to discuss a bone-density (DXA) scan; none measures bone. Example:
    pelvicore care bone --age 62 --weight-kg 55 --not-black --no-rheumatoid-arthritis --fractures-after-45 0
    --never-estrogen. For fracture risk from more factors, FRAX: https://frax.shef.ac.uk/FRAX/
    """
    from pelvicore.care.bone import screen_bone_risk

    try:
        risk = screen_bone_risk(
            age,
            weight_kg,
            estrogen_now=estrogen,
            black=black,
            rheumatoid_arthritis=rheumatoid_arthritis,
            fractures_after_45=fractures_after_45,
            ever_estrogen=ever_estrogen,
        )
    except PelvicoreError as exc:
        _fail(str(exc))
    if as_json:
        _print_json(risk.to_dict())
        return
    from pelvicore.care.report import print_bone

    print_bone(risk)


_PROFILE_HELP = (
    'JSON object of her profile, every field optional. Example: {"age": 58, "weight_kg": 64, "height_cm": 165, '
    '"menopause_status": "post", "hormone_therapy": false, "osteoporosis": false, "fractures": false, '
    '"steroids": false, "cancer": false, "stress_incontinence_longstanding": true, "goals": ["less_back_pain", '
    '"less_leaking"], "device": "perifit", "calcium_mg_per_day": 800, "vitamin_d_iu_per_day": 400, '
    '"sitting_hours_per_day": 7, "drinks_l_per_day": 1.2}. menopause_status: pre, peri, post or unsure; goals: '
    "less_back_pain, less_leaking, stronger_pelvic_floor, bone_health, better_sleep, healthy_weight, stay_active."
)
_DIARY_HELP = (
    'JSON list of diary entries, one per day. Example: [{"date": "2025-03-03", "pain": 4, "peg": [4, 3, 5], '
    '"where": ["lower_back", "radiating_hips_legs"], "stiffness": "morning", "leg_tingling_or_numbness": false, '
    '"leaking_episodes": 1, "sleep_hours": 6.5, "signs": [], "instruments": {"odi": {"percent": 22}, '
    '"start_back": {"items": [true, false, false, false, false, true, false, false], "bothersome": "moderately"}}}]. '
    "pain and peg items: whole numbers 0-10; where: lower_back, mid_back, radiating_hips_legs, tailbone; "
    "stiffness: none, morning, all_day; signs: new warning signs such as new_bladder_problem or saddle_numbness; "
    'instruments (scores only): start_back, mrs {"items": [11 x 0-4]} or {"total"}, iciq_ui_sf {"frequency", '
    '"amount", "interference"} or {"total"}, odi {"sections": [10 x 0-5 or null]} or {"percent"}, pfdi20 '
    '{"udi6", "cradi8", "popdi6"} or {"total"}.'
)
_TRAINING_HELP = (
    'JSON list of training sessions. Example: [{"date": "2025-03-03", "max_squeeze": 31.5, "unit": "cmH2O"}, '
    '{"date": "2025-03-05"}]. max_squeeze (strongest squeeze above rest) and its unit are optional.'
)


@care_app.command("plan")
def plan_command(
    profile: Annotated[Path, typer.Option("--profile", help=_PROFILE_HELP)],
    diary: Annotated[Path | None, typer.Option("--diary", help=_DIARY_HELP)] = None,
    training: Annotated[Path | None, typer.Option("--training", help=_TRAINING_HELP)] = None,
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="Red-flag answers as for 'pelvicore care triage', added to the check"),
    ] = None,
    today: Annotated[
        str | None, typer.Option("--today", help="The plan's date, e.g. 2025-03-17 (default: today)")
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help='Print one JSON object: {"plan_date", "review_on", "urgent", "items", "to_tailor", "sources", '
            '"note", "triage", "diary_flags"}',
        ),
    ] = False,
) -> None:
    """Build her self-care plan: exercise, pelvic floor, calcium and vitamin D, posture, heat and cold, stress and
    sleep, hydration and weight — each with why, for her, and its source; review it every week.

    The red-flag check runs on her profile, on what is new in her latest diary entry and on any --answers: if it
    says emergency or soon, that advice comes first. Example:
    pelvicore care plan --profile profile.json --diary diary.json --json
    """
    from pelvicore.care.answers import answers_from_json
    from pelvicore.care.diary import combine_answers, diary_from_json, latest_flags
    from pelvicore.care.plan import build_plan
    from pelvicore.care.profile import profile_from_json
    from pelvicore.care.training_log import summarise_training, training_from_json
    from pelvicore.care.triage import triage

    plan_date = _date_option("--today", today)
    her = _parse(profile, "profile", profile_from_json)
    entries = _parse(diary, "diary", diary_from_json) if diary else ()
    flags = latest_flags(entries, profile=her)
    checked = flags.answers if flags else her.triage_answers()
    if answers:
        checked = combine_answers(checked, _parse(answers, "answers", answers_from_json))
    result = triage(checked)
    summary = (
        summarise_training(_parse(training, "training", training_from_json), today=plan_date) if training else None
    )
    plan = build_plan(her, entries, result, summary, today=plan_date)
    if as_json:
        extra = {"triage": result.to_dict(), "diary_flags": None if flags is None else flags.to_dict()}
        _print_json(plan.to_dict() | extra)
        return
    from pelvicore.care.report import print_plan

    print_plan(plan, result, flags)


@care_app.command("insight")
def insight_command(
    diary: Annotated[Path, typer.Option("--diary", help=_DIARY_HELP)],
    training: Annotated[Path, typer.Option("--training", help=_TRAINING_HELP)],
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help='Print one JSON object: {"weeks", "pain", "leaking", "function", "strength", "method"}'
        ),
    ] = False,
) -> None:
    """Does training help her? Weekly pain, leaking and function against last week's training, with an honest
    estimate and its uncertainty; "not enough data yet" until 6 weeks of both.

    A relation is named only when its 95% interval excludes zero, and as a pattern, never as proof. Example:
    pelvicore care insight --diary diary.json --training training.json --json
    """
    from pelvicore.care.diary import diary_from_json
    from pelvicore.care.insight import build_insight
    from pelvicore.care.training_log import training_from_json

    entries = _parse(diary, "diary", diary_from_json)
    sessions = _parse(training, "training", training_from_json)
    insight = build_insight(entries, sessions)
    if as_json:
        _print_json(insight.to_dict())
        return
    from pelvicore.care.report import print_insight

    print_insight(insight)


def _date_option(option: str, value: str | None) -> dt.date:
    from pelvicore.care._json import parse_date

    try:
        return dt.date.today() if value is None else parse_date(option, value, PelvicoreError)
    except PelvicoreError as exc:
        _fail(str(exc))
