"""``pelvicore assess FILE --protocol glazer|perfect|cough|relaxation``: an assessment as a table or JSON."""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from pelvicore.errors import PelvicoreError


class AssessmentName(StrEnum):
    glazer = "glazer"
    perfect = "perfect"
    cough = "cough"
    relaxation = "relaxation"


def _fail(file: Path, error: Exception | str) -> NoReturn:
    message = " ".join(str(error).split())  # one line, whatever the error carried
    if not message.startswith(os.fspath(file)):
        message = f"{file}: {message}"
    typer.echo(f"pelvicore: error: {message}", err=True)
    raise typer.Exit(2)


def assess_command(
    file: Annotated[Path, typer.Argument(help="Recording: .csv, .edf (EDF+) or BioSPPy .txt")],
    protocol: Annotated[
        AssessmentName,
        typer.Option(
            help=(
                "glazer: surface-EMG amplitude over rest, flicks, holds and endurance (340 s timeline or cues); "
                "perfect: squeeze power and class, endurance, repetitions, fast; cough: the Knack before each "
                "cough; relaxation: resting tone and release"
            )
        ),
    ],
    channel: Annotated[
        str | None,
        typer.Option(
            help="Channel to assess (default: emg for glazer, floor for the others; glazer on a pressure "
            "channel is its pressure variant)"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables")] = False,
) -> None:
    """Assess a recording with a clinical protocol: Glazer, PERFECT, the cough test or relaxation.

    Example:  pelvicore assess session.edf --protocol glazer --json
    """
    try:
        from pelvicore.assess import run_assessment
        from pelvicore.recordings import read_recording

        result = run_assessment(read_recording(file), protocol.value, channel=channel)
        data = result.to_dict()
    except PelvicoreError as exc:
        _fail(file, exc)
    except Exception as exc:  # a last guard: users get one line, never a traceback
        _fail(file, f"{type(exc).__name__}: {exc}")
    if as_json:
        sys.stdout.write(json.dumps(data, allow_nan=False, ensure_ascii=False) + "\n")
        return
    from pelvicore.assess.report import print_assessment

    print_assessment(result, title=str(file))
