"""Bone-risk screening: OST, OSTA bands, ORAI and SCORE against values worked out by hand from the published rules."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pelvicore.care.bone import FRAX_URL, BoneInputError, orai, ost, osta_band, score, screen_bone_risk
from pelvicore.errors import PelvicoreError


def test_required_check_age_62_weight_55_no_oestrogen() -> None:
    risk = screen_bone_risk(62, 55)
    assert risk.ost == pytest.approx(-1.4)
    assert risk.to_dict()["ost"] == -1.4
    assert risk.ost_recommend_dxa is True
    assert risk.osta_band == "moderate"
    assert risk.orai == 16  # 5 (age 55-64) + 9 (under 60 kg) + 2 (no oestrogen)
    assert risk.orai_refer is True
    assert risk.score is None and risk.score_refer is None
    assert risk.discuss_dxa is True


# (age, weight kg, oestrogen now) -> (OST, OST < 2, OSTA band, ORAI), each worked out by hand.
HAND_CASES = [
    ((70, 80.0, False), (2.0, False, "low", 11)),  # ORAI 9 + 0 + 2
    ((50, 75.0, True), (5.0, False, "low", 0)),
    ((80, 55.0, False), (-5.0, True, "high", 26)),  # the ORAI maximum: 15 + 9 + 2
    ((72, 50.0, False), (-4.4, True, "high", 20)),  # truncated OST (-4) would wrongly say moderate
    ((70, 50.0, False), (-4.0, True, "moderate", 20)),  # -4 itself is moderate
    ((71, 50.0, False), (-4.2, True, "high", 20)),
    ((65, 60.0, False), (-1.0, True, "moderate", 14)),  # -1 itself is moderate; ORAI 9 + 3 + 2
    ((64, 60.0, False), (-0.8, True, "low", 10)),
    ((50, 60.0, False), (2.0, False, "low", 5)),  # OST exactly 2 is not below 2
    ((50, 59.9, False), (1.98, True, "low", 11)),
    ((56, 61.5, True), (1.1, True, "low", 8)),  # ORAI 5 + 3 + 0: under 9
]


@pytest.mark.parametrize(("inputs", "expected"), HAND_CASES, ids=[str(c[0]) for c in HAND_CASES])
def test_ost_osta_and_orai_by_hand(inputs: tuple[int, float, bool], expected: tuple[float, bool, str, int]) -> None:
    age, weight, estrogen = inputs
    ost_value, dxa, band, orai_value = expected
    risk = screen_bone_risk(age, weight, estrogen_now=estrogen)
    assert risk.ost == pytest.approx(ost_value)
    assert (risk.ost_recommend_dxa, risk.osta_band, risk.orai) == (dxa, band, orai_value)
    assert risk.orai_refer is (orai_value >= 9)


@pytest.mark.parametrize(
    ("age", "points"), [(44, 0), (45, 0), (54, 0), (55, 5), (64, 5), (65, 9), (74, 9), (75, 15), (120, 15)]
)
def test_orai_age_points(age: int, points: int) -> None:
    assert orai(age, 75.0, estrogen_now=True) == points


@pytest.mark.parametrize(("weight", "points"), [(40.0, 9), (59.9, 9), (60.0, 3), (69.9, 3), (70.0, 0), (120.0, 0)])
def test_orai_weight_points(weight: float, points: int) -> None:
    assert orai(50, weight, estrogen_now=True) == points
    assert orai(50, weight, estrogen_now=False) == points + 2


def test_ost_is_not_truncated() -> None:
    assert ost(62, 55) == -1.4
    assert ost(62, 56.5) == pytest.approx(-1.1)
    assert ost(72, 50) == pytest.approx(-4.4)
    assert osta_band(72, 50) == "high"


# SCORE inputs -> points, by hand: lb = kg / 0.45359237, minus floor(lb / 10).
SCORE_CASES = [
    # 5 (not Black) + 18 (3 x 6) + 1 (never oestrogen) - 12 (121.25 lb) = 12
    (dict(age_years=62, weight_kg=55.0, black=False, rheumatoid_arthritis=False, fractures_after_45=0,
          ever_estrogen=False), 12),
    # 0 + 4 (RA) + 4 (one fracture) + 15 (3 x 5) + 0 - 17 (176.4 lb) = 6: exactly the referral level
    (dict(age_years=58, weight_kg=80.0, black=True, rheumatoid_arthritis=True, fractures_after_45=1,
          ever_estrogen=True), 6),
    # 5 + 15 - 19 (198.4 lb) = 1
    (dict(age_years=52, weight_kg=90.0, black=False, rheumatoid_arthritis=False, fractures_after_45=0,
          ever_estrogen=True), 1),
    # 5 + 4 + 12 (five fractures, capped) + 21 + 1 - 13 (132.3 lb) = 30
    (dict(age_years=70, weight_kg=60.0, black=False, rheumatoid_arthritis=True, fractures_after_45=5,
          ever_estrogen=False), 30),
]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "points"), SCORE_CASES)
def test_score_by_hand(kwargs: dict[str, object], points: int) -> None:
    age, weight = kwargs.pop("age_years"), kwargs.pop("weight_kg")
    assert isinstance(age, int) and isinstance(weight, float)
    assert score(age, weight, **kwargs) == points
    risk = screen_bone_risk(age, weight, **kwargs)
    assert risk.score == points
    assert risk.score_refer is (points >= 6)
    assert any("Lydick" in s for s in risk.sources)


def test_current_oestrogen_counts_as_ever_used_for_score() -> None:
    risk = screen_bone_risk(62, 55, estrogen_now=True, black=False, rheumatoid_arthritis=False, fractures_after_45=0)
    assert risk.score == 11  # 12 above, minus the "never used oestrogen" point
    assert risk.orai == 14


@pytest.mark.parametrize("missing", ["black", "rheumatoid_arthritis", "fractures_after_45", "ever_estrogen"])
def test_score_needs_every_input(missing: str) -> None:
    kwargs: dict[str, object] = dict(black=False, rheumatoid_arthritis=False, fractures_after_45=0, ever_estrogen=True)
    del kwargs[missing]
    risk = screen_bone_risk(62, 55, **kwargs)
    assert risk.score is None and risk.score_refer is None
    assert risk.to_dict()["score"] is None
    assert not any("Lydick" in s for s in risk.sources)


def test_advice_explanation_frax_and_sources() -> None:
    data = screen_bone_risk(62, 55).to_dict()
    assert {
        "ost",
        "ost_recommend_dxa",
        "osta_band",
        "orai",
        "orai_refer",
        "score",
        "advice",
        "sources",
        "frax_url",
    } <= set(data)
    assert data["frax_url"] == FRAX_URL == "https://frax.shef.ac.uk/FRAX/"
    assert isinstance(data["advice"], str) and "bone-density (DXA) scan" in data["advice"]
    sources = " | ".join(data["sources"])
    for name in ("Koh", "USPSTF", "Cadarette", "University of Washington", "FRAX"):
        assert name in sources
    assert json.loads(json.dumps(data, allow_nan=False)) == data


def test_low_risk_advice_still_names_dxa_and_the_triggers() -> None:
    risk = screen_bone_risk(50, 75, estrogen_now=True)
    assert not risk.discuss_dxa
    assert "do not point" in risk.advice and "65" in risk.advice


@pytest.mark.parametrize(("age", "weight"), [(55, 62), (50, 75), (70, 50), (48, 90)])
def test_what_she_reads_agrees_with_the_verdicts_and_names_frax_nowhere_but_its_link(age: int, weight: float) -> None:
    risk = screen_bone_risk(age, weight, estrogen_now=False)
    words = " ".join(risk.explanation) + " " + risk.advice
    assert "low risk" not in words and "OSTA band" not in words  # a band that can disagree with the cut-off
    assert "FRAX" not in words  # the page links to FRAX once, beside the result
    assert risk.advice.startswith("Discuss a bone-density") == risk.discuss_dxa


def test_65_and_over_is_always_told_to_discuss_a_scan() -> None:
    risk = screen_bone_risk(66, 90, estrogen_now=True)  # OST 4.8, ORAI 9: ORAI alone already refers
    assert risk.discuss_dxa
    assert any("65 or over" in line for line in risk.explanation)


BAD_INPUTS = [
    (dict(age_years=17, weight_kg=55.0), "age: must be 18-120"),
    (dict(age_years=121, weight_kg=55.0), "age: must be 18-120"),
    (dict(age_years=True, weight_kg=55.0), "age: expected whole years"),
    (dict(age_years=62.5, weight_kg=55.0), "age: expected whole years"),
    (dict(age_years=62, weight_kg=math.nan), "weight: expected a finite number"),
    (dict(age_years=62, weight_kg=math.inf), "weight: expected a finite number"),
    (dict(age_years=62, weight_kg=24.9), "weight: must be 25-300 kg, got 24.9"),
    (dict(age_years=62, weight_kg=300.5), "weight: must be 25-300 kg"),
    (dict(age_years=62, weight_kg=55.0, fractures_after_45=-1), "fractures after 45: must be 0-50"),
    (dict(age_years=40, weight_kg=55.0, fractures_after_45=1), "the age is 40"),
    (dict(age_years=62, weight_kg=55.0, estrogen_now=True, ever_estrogen=False), "never used"),
]


@pytest.mark.parametrize(("kwargs", "phrase"), BAD_INPUTS)
def test_bad_inputs_raise_a_clear_error(kwargs: dict[str, object], phrase: str) -> None:
    with pytest.raises(BoneInputError, match=phrase):
        screen_bone_risk(**kwargs)
    assert issubclass(BoneInputError, PelvicoreError)


@settings(max_examples=300, deadline=None)
@given(age=st.integers(18, 120), weight=st.floats(25, 300), estrogen=st.booleans())
def test_verdicts_follow_the_numbers(age: int, weight: float, estrogen: bool) -> None:
    risk = screen_bone_risk(age, weight, estrogen_now=estrogen)
    assert risk.ost == pytest.approx(0.2 * (weight - age))
    assert risk.ost_recommend_dxa == (weight - age < 10)
    expected_band = "high" if weight - age < -20 else "low" if weight - age > -5 else "moderate"
    assert risk.osta_band == expected_band
    assert 0 <= risk.orai <= 26 and risk.orai_refer == (risk.orai >= 9)
    assert risk.discuss_dxa == (risk.ost_recommend_dxa or risk.orai_refer or age >= 65)
    json.dumps(risk.to_dict(), allow_nan=False)
