"""Triage answers: the known questions, their types, and a strict parser for JSON answer files.

Every key is optional; a missing key or ``null`` means "no" (for yes/no questions) or "unknown" (for numbers).
Anything else that is not exactly the expected type raises :class:`AnswerError` naming the key and the problem,
so a typo such as ``"fevr": true`` or ``"fever": "yes"`` can never be read silently as "no".
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, fields

from pelvicore.errors import PelvicoreError

MAX_AGE_YEARS = 120
MAX_PAIN_WEEKS = MAX_AGE_YEARS * 53  # a whole lifetime: anything longer is a typo


class AnswerError(PelvicoreError):
    """Triage answers that are not an object of known keys with values of the expected type and range."""


@dataclass(frozen=True, slots=True)
class TriageAnswers:
    """One person's answers to the red-flag questions; absent means no (yes/no questions) or unknown (numbers)."""

    age: int | None = None
    pain_weeks: float | None = None
    saddle_numbness: bool = False
    genital_numbness: bool = False
    new_bladder_problem: bool = False
    new_bowel_incontinence: bool = False
    leg_weakness_worsening: bool = False
    pain_both_legs: bool = False
    major_trauma: bool = False
    minor_trauma_or_fall: bool = False
    osteoporosis: bool = False
    long_term_steroids: bool = False
    height_loss_or_stoop: bool = False
    cancer_history: bool = False
    unexplained_weight_loss: bool = False
    night_pain_unrelieved: bool = False
    fever: bool = False
    immunosuppressed: bool = False
    iv_drug_use: bool = False
    radiating_leg_pain_with_numbness: bool = False
    stress_incontinence_longstanding: bool = False


ANSWER_KEYS: tuple[str, ...] = tuple(f.name for f in fields(TriageAnswers))
NUMBER_KEYS: tuple[str, ...] = ("age", "pain_weeks")
YES_NO_KEYS: tuple[str, ...] = tuple(k for k in ANSWER_KEYS if k not in NUMBER_KEYS)


def parse_answers(obj: object) -> TriageAnswers:
    """Check decoded JSON answers and build :class:`TriageAnswers`.

    Parameters
    ----------
    obj : object
        What ``json.loads`` returned for the answer file: it must be an object (a dict) of known keys.

    Raises
    ------
    AnswerError
        For anything but an object, an unknown key, a value of the wrong type (``"yes"`` or ``1`` for a
        yes/no question, ``true`` for the age), or an absurd number (age outside 0-120, negative weeks, NaN).
    """
    if not isinstance(obj, dict):
        raise AnswerError(f'answers must be a JSON object such as {{"age": 58, "fever": false}}, got {_kind(obj)}')
    values: dict[str, object] = {}
    for key, value in obj.items():
        if not isinstance(key, str) or key not in ANSWER_KEYS:
            raise AnswerError(_unknown_key(key))
        if value is None:
            continue
        if key == "age":
            values[key] = _age(value)
        elif key == "pain_weeks":
            values[key] = _pain_weeks(value)
        elif isinstance(value, bool):
            values[key] = value
        else:
            raise AnswerError(f"{key}: expected true or false, got {_show(value)}")
    return TriageAnswers(**values)  # type: ignore[arg-type]  # each value was checked against its key above


def answers_from_json(text: str) -> TriageAnswers:
    """Parse the text of an answer file; invalid JSON raises :class:`AnswerError` with the line and column."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnswerError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer with thousands of digits, or absurd nesting
        raise AnswerError(f"not usable JSON: {type(exc).__name__}: {str(exc)[:80]}") from None
    return parse_answers(obj)


def _age(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AnswerError(f"age: expected a whole number of years such as 58, got {_show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise AnswerError(f"age: expected a finite number of years, got {_show(value)}")
    if not 0 <= value <= MAX_AGE_YEARS:
        raise AnswerError(f"age: must be between 0 and {MAX_AGE_YEARS} years, got {_show(value)}")
    if value != int(value):
        raise AnswerError(f"age: expected whole years such as 58, got {_show(value)}")
    return int(value)


def _pain_weeks(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AnswerError(f"pain_weeks: expected a number of weeks such as 3 or 0.5, got {_show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise AnswerError(f"pain_weeks: expected a finite number of weeks, got {_show(value)}")
    if not 0 <= value <= MAX_PAIN_WEEKS:
        raise AnswerError(f"pain_weeks: must be between 0 and {MAX_PAIN_WEEKS} weeks, got {_show(value)}")
    return float(value)


def _unknown_key(key: object) -> str:
    close = difflib.get_close_matches(str(key), ANSWER_KEYS, n=1) if isinstance(key, str) else []
    hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(ANSWER_KEYS)}"
    return f"unknown answer key {_show(key)} ({hint})"


def _kind(obj: object) -> str:
    if isinstance(obj, list):
        return "a list"
    if isinstance(obj, str):
        return f"the text {_show(obj)}"
    if obj is None:
        return "null"
    return _show(obj)


def _show(value: object, limit: int = 40) -> str:
    """``value`` as the user wrote it in JSON (``"yes"``, ``true``, ``NaN``), shortened to one short line."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        try:
            text = repr(value)
        except (ValueError, RecursionError):  # e.g. an integer too long to print
            text = f"a {type(value).__name__} too large to show"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
