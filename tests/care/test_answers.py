"""Triage answer parsing: exact types, clear one-line errors, and fuzzing with arbitrary JSON."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pelvicore.care.answers import (
    ANSWER_KEYS,
    YES_NO_KEYS,
    AnswerError,
    TriageAnswers,
    answers_from_json,
    parse_answers,
)
from pelvicore.care.triage import LEVELS, triage
from pelvicore.errors import PelvicoreError


def test_the_21_documented_keys() -> None:
    assert len(ANSWER_KEYS) == 21
    assert ANSWER_KEYS[:2] == ("age", "pain_weeks")
    assert "stress_incontinence_longstanding" in YES_NO_KEYS


def test_absent_and_null_mean_no_or_unknown() -> None:
    assert parse_answers({}) == TriageAnswers()
    assert parse_answers({"age": None, "fever": None}) == TriageAnswers()
    assert TriageAnswers().fever is False and TriageAnswers().age is None


def test_valid_answers_are_kept() -> None:
    answers = parse_answers({"age": 62, "pain_weeks": 2.5, "fever": True, "osteoporosis": False})
    assert answers == TriageAnswers(age=62, pain_weeks=2.5, fever=True)
    assert isinstance(parse_answers({"pain_weeks": 3}).pain_weeks, float)
    assert parse_answers({"age": 62.0}).age == 62


def test_answer_error_is_a_pelvicore_error() -> None:
    assert issubclass(AnswerError, PelvicoreError)


BAD_ANSWERS = [
    ([], ["JSON object", "a list"]),
    ("fever", ["JSON object", '"fever"']),
    (42, ["JSON object", "42"]),
    (None, ["JSON object", "null"]),
    ({"fevr": True}, ["unknown answer key", '"fevr"', "did you mean 'fever'"]),
    ({"colour": "blue"}, ["unknown answer key", '"colour"', "known keys: age, pain_weeks"]),
    ({"fever": "yes"}, ["fever", "true or false", '"yes"']),
    ({"saddle_numbness": 1}, ["saddle_numbness", "true or false", "got 1"]),
    ({"new_bladder_problem": [True]}, ["new_bladder_problem", "true or false"]),
    ({"age": True}, ["age", "whole number of years", "got true"]),
    ({"age": "62"}, ["age", '"62"']),
    ({"age": 62.5}, ["age", "whole years", "62.5"]),
    ({"age": -1}, ["age", "between 0 and 120", "-1"]),
    ({"age": 121}, ["age", "between 0 and 120", "121"]),
    ({"age": math.nan}, ["age", "finite", "NaN"]),
    ({"age": math.inf}, ["age", "finite", "Infinity"]),
    ({"pain_weeks": -2}, ["pain_weeks", "between 0 and", "-2"]),
    ({"pain_weeks": False}, ["pain_weeks", "number of weeks", "false"]),
    ({"pain_weeks": math.nan}, ["pain_weeks", "finite"]),
    ({"pain_weeks": 10**6}, ["pain_weeks", "between 0 and 6360"]),
    ({"pain_weeks": 10**5000}, ["pain_weeks", "too large to show"]),
]


@pytest.mark.parametrize(("obj", "phrases"), BAD_ANSWERS, ids=[f"{i}-{p[0]}" for i, (_, p) in enumerate(BAD_ANSWERS)])
def test_bad_answers_raise_a_clear_error(obj: object, phrases: list[str]) -> None:
    with pytest.raises(AnswerError) as info:
        parse_answers(obj)
    message = str(info.value)
    assert "\n" not in message and len(message) < 500
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("", "line 1 column 1"),
        ('{"fever": true,}', "line 1"),
        ('{\n"age": 60\n"fever": true}', "line 3"),
        ("[1, 2", "not valid JSON"),
        ('{"age": NaN}', "finite"),
        ("1" * 5000, "not usable JSON"),
        ("[" * 100_000, "not usable JSON"),
    ],
)
def test_bad_json_text_raises_a_clear_error(text: str, phrase: str) -> None:
    with pytest.raises(AnswerError, match=phrase):
        answers_from_json(text)


def test_json_text_round_trip() -> None:
    assert answers_from_json('{"age": 62, "new_bladder_problem": true}') == TriageAnswers(
        age=62, new_bladder_problem=True
    )


# --- fuzzing: any JSON gives a result or AnswerError, never another exception -----------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
answer_like = st.dictionaries(
    st.sampled_from(ANSWER_KEYS) | st.text(max_size=12),
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5) | json_values,
    max_size=8,
)


def _result_or_answer_error(obj: object) -> None:
    try:
        result = triage(parse_answers(obj))
    except AnswerError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 700
    else:
        assert result.level in LEVELS
        json.dumps(result.to_dict(), allow_nan=False)


@settings(max_examples=500, deadline=None)
@given(obj=json_values | answer_like)
def test_any_json_value_gives_a_result_or_a_clear_error(obj: object) -> None:
    _result_or_answer_error(obj)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60) | json_values.map(json.dumps))
def test_any_text_gives_a_result_or_a_clear_error(text: str) -> None:
    try:
        answers = answers_from_json(text)
    except AnswerError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert triage(answers).level in LEVELS
