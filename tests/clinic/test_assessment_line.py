"""The latest assessment as one line: PERFECT's four numbers, Glazer's phases against the norm, or why not scored."""

from __future__ import annotations

from typing import Any

from pelvicore.clinic.assessment_line import assessment_text
from pelvicore.sessions.assessment_report import NEEDS_CALIBRATION


def glazer(positions: dict[str, str], *, norms: bool = True) -> dict[str, Any]:
    phases = {
        "pre_rest": {"mean": 7.04},
        "flicks": {"peak_mean": 30.51},
        "tonic": {"mean": 25.0},
        "endurance": {"mean": 12.0, "decline_pct": 14.6},
        "post_rest": {"mean": 11.2},
    }
    normalised = {"flicks": {"peak_mean": 88.0}, "tonic": {"mean": 71.4}, "endurance": {"mean": 40.6}}
    return {
        "phases": phases,
        "normalised": normalised,
        "norms": {p: {"position": positions.get(p, "within")} for p in phases} if norms else {},
        "units": {"amplitude": "uV" if norms else "cmH2O"},
    }


def test_glazer_names_only_what_is_worse_than_the_norm() -> None:
    line = assessment_text("glazer", glazer({"pre_rest": "below", "flicks": "below", "post_rest": "above"}), None)
    assert line == (
        "Glazer (sEMG, µV): rest 7.0 · flicks 30.5 · holds 25.0 · endurance 12.0 · rest after 11.2; "
        "worse than the norm: flicks low, rest after high; endurance fell 15 % over the hold"
    )
    calm = assessment_text("glazer", glazer({"pre_rest": "below", "tonic": "above"}), None)
    assert "; every phase within the norm or better;" in calm


def test_glazer_on_pressure_is_in_percent_of_her_maximum_without_norms() -> None:
    line = assessment_text("glazer", glazer({}, norms=False), None)
    assert line == (
        "Glazer (% of her maximum): flicks 88 % · holds 71 % · endurance 41 %; endurance fell 15 % over the hold"
    )


def test_perfect_below_a_measurable_squeeze_and_not_scored() -> None:
    weak = {"power_cmh2o": 5.2, "power_class": None, "endurance_s": 1.0, "repetitions": 0, "fast": 0}
    assert assessment_text("perfect", weak, None) == (
        "PERFECT: P 5 cmH2O above rest (no measurable contraction, < 7.5 cmH2O) · E 1.0 s · R 0 · F 0"
    )
    assert assessment_text("perfect", None, NEEDS_CALIBRATION["perfect"]).endswith("reports raw numbers, not cmH2O")
    assert assessment_text("glazer", None, "the session was stopped before the routine's end") == (
        "Glazer: not scored — the session was stopped before the routine's end"
    )
