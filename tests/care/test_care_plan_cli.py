"""``pelvicore care plan`` and ``pelvicore care insight``: JSON and readable output, one-line errors with exit 2."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from pelvicore.cli import app

runner = CliRunner()
MONDAY = dt.date(2025, 1, 6)


def write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def invoke_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["care", *args, "--json"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert isinstance(data, dict)
    return data


def assert_one_line_error(args: list[str], *phrases: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pelvicore: error: ")
    for phrase in phrases:
        assert phrase in lines[0], f"{phrase!r} not in {lines[0]!r}"


def history(seed: int = 7, effect: float = -0.4, n_weeks: int = 12) -> tuple[list[object], list[object]]:
    rng = np.random.default_rng(seed)
    sessions_per_week = rng.integers(0, 8, n_weeks + 1)
    training: list[object] = []
    for w, n in enumerate(sessions_per_week):
        for d in rng.choice(7, size=n, replace=False):
            day = MONDAY + dt.timedelta(weeks=w, days=int(d))
            training.append(
                {"date": day.isoformat(), "max_squeeze": round(20 + w + rng.normal(0, 1), 1), "unit": "cmH2O"}
            )
    diary: list[object] = []
    for w in range(1, n_weeks + 1):
        level = 6 + effect * sessions_per_week[w - 1] + rng.normal(0, 0.3)
        for d in range(7):
            pain = int(np.clip(np.round(level + rng.normal(0, 0.8)), 0, 10))
            diary.append({"date": (MONDAY + dt.timedelta(weeks=w, days=d)).isoformat(), "pain": pain})
    return diary, training


# --- plan ------------------------------------------------------------------------------------------------------


def test_plan_json_with_profile_diary_and_training(tmp_path: Path) -> None:
    profile = write(tmp_path, "profile.json", {"age": 62, "weight_kg": 55, "menopause_status": "post"})
    diary = write(
        tmp_path,
        "diary.json",
        [
            {"date": "2025-03-16", "pain": 4, "stiffness": "morning"},
            {"date": "2025-03-17", "pain": 4, "sleep_hours": 6},
        ],
    )
    training = write(tmp_path, "training.json", [{"date": "2025-03-15"}])
    data = invoke_json("plan", "--profile", profile, "--diary", diary, "--training", training, "--today", "2025-03-17")
    assert list(data) == [
        "plan_date", "review_on", "urgent", "items", "to_tailor", "sources", "note", "triage", "diary_flags",
    ]  # fmt: skip
    assert data["plan_date"] == "2025-03-17" and data["review_on"] == "2025-03-24"
    assert data["urgent"] is None and data["triage"]["level"] == "routine"  # type: ignore[index]  # age 62
    items = {i["area"]: i for i in data["items"]}  # type: ignore[union-attr]
    assert len(items) == 8 and all(i["sources"] for i in items.values())
    assert any("1 of the last 7 days" in w for w in items["pelvic_floor"]["why"])
    assert data["diary_flags"] == {
        "triage": False,
        "reasons": [],
        "answers": {"age": 62, "pain_weeks": 1 / 7},
        "confirm": [],
    }


def test_a_new_red_flag_in_the_diary_heads_the_plan(tmp_path: Path) -> None:
    profile = write(tmp_path, "profile.json", {})
    diary = write(tmp_path, "diary.json", [{"date": "2025-03-17", "signs": ["new_bowel_incontinence"]}])
    data = invoke_json("plan", "--profile", profile, "--diary", diary, "--today", "2025-03-17")
    assert data["urgent"]["level"] == "emergency"  # type: ignore[index]
    assert data["diary_flags"]["triage"] is True  # type: ignore[index]
    assert len(data["items"]) == 8  # type: ignore[arg-type]


def test_plan_adds_answers_from_a_file(tmp_path: Path) -> None:
    profile = write(tmp_path, "profile.json", {"age": 50})
    answers = write(tmp_path, "answers.json", {"fever": True})
    data = invoke_json("plan", "--profile", profile, "--answers", answers, "--today", "2025-03-17")
    assert data["urgent"]["level"] == "soon" and data["diary_flags"] is None  # type: ignore[index]


def test_plan_readable_page(tmp_path: Path) -> None:
    profile = write(tmp_path, "profile.json", {"age": 62, "weight_kg": 55, "height_cm": 160})
    diary = write(
        tmp_path,
        "diary.json",
        [{"date": "2025-03-10", "where": ["lower_back"]}, {"date": "2025-03-17", "where": ["radiating_hips_legs"]}],
    )
    result = runner.invoke(
        app, ["care", "plan", "--profile", profile, "--diary", diary, "--today", "2025-03-17"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    for phrase in (
        "New in your diary",
        "tingling or numbness",
        "Your self-care plan, 2025-03-17",
        "Calcium and vitamin D",
        "Why:",
        "Sources:",
        "IOM 2011",
        "does not diagnose",
    ):
        assert phrase in result.stdout, phrase


@pytest.mark.parametrize(
    ("files", "extra", "phrases"),
    [
        ({"profile.json": {"age": 200}}, [], ["profile.json: age: must be 18-120"]),
        ({"profile.json": {"agee": 60}}, [], ["profile.json", "did you mean 'age'"]),
        ({"profile.json": {}, "diary.json": [{"date": "2025-03-01", "pain": 12}]}, [], ["diary.json: entry 1: pain"]),
        ({"profile.json": {}, "training.json": [{"date": "x"}]}, [], ["training.json: session 1: date"]),
        ({"profile.json": {}, "answers.json": {"fever": "yes"}}, [], ["answers.json: fever"]),
        ({"profile.json": {}}, ["--today", "17/03/2025"], ["--today", "17/03/2025"]),
    ],
)
def test_plan_bad_input_exits_2_with_one_line(
    tmp_path: Path, files: dict[str, object], extra: list[str], phrases: list[str]
) -> None:
    args = ["care", "plan"]
    for name, content in files.items():
        args += [f"--{name.split('.')[0]}", write(tmp_path, name, content)]
    assert_one_line_error([*args, *extra], *phrases)


def test_plan_missing_and_non_utf8_files(tmp_path: Path) -> None:
    assert_one_line_error(
        ["care", "plan", "--profile", str(tmp_path / "none.json")], "none.json", "cannot read the profile"
    )
    (tmp_path / "p.json").write_bytes(b"\xff\xfe{")
    assert_one_line_error(["care", "plan", "--profile", str(tmp_path / "p.json")], "not UTF-8", "save the profile")


# --- insight ---------------------------------------------------------------------------------------------------


def test_insight_json_finds_the_simulated_effect(tmp_path: Path) -> None:
    diary, training = history()
    data = invoke_json(
        "insight", "--diary", write(tmp_path, "d.json", diary), "--training", write(tmp_path, "t.json", training)
    )
    assert list(data) == ["weeks", "pain", "leaking", "function", "strength", "method"]
    pain = data["pain"]
    assert pain["status"] == "lower" and pain["claim"] is True and pain["ci_high"] < 0  # type: ignore[index,operator]
    assert data["strength"]["status"] == "higher"  # type: ignore[index]
    assert len(data["weeks"]) == 13  # type: ignore[arg-type]


def test_insight_with_too_little_data(tmp_path: Path) -> None:
    diary, training = history(n_weeks=3)
    data = invoke_json(
        "insight", "--diary", write(tmp_path, "d.json", diary), "--training", write(tmp_path, "t.json", training)
    )
    assert data["pain"]["status"] == "not_enough_data" and data["pain"]["claim"] is False  # type: ignore[index]


def test_insight_readable_page(tmp_path: Path) -> None:
    diary, training = history()
    result = runner.invoke(
        app,
        [
            "care",
            "insight",
            "--diary",
            write(tmp_path, "d.json", diary),
            "--training",
            write(tmp_path, "t.json", training),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    for phrase in ("Your weeks", "Pain and training:", "95% interval", "not proof", "t distribution"):
        assert phrase in result.stdout, phrase


def test_insight_bad_input(tmp_path: Path) -> None:
    training = write(tmp_path, "t.json", [])
    not_a_list = write(tmp_path, "d.json", {"date": 1})
    assert_one_line_error(["care", "insight", "--diary", not_a_list, "--training", training], "d.json", "JSON list")
    empty = write(tmp_path, "d.json", [])
    missing = str(tmp_path / "x")
    assert_one_line_error(["care", "insight", "--diary", empty, "--training", missing], "cannot read the training file")


# --- help ------------------------------------------------------------------------------------------------------


def test_help_documents_the_file_formats_with_examples() -> None:
    plan_help = runner.invoke(app, ["care", "plan", "--help"], env={"COLUMNS": "200"}).stdout
    expected = ("--profile", "--diary", "--training", "--answers", "Example", '"menopause_status": "post"',
                '"where": ["lower_back"', "radiating_hips_legs", '"max_squeeze": 31.5', "--json")  # fmt: skip
    for phrase in expected:
        assert phrase in plan_help, phrase
    insight_help = runner.invoke(app, ["care", "insight", "--help"], env={"COLUMNS": "200"}).stdout
    for phrase in ("--diary", "--training", "Example", "6 weeks", "95%"):
        assert phrase in insight_help, phrase
    care_help = runner.invoke(app, ["care", "--help"], env={"COLUMNS": "200"}).stdout
    assert "plan" in care_help and "insight" in care_help
