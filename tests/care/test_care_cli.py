"""``pelvicore care triage`` and ``pelvicore care bone``: JSON and readable output, one-line errors with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pelvicore.cli import app

runner = CliRunner()


def write_answers(tmp_path: Path, answers: object, name: str = "answers.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(answers))
    return path


def invoke_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["care", *args, "--json"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert isinstance(data, dict)
    return data


def assert_one_line_error(args: list[str], *phrases: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("pelvicore: error: ")
    for phrase in phrases:
        assert phrase in line, f"{phrase!r} not in {line!r}"
    return line


# --- triage ------------------------------------------------------------------------------------------------


def test_triage_json_is_exactly_the_documented_object(tmp_path: Path) -> None:
    path = write_answers(tmp_path, {"age": 57, "stress_incontinence_longstanding": True, "new_bladder_problem": True})
    data = invoke_json("triage", "--answers", str(path))
    assert list(data) == ["level", "reasons", "advice", "sources"]
    assert data["level"] == "emergency"
    reasons = data["reasons"]
    assert isinstance(reasons, list) and reasons[0]["flag"] == "new_bladder_problem"
    assert all({"rule", "flag", "text", "source"} <= set(r) for r in reasons)
    assert isinstance(data["advice"], str) and data["advice"].startswith("Call emergency services now")
    assert isinstance(data["sources"], list) and data["sources"]


@pytest.mark.parametrize(
    ("answers", "level"),
    [({}, "self-care"), ({"age": 70}, "routine"), ({"fever": True}, "soon"), ({"saddle_numbness": True}, "emergency")],
)
def test_triage_levels_through_the_cli(tmp_path: Path, answers: dict[str, object], level: str) -> None:
    assert invoke_json("triage", "--answers", str(write_answers(tmp_path, answers)))["level"] == level


def test_triage_reads_standard_input() -> None:
    result = runner.invoke(app, ["care", "triage", "--answers", "-", "--json"], input='{"major_trauma": true}')
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["level"] == "soon"


def test_triage_readable_page_shows_level_reasons_advice_and_sources(tmp_path: Path) -> None:
    path = write_answers(tmp_path, {"age": 63, "minor_trauma_or_fall": True, "osteoporosis": True})
    result = runner.invoke(app, ["care", "triage", "--answers", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    for phrase in (
        "SOON",
        "this week",
        "minor injury or a fall",
        "Downie et al. 2013",
        "Sources:",
        "does not diagnose",
    ):
        assert phrase in out, phrase


@pytest.mark.parametrize(
    ("content", "phrases"),
    [
        ('{"fever": "yes"}', ["answers.json", "fever", "true or false", '"yes"']),
        ('{"age": true}', ["answers.json", "age", "got true"]),
        ('{"age": 150}', ["age", "between 0 and 120"]),
        ('{"pain_weeks": -1}', ["pain_weeks"]),
        ('{"age": NaN}', ["age", "finite"]),
        ('{"fevr": true}', ["unknown answer key", "did you mean 'fever'"]),
        ('["fever"]', ["JSON object", "a list"]),
        ('{"fever": true', ["not valid JSON", "line 1"]),
        ("", ["not valid JSON"]),
    ],
)
def test_triage_bad_answers_exit_2_with_one_line(tmp_path: Path, content: str, phrases: list[str]) -> None:
    path = tmp_path / "answers.json"
    path.write_text(content)
    assert_one_line_error(["care", "triage", "--answers", str(path), "--json"], *phrases)


def test_triage_missing_file(tmp_path: Path) -> None:
    assert_one_line_error(["care", "triage", "--answers", str(tmp_path / "nope.json")], "nope.json", "cannot read")


def test_triage_directory_and_binary_file(tmp_path: Path) -> None:
    assert_one_line_error(["care", "triage", "--answers", str(tmp_path)], "cannot read")
    binary = tmp_path / "answers.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert_one_line_error(["care", "triage", "--answers", str(binary)], "not UTF-8")


def test_triage_error_in_a_subprocess(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"new_bladder_problem": "yes"}')
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pelvicore", "care", "triage", "--answers", "a.json", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        'pelvicore: error: a.json: new_bladder_problem: expected true or false, got "yes"'
    ]


# --- bone --------------------------------------------------------------------------------------------------


def test_bone_required_check_json() -> None:
    data = invoke_json("bone", "--age", "62", "--weight-kg", "55")
    assert data["ost"] == -1.4
    assert data["ost_recommend_dxa"] is True
    assert data["osta_band"] == "moderate"
    assert data["orai"] == 16 and data["orai_refer"] is True
    assert data["score"] is None
    assert data["frax_url"] == "https://frax.shef.ac.uk/FRAX/"
    assert "DXA" in str(data["advice"]) and data["sources"]


def test_bone_estrogen_and_score_flags() -> None:
    data = invoke_json(
        "bone", "--age", "62", "--weight-kg", "55", "--estrogen",
        "--not-black", "--no-rheumatoid-arthritis", "--fractures-after-45", "0",
    )  # fmt: skip
    assert data["orai"] == 14
    assert data["score"] == 11 and data["score_refer"] is True
    data = invoke_json(
        "bone", "--age", "62", "--weight-kg", "55",
        "--not-black", "--no-rheumatoid-arthritis", "--fractures-after-45", "0", "--never-estrogen",
    )  # fmt: skip
    assert data["score"] == 12


def test_bone_readable_page() -> None:
    result = runner.invoke(app, ["care", "bone", "--age", "62", "--weight-kg", "55"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for phrase in ("OST", "-1.4", "moderate", "ORAI", "16 of 26", "not calculated", "frax.shef.ac.uk", "Cadarette"):
        assert phrase in result.stdout, phrase


@pytest.mark.parametrize(
    ("args", "phrases"),
    [
        (["--age", "10", "--weight-kg", "55"], ["age: must be 18-120", "got 10"]),
        (["--age", "62", "--weight-kg", "nan"], ["weight", "finite", "nan"]),
        (["--age", "62", "--weight-kg", "900"], ["weight: must be 25-300 kg"]),
        (["--age", "40", "--weight-kg", "60", "--fractures-after-45", "2"], ["the age is 40"]),
        (["--age", "62", "--weight-kg", "55", "--estrogen", "--never-estrogen"], ["never used"]),
    ],
)
def test_bone_bad_inputs_exit_2_with_one_line(args: list[str], phrases: list[str]) -> None:
    assert_one_line_error(["care", "bone", *args], *phrases)


# --- help --------------------------------------------------------------------------------------------------


def test_help_teaches() -> None:
    result = runner.invoke(app, ["care", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "triage" in result.stdout and "bone" in result.stdout
    triage_help = runner.invoke(app, ["care", "triage", "--help"], env={"COLUMNS": "200"}).stdout
    for phrase in ("Example", "saddle_numbness", "stress_incontinence_longstanding", "emergency", "this week"):
        assert phrase in triage_help, phrase
    bone_help = runner.invoke(app, ["care", "bone", "--help"], env={"COLUMNS": "200"}).stdout
    for phrase in ("--weight-kg", "--estrogen", "--fractures-after-45", "e.g. 62", "frax.shef.ac.uk"):
        assert phrase in bone_help, phrase
