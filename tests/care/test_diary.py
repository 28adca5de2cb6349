"""Diary entries: validation, JSON round trips, and which entries report something new that needs triage."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pelvicore.care.answers import YES_NO_KEYS, TriageAnswers
from pelvicore.care.diary import (
    CONFIRM_QUESTIONS,
    ENTRY_FIELDS,
    SIGN_LABELS,
    DiaryEntry,
    DiaryError,
    combine_answers,
    diary_from_json,
    latest_flags,
    new_flags,
    pain_run,
    parse_diary,
    parse_entry,
)
from pelvicore.care.profile import CareProfile
from pelvicore.care.triage import triage

D0 = dt.date(2025, 3, 3)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def entries(n: int, **fields: object) -> list[DiaryEntry]:
    return [DiaryEntry(day(k), **fields) for k in range(n)]  # type: ignore[arg-type]


FULL = {
    "date": "2025-03-03",
    "pain": 4,
    "peg": [4, 3, 5],
    "where": ["lower_back", "radiating_hips_legs"],
    "stiffness": "morning",
    "leg_tingling_or_numbness": True,
    "leaking_episodes": 2,
    "sleep_hours": 6.5,
    "signs": ["fever"],
    "instruments": {"odi": {"percent": 22.0}, "mrs": {"total": 9}},
}


def test_signs_are_triage_answer_keys() -> None:
    assert set(SIGN_LABELS) <= set(YES_NO_KEYS)
    assert set(CONFIRM_QUESTIONS) <= set(YES_NO_KEYS)


def test_full_entry_round_trips() -> None:
    entry = parse_entry(FULL)
    assert entry.date == D0 and entry.peg == (4, 3, 5)
    assert entry.pain_score() is not None and entry.pain_score().band == "moderate"  # type: ignore[union-attr]
    assert entry.peg_score().value == pytest.approx(4.0)  # type: ignore[union-attr]
    assert entry.instrument("odi").band == "moderate"  # type: ignore[union-attr]
    assert entry.instrument("pfdi20") is None
    assert entry.to_dict() == FULL
    assert parse_entry(json.loads(json.dumps(entry.to_dict()))) == entry


def test_zeros_are_kept() -> None:
    entry = DiaryEntry(D0, pain=0, peg=(0, 0, 0), leaking_episodes=0, sleep_hours=0)
    assert entry.to_dict() == {
        "date": "2025-03-03",
        "pain": 0,
        "peg": [0, 0, 0],
        "leaking_episodes": 0,
        "sleep_hours": 0,
    }
    assert parse_entry(entry.to_dict()) == entry


def test_only_the_date_is_needed() -> None:
    entry = parse_entry({"date": "2025-03-03"})
    assert entry == DiaryEntry(D0) and entry.to_dict() == {"date": "2025-03-03"}
    assert entry.pain_score() is None and entry.peg_score() is None


def test_where_and_signs_are_kept_in_one_order_without_repeats() -> None:
    entry = parse_entry({"date": "2025-03-03", "where": ["tailbone", "lower_back", "tailbone"]})
    assert entry.where == ("lower_back", "tailbone")


BAD = [
    ({"pain": 4}, ["date", "expected a date"]),
    ({"date": "03/03/2025"}, ["date", "2025-03-03"]),
    ({"date": "2025-02-30"}, ["date"]),
    ({"date": "2025-W10-1"}, ["date"]),
    ({"date": "2025-03-03", "pain": 11}, ["pain: must be 0-10", "11"]),
    ({"date": "2025-03-03", "pain": 4.5}, ["pain", "whole number"]),
    ({"date": "2025-03-03", "pain": "4"}, ["pain", '"4"']),
    ({"date": "2025-03-03", "peg": [1, 2]}, ["peg", "3 items"]),
    ({"date": "2025-03-03", "peg": [1, 2, 12]}, ["peg.activity: must be 0-10"]),
    ({"date": "2025-03-03", "peg": "1,2,3"}, ["peg", "list"]),
    ({"date": "2025-03-03", "where": ["knee"]}, ["where", "unknown value", '"knee"', "lower_back"]),
    ({"date": "2025-03-03", "stiffness": "evening"}, ["stiffness", "none, morning, all_day"]),
    ({"date": "2025-03-03", "leg_tingling_or_numbness": "yes"}, ["leg_tingling_or_numbness", "true or false"]),
    ({"date": "2025-03-03", "leaking_episodes": -1}, ["leaking_episodes", "0-100"]),
    ({"date": "2025-03-03", "leaking_episodes": 1.5}, ["leaking_episodes", "whole number"]),
    ({"date": "2025-03-03", "sleep_hours": 25}, ["sleep_hours", "0-24"]),
    ({"date": "2025-03-03", "sleep_hours": float("nan")}, ["sleep_hours", "NaN"]),
    ({"date": "2025-03-03", "signs": ["osteoporosis"]}, ["signs", "unknown value", '"osteoporosis"']),
    ({"date": "2025-03-03", "instruments": {"odi": {"percent": 120}}}, ["instruments", "odi.percent", "0-100"]),
    ({"date": "2025-03-03", "instruments": ["odi"]}, ["instruments", "object"]),
    ({"date": "2025-03-03", "mood": 3}, ["unknown diary field", '"mood"']),
    ({"date": "2025-03-03", "sleep_hour": 7}, ["did you mean 'sleep_hours'"]),
    ("2025-03-03", ["JSON object"]),
]


@pytest.mark.parametrize(("obj", "phrases"), BAD, ids=[f"{i}-{p[0]}" for i, (_, p) in enumerate(BAD)])
def test_bad_entries_name_the_field(obj: object, phrases: list[str]) -> None:
    with pytest.raises(DiaryError) as info:
        parse_entry(obj)
    message = str(info.value)
    assert "\n" not in message
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"


def test_diary_files_are_lists_with_one_entry_a_day() -> None:
    diary = diary_from_json('[{"date": "2025-03-04", "pain": 3}, {"date": "2025-03-03", "pain": 5}]')
    assert [e.date for e in diary] == [D0, day(1)]
    with pytest.raises(DiaryError, match="entry 2: a second entry for 2025-03-03"):
        parse_diary([{"date": "2025-03-03"}, {"date": "2025-03-03"}])
    with pytest.raises(DiaryError, match="entry 2: pain: must be 0-10"):
        parse_diary([{"date": "2025-03-03"}, {"date": "2025-03-04", "pain": 12}])
    with pytest.raises(DiaryError, match="JSON list"):
        parse_diary({"date": "2025-03-03"})
    with pytest.raises(DiaryError, match="not valid JSON"):
        diary_from_json("[{")


# --- what is new ------------------------------------------------------------------------------------------------


def test_a_quiet_entry_needs_no_triage() -> None:
    history = entries(10, pain=3, where=("lower_back",), leaking_episodes=0)
    flags = new_flags(DiaryEntry(day(10), pain=3, where=("lower_back",), leaking_episodes=0), history)
    assert not flags.triage and flags.reasons == () and flags.confirm == ()
    assert triage(flags.answers).level == "self-care"


def test_a_ticked_sign_always_triggers_triage_and_sets_its_answer() -> None:
    history = entries(3, signs=("saddle_numbness",))
    flags = new_flags(DiaryEntry(day(3), signs=("saddle_numbness",)), history)
    assert flags.triage and flags.answers.saddle_numbness
    assert triage(flags.answers).level == "emergency"


def test_newly_radiating_pain_triggers_triage_and_asks_about_numbness() -> None:
    history = entries(10, pain=4, where=("lower_back",))
    flags = new_flags(DiaryEntry(day(10), pain=5, where=("lower_back", "radiating_hips_legs")), history)
    assert flags.triage and "hips or legs is new" in flags.reasons[0]
    assert flags.confirm == ("radiating_leg_pain_with_numbness",)
    assert flags.to_dict()["confirm"] == [
        {"key": "radiating_leg_pain_with_numbness", "question": CONFIRM_QUESTIONS["radiating_leg_pain_with_numbness"]}
    ]


def test_radiating_pain_with_numbness_is_soon() -> None:
    entry = DiaryEntry(day(10), pain=5, where=("radiating_hips_legs",), leg_tingling_or_numbness=True)
    flags = new_flags(entry, entries(10, pain=4, where=("lower_back",)))
    assert flags.triage and flags.confirm == () and flags.answers.radiating_leg_pain_with_numbness
    assert triage(flags.answers).level == "soon"


def test_radiating_pain_already_known_is_not_new_but_new_numbness_is() -> None:
    history = entries(10, pain=4, where=("radiating_hips_legs",))
    assert not new_flags(DiaryEntry(day(10), pain=4, where=("radiating_hips_legs",)), history).triage
    flags = new_flags(
        DiaryEntry(day(10), pain=4, where=("radiating_hips_legs",), leg_tingling_or_numbness=True), history
    )
    assert flags.triage and "Tingling or numbness" in flags.reasons[0]


def test_radiating_pain_returning_after_four_weeks_is_new_again() -> None:
    old = [DiaryEntry(day(0), where=("radiating_hips_legs",))]
    assert new_flags(DiaryEntry(day(40), where=("radiating_hips_legs",)), old).triage
    assert not new_flags(DiaryEntry(day(20), where=("radiating_hips_legs",)), old).triage


def test_new_leaking_asks_about_bladder_control() -> None:
    history = entries(10, leaking_episodes=0)
    flags = new_flags(DiaryEntry(day(10), leaking_episodes=2), history)
    assert flags.triage and flags.confirm == ("new_bladder_problem",)
    assert not flags.answers.new_bladder_problem  # she confirms it; pelvicore does not assume it


def test_leaking_is_not_new_when_long_standing_or_already_in_the_diary() -> None:
    profile = CareProfile(stress_incontinence_longstanding=True)
    assert not new_flags(
        DiaryEntry(day(10), leaking_episodes=2), entries(10, leaking_episodes=0), profile=profile
    ).triage
    assert not new_flags(DiaryEntry(day(10), leaking_episodes=2), entries(10, leaking_episodes=1)).triage
    assert not new_flags(DiaryEntry(day(0), leaking_episodes=2), []).triage  # nothing to compare with


def test_pain_for_a_month_without_improvement_triggers_once() -> None:
    history = [DiaryEntry(day(k), pain=5) for k in range(0, 28, 2)]  # every other day, days 0-26
    crossing = new_flags(DiaryEntry(day(28), pain=5), history)
    assert crossing.triage and "4 weeks" in crossing.reasons[0]
    assert crossing.answers.pain_weeks == pytest.approx(4.0)
    assert triage(crossing.answers).level == "soon"
    later = new_flags(DiaryEntry(day(30), pain=5), [*history, DiaryEntry(day(28), pain=5)])
    assert not later.triage  # already reported at the crossing
    assert later.answers.pain_weeks == pytest.approx(30 / 7)  # but a triage on demand still sees it


def test_improving_pain_is_not_persistent() -> None:
    history = [DiaryEntry(day(k), pain=7 if k < 7 else 4) for k in range(28)]
    flags = new_flags(DiaryEntry(day(28), pain=4), history)
    assert not flags.triage and flags.answers.pain_weeks is None


def test_a_pain_free_day_or_a_gap_restarts_the_run() -> None:
    with_free_day = [*entries(20, pain=5), DiaryEntry(day(20), pain=0), *[DiaryEntry(day(k), pain=5) for k in (21, 22)]]
    assert [e.date for e in pain_run(with_free_day)] == [day(22), day(21)]
    with_gap = [DiaryEntry(day(0), pain=5), DiaryEntry(day(9), pain=5)]
    assert len(pain_run(with_gap)) == 1
    assert pain_run([DiaryEntry(day(0), pain=0)]) == []


def test_profile_history_goes_into_the_answers() -> None:
    profile = CareProfile(age=66, osteoporosis=True)
    flags = new_flags(DiaryEntry(day(5), signs=("minor_trauma_or_fall",)), [], profile=profile)
    assert flags.answers.age == 66 and flags.answers.osteoporosis and flags.answers.minor_trauma_or_fall
    assert triage(flags.answers).level == "soon"  # a fall with osteoporosis


def test_later_entries_are_ignored() -> None:
    future = [DiaryEntry(day(20), where=("radiating_hips_legs",))]
    assert new_flags(DiaryEntry(day(10), where=("radiating_hips_legs",)), future).triage


def test_latest_flags_and_combine_answers() -> None:
    assert latest_flags([]) is None
    diary = [DiaryEntry(day(1), signs=("fever",)), DiaryEntry(day(0))]
    flags = latest_flags(diary)
    assert flags is not None and flags.answers.fever
    combined = combine_answers(TriageAnswers(age=60, pain_weeks=2), TriageAnswers(age=70, pain_weeks=5, fever=True))
    assert combined == TriageAnswers(age=60, pain_weeks=5, fever=True)


# --- fuzzing --------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=400, deadline=None)
@given(obj=st.dictionaries(st.sampled_from(ENTRY_FIELDS) | st.text(max_size=8), json_values, max_size=6))
def test_any_json_gives_an_entry_or_a_clear_error(obj: dict[str, object]) -> None:
    obj.setdefault("date", "2025-03-03")
    try:
        entry = parse_entry(obj)
    except DiaryError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert parse_entry(entry.to_dict()) == entry
        flags = new_flags(entry, [])
        assert triage(flags.answers).level in ("self-care", "routine", "soon", "emergency")
