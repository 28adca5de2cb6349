"""``pelvicore care``: red-flag triage and bone-risk screening on the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from pelvicore.errors import PelvicoreError

care_app = typer.Typer(
    help=(
        "Back-pain care: check answers for red flags that need a clinician, and screen bone risk.\n\n"
        "Examples:  pelvicore care triage --answers answers.json  |  pelvicore care bone --age 62 --weight-kg 55\n\n"
        "pelvicore never diagnoses: it says when and how soon to see a clinician, and names its sources."
    ),
    no_args_is_help=True,
)


def _fail(message: str) -> NoReturn:
    typer.echo(f"pelvicore: error: {message}", err=True)
    raise typer.Exit(2)


def _print_json(data: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(data, allow_nan=False, ensure_ascii=False) + "\n")


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

    name = "standard input" if str(answers) == "-" else str(answers)
    try:
        text = sys.stdin.read() if str(answers) == "-" else answers.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _fail(f"{name}: not UTF-8 text; save the answers as a UTF-8 JSON file")
    except OSError as exc:
        _fail(f"{name}: cannot read the answers file ({exc.strerror or type(exc).__name__})")
    try:
        result = triage(answers_from_json(text))
    except PelvicoreError as exc:
        _fail(f"{name}: {exc}")
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
