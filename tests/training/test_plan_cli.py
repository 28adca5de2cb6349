"""``pelvicore plan new|show|update|ics``: files, readable and JSON output, one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pelvicore.cli import app
from pelvicore.training.plan_json import plan_from_dict

runner = CliRunner()
NEW = [
    "plan",
    "new",
    "--goal",
    "strength",
    "--max-cmh2o",
    "20",
    "--hold-s",
    "4",
    "--fast",
    "6",
    "--start",
    "2025-03-03",
]


def one_line_error(args: list[str], *phrases: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pelvicore: error: ")
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    result = runner.invoke(app, [*NEW, "--out", str(path)])
    assert result.exit_code == 0, result.output
    return path


def sessions_file(tmp_path: Path, *, n: int, met: int) -> Path:
    sessions = [
        {
            "date": f"2025-03-0{3 + i % 7}",
            "target_hold_s": 4,
            "target_reps": 8,
            "contractions": [
                {"peak": 20 if k < met else 9, "hold_s": 3.8, "technique": "lift", "kind": "hold", "onset_s": 9.1}
                for k in range(8)
            ],
        }
        for i in range(n)
    ]
    path = tmp_path / "sessions.json"
    path.write_text(json.dumps(sessions))
    return path


def test_new_prints_the_plan_and_writes_the_file(plan_file: Path) -> None:
    result = runner.invoke(app, [*NEW])
    assert result.exit_code == 0, result.output
    assert "week 1 of 12, stage: training" in result.stdout
    assert "8 holds of 4 s (8 s rest) + 3 quick flicks, lying" in result.stdout
    assert "why:" in result.stdout and "source: NICE CG171" in result.stdout
    plan = plan_from_dict(json.loads(plan_file.read_text()))
    assert plan.assessment.max_squeeze == 20.0 and plan.dose.hold_s == 4.0


def test_new_json_is_the_plan_file(plan_file: Path) -> None:
    result = runner.invoke(app, [*NEW, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(plan_file.read_text())


def test_new_from_a_perfect_result(tmp_path: Path) -> None:
    perfect = tmp_path / "perfect.json"
    perfect.write_text(json.dumps({"protocol": "perfect", "power_cmh2o": 45, "endurance_s": 8.4, "fast": 10}))
    result = runner.invoke(app, ["plan", "new", "--assessment", str(perfect), "--start", "2025-03-03", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["base"]["hold_s"] == 8.0 and data["base"]["position"] == "sitting"


def test_show_reads_the_file(plan_file: Path) -> None:
    result = runner.invoke(app, ["plan", "show", str(plan_file)])
    assert result.exit_code == 0, result.output
    assert "Step 1 of 11" in result.stdout
    result = runner.invoke(app, ["plan", "show", str(plan_file), "--json"])
    assert json.loads(result.stdout)["week"] == 1


def test_update_prints_changes_and_saves(plan_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["plan", "update", str(plan_file), "--sessions", str(sessions_file(tmp_path, n=14, met=7))]
    )
    assert result.exit_code == 0, result.output
    assert "Week 1 reviewed (14 sessions)" in result.stdout
    assert "progress: Next step: hold each squeeze for 5 s" in result.stdout
    assert "why: In your last 3 sessions 21 of 24 holds (87.5 %)" in result.stdout
    saved = plan_from_dict(json.loads(plan_file.read_text()))
    assert saved.week == 2 and saved.dose.hold_s == 5.0
    out = tmp_path / "next.json"
    sessions = sessions_file(tmp_path, n=4, met=8)
    result = runner.invoke(
        app, ["plan", "update", str(plan_file), "--sessions", str(sessions), "--out", str(out), "--json"]
    )
    data = json.loads(result.stdout)
    assert [c["kind"] for c in data["changes"]] == ["keep"] and "4 of 21" in data["changes"][0]["why"]
    assert data["plan"]["week"] == 3 and json.loads(out.read_text())["week"] == 3
    assert json.loads(plan_file.read_text())["week"] == 2  # --out leaves the original alone


def test_update_waits_for_the_end_of_the_week(tmp_path: Path) -> None:
    today = tmp_path / "today.json"
    made = runner.invoke(app, [*NEW[:-2], "--out", str(today)])  # starts today: week 1 has 6 more days
    assert made.exit_code == 0, made.output
    sessions = str(sessions_file(tmp_path, n=14, met=7))
    update = ["plan", "update", str(today), "--sessions", sessions]
    error = one_line_error(update, "This week ends on", "review it then")
    assert str(tmp_path) not in error  # the reason is about the week, not the file
    assert json.loads(today.read_text())["week"] == 1


def test_ics_writes_a_calendar(plan_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "reminders.ics"
    args = ["plan", "ics", str(plan_file), "--at", "08:00", "--at", "13:00", "--at", "19:00", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert raw.count(b"BEGIN:VEVENT") == 3 and b"\n" not in raw.replace(b"\r\n", b"")
    result = runner.invoke(app, ["plan", "ics", str(plan_file)])
    assert result.stdout.count("BEGIN:VEVENT") == 3  # default: 08:00, 13:00, 19:00


def test_bad_input_gives_one_line_and_exit_2(plan_file: Path, tmp_path: Path) -> None:
    one_line_error([*NEW[:2], "--goal", "speed", "--max-cmh2o", "20", "--hold-s", "4"], "--goal must be one of")
    one_line_error(["plan", "new", "--hold-s", "4"], "exactly one of --max-cmh2o or --max-pct")
    one_line_error(["plan", "new", "--max-cmh2o", "20", "--max-pct", "50", "--hold-s", "4"], "exactly one")
    one_line_error(["plan", "new", "--max-cmh2o", "20"], "--hold-s")
    one_line_error(["plan", "new", "--max-cmh2o", "-4", "--hold-s", "4"], "max squeeze must be a number >= 0")
    one_line_error([*NEW, "--start", "tomorrow"], "--start must be a day")
    missing = tmp_path / "nope.json"
    one_line_error(["plan", "show", str(missing)], str(missing), "cannot read")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    one_line_error(["plan", "show", str(broken)], "not valid JSON", "line 1")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"pelvicore_plan": 1, "goal": "strength"}))
    one_line_error(["plan", "show", str(wrong)], str(wrong), "stage must be one of")
    bad_sessions = tmp_path / "bad_sessions.json"
    bad_sessions.write_text(
        json.dumps([{"date": "yesterday", "target_hold_s": 4, "target_reps": 8, "contractions": []}])
    )
    one_line_error(["plan", "update", str(plan_file), "--sessions", str(bad_sessions)], "session 1: date")
    one_line_error(["plan", "ics", str(plan_file), "--at", "8 am"], "HH:MM", "'8 am'")
    one_line_error(["plan", "ics", str(plan_file), "--at", "08:00", "--at", "8:00"], "once")
    assert json.loads(plan_file.read_text())["week"] == 1  # a failed update leaves the plan as it was
