"""Care profile: every field optional, absurd values rejected with the field named, what each feature needs."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pelvicore.care.answers import TriageAnswers
from pelvicore.care.profile import (
    FEATURE_NEEDS,
    PROFILE_FIELDS,
    CareProfile,
    ProfileError,
    parse_profile,
    profile_from_json,
)
from pelvicore.errors import PelvicoreError

FULL = {
    "age": 58,
    "weight_kg": 64.5,
    "height_cm": 165,
    "menopause_status": "post",
    "hormone_therapy": False,
    "osteoporosis": False,
    "fractures": True,
    "steroids": False,
    "cancer": False,
    "stress_incontinence_longstanding": True,
    "goals": ["less_back_pain", "less_leaking"],
    "device": "perifit",
    "calcium_mg_per_day": 800,
    "vitamin_d_iu_per_day": 400,
    "sitting_hours_per_day": 7,
    "drinks_l_per_day": 1.2,
}


def test_every_field_is_optional() -> None:
    empty = CareProfile()
    assert all(getattr(empty, name) in (None, ()) for name in PROFILE_FIELDS)
    assert parse_profile({}) == empty and empty.to_dict() == {}
    assert issubclass(ProfileError, PelvicoreError)


def test_full_profile_round_trips() -> None:
    profile = parse_profile(FULL)
    assert profile.goals == ("less_back_pain", "less_leaking")
    assert profile.to_dict() == FULL
    assert parse_profile(json.loads(json.dumps(profile.to_dict()))) == profile
    assert profile_from_json(json.dumps(FULL)) == profile


def test_bmi_only_with_weight_and_height() -> None:
    assert CareProfile(weight_kg=64, height_cm=160).bmi() == pytest.approx(25.0)
    assert CareProfile(weight_kg=64).bmi() is None
    assert CareProfile(height_cm=160).bmi() is None


def test_needs_names_the_missing_fields() -> None:
    assert CareProfile().needs("bone") == ["age", "weight_kg"]
    assert CareProfile(age=62).needs("bone") == ["weight_kg"]
    assert CareProfile(age=62, weight_kg=55).needs("bone") == []
    assert CareProfile(weight_kg=55).needs("bmi") == ["height_cm"]
    for feature in ("plan", "triage", "diary", "insight"):
        assert CareProfile().needs(feature) == []  # type: ignore[arg-type]
    assert set(FEATURE_NEEDS) == {"bone", "bmi", "plan", "triage", "diary", "insight"}
    with pytest.raises(ProfileError, match="unknown feature"):
        CareProfile().needs("frax")  # type: ignore[arg-type]


def test_history_becomes_triage_answers() -> None:
    answers = CareProfile(age=71, osteoporosis=True, steroids=True, cancer=True).triage_answers()
    assert answers == TriageAnswers(age=71, osteoporosis=True, long_term_steroids=True, cancer_history=True)
    assert CareProfile().triage_answers() == TriageAnswers()


def test_whole_float_age_becomes_an_int() -> None:
    assert parse_profile({"age": 58.0}).age == 58
    assert isinstance(parse_profile({"age": 58.0}).age, int)


BAD = [
    ({"age": 17}, ["age", "must be 18-120", "17"]),
    ({"age": 121}, ["age", "18-120"]),
    ({"age": 58.5}, ["age", "whole years"]),
    ({"age": "58"}, ["age", "expected a whole number", '"58"']),
    ({"age": True}, ["age", "got true"]),
    ({"weight_kg": 5}, ["weight_kg", "must be 25-300"]),
    ({"weight_kg": math.nan}, ["weight_kg", "finite"]),
    ({"height_cm": 30}, ["height_cm", "must be 100-250"]),
    ({"height_cm": 10**400}, ["height_cm", "must be 100-250"]),
    ({"menopause_status": "late"}, ["menopause_status", "pre, peri, post, unsure", '"late"']),
    ({"hormone_therapy": "no"}, ["hormone_therapy", "true or false"]),
    ({"osteoporosis": 1}, ["osteoporosis", "true or false"]),
    ({"goals": "sleep"}, ["goals", "list"]),
    ({"goals": ["fly"]}, ["goals", "unknown goal", '"fly"']),
    ({"goals": ["bone_health", "bone_health"]}, ["goals", "once"]),
    ({"device": "toaster"}, ["device", "perifit", "simulator"]),
    ({"calcium_mg_per_day": -1}, ["calcium_mg_per_day", "must be 0-10000"]),
    ({"sitting_hours_per_day": 25}, ["sitting_hours_per_day", "0-24"]),
    ({"drinks_l_per_day": 40}, ["drinks_l_per_day", "0-15"]),
    ({"weigth_kg": 60}, ["unknown profile field", "did you mean 'weight_kg'"]),
    ([], ["JSON object"]),
]


@pytest.mark.parametrize(("obj", "phrases"), BAD, ids=[f"{i}-{p[0]}" for i, (_, p) in enumerate(BAD)])
def test_bad_profiles_name_the_field(obj: object, phrases: list[str]) -> None:
    with pytest.raises(ProfileError) as info:
        parse_profile(obj)
    message = str(info.value)
    assert "\n" not in message
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"


def test_direct_construction_is_checked_too() -> None:
    with pytest.raises(ProfileError, match="weight_kg"):
        CareProfile(weight_kg=1000)


def test_bad_json_text() -> None:
    with pytest.raises(ProfileError, match="line 1"):
        profile_from_json('{"age": 58,}')


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=400, deadline=None)
@given(obj=st.dictionaries(st.sampled_from(PROFILE_FIELDS) | st.text(max_size=8), json_values, max_size=6))
def test_any_json_gives_a_profile_or_a_clear_error(obj: dict[str, object]) -> None:
    try:
        profile = parse_profile(obj)
    except ProfileError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert parse_profile(profile.to_dict()) == profile
        json.dumps(profile.to_dict(), allow_nan=False)
