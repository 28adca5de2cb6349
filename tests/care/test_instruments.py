"""Instrument scoring: hand-worked totals, every band boundary, entered scores, and fuzzing with arbitrary JSON."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pelvicore.care import sources
from pelvicore.care.instruments import (
    BOTHERSOME,
    ENTERED_KEYS,
    START_BACK_ITEM_9,
    START_BACK_NOTICE,
    InstrumentError,
    InstrumentScore,
    iciq_ui_sf,
    important_pain_change,
    mrs,
    nprs,
    odi,
    peg3,
    pfdi20,
    score_entered,
    start_back,
)
from pelvicore.errors import PelvicoreError


def test_instrument_error_is_a_pelvicore_error() -> None:
    assert issubclass(InstrumentError, PelvicoreError)


# --- NPRS and PEG-3 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pain", "band"),
    [(0, "no pain"), (1, "mild"), (3, "mild"), (4, "moderate"), (6, "moderate"), (7, "severe"), (10, "severe")],
)
def test_nprs_bands(pain: int, band: str) -> None:
    score = nprs(pain)
    assert score.value == pain and score.band == band
    assert (score.low, score.high) == (0, 10)
    assert "LOINC 72514-3" in score.sources[0]


@pytest.mark.parametrize("bad", [-1, 11, 4.5, True, "4", None, math.nan])
def test_nprs_rejects(bad: object) -> None:
    with pytest.raises(InstrumentError, match="pain"):
        nprs(bad)


def test_nprs_important_change_is_two_points() -> None:
    assert important_pain_change(6, 4) and important_pain_change(3, 5)
    assert not important_pain_change(6, 5)


def test_peg3_is_the_mean_without_bands() -> None:
    score = peg3(6, 4, 5)
    assert score.value == pytest.approx(5.0)
    assert score.band is None and score.caveat
    assert "Krebs" in score.sources[0] and "24:733" in score.sources[0]
    assert peg3(0, 0, 1).value == pytest.approx(1 / 3)
    with pytest.raises(InstrumentError, match="enjoyment: must be 0-10"):
        peg3(5, 11, 5)


# --- STarT Back ----------------------------------------------------------------------------------------------

AGREE_NONE = [False] * 8


@pytest.mark.parametrize(
    ("items", "bothersome", "total", "psychosocial", "risk"),
    [
        (AGREE_NONE, "not at all", 0, 0, "low"),
        ([True, True, True, False, False, False, False, False], "extremely", 4, 1, "medium"),  # total 4: not low
        ([True, True, True, False, False, False, False, False], "moderately", 3, 0, "low"),  # total 3: low
        ([True] * 3 + [False] + [True] * 3 + [False], "slightly", 6, 3, "medium"),  # subscale 3: medium
        ([False] * 4 + [True] * 3 + [False], "very much", 4, 4, "high"),  # subscale 4: high
        ([True] * 8, "extremely", 9, 5, "high"),
        ([False] * 4 + [True] * 4, "not at all", 4, 4, "high"),
    ],
)
def test_start_back_scoring_and_risk(
    items: list[bool], bothersome: str, total: int, psychosocial: int, risk: str
) -> None:
    score = start_back(items, bothersome)
    assert score.value == total
    assert score.subscales[0].name == "psychosocial" and score.subscales[0].value == psychosocial
    assert score.band == f"{risk} risk"
    assert score.notice == START_BACK_NOTICE


def test_start_back_item_9_counts_only_very_much_and_extremely() -> None:
    counted = [b for b in BOTHERSOME if start_back(AGREE_NONE, b).value == 1]
    assert counted == ["very much", "extremely"]
    assert START_BACK_ITEM_9 == "Overall, how bothersome has your back pain been in the last 2 weeks?"


def test_start_back_notice_is_keeles_statement() -> None:
    assert START_BACK_NOTICE.startswith("The copyright (©2007) of the STarT Back Screening Tool")
    assert "Keele University" in START_BACK_NOTICE and "No license is required for non-commercial use." in (
        START_BACK_NOTICE
    )
    assert score_entered("start_back", {"items": AGREE_NONE, "bothersome": "slightly"}).to_dict()["notice"] == (
        START_BACK_NOTICE
    )


@pytest.mark.parametrize(
    ("items", "bothersome", "phrase"),
    [
        ([True] * 7, "slightly", "8 answers"),
        ([1] * 8, "slightly", "8 answers"),
        (AGREE_NONE, "a lot", "not at all, slightly"),
        (AGREE_NONE, None, "bothersome"),
    ],
)
def test_start_back_rejects(items: object, bothersome: object, phrase: str) -> None:
    with pytest.raises(InstrumentError, match=phrase):
        start_back(items, bothersome)


# --- MRS -------------------------------------------------------------------------------------------------------


def test_mrs_items_total_and_subscales() -> None:
    items = [1, 2, 0, 3, 1, 0, 2, 4, 1, 0, 2]  # somatic 1+2+0+2, psychological 3+1+0+2, urogenital 4+1+0
    score = mrs(items=items)
    assert score.value == 16
    assert [(s.name, s.value) for s in score.subscales] == [("somatic", 5), ("psychological", 6), ("urogenital", 5)]
    assert score.band == "severe" and "pproximate" in (score.caveat or "")
    assert any("secondary sources" in s for s in score.sources)
    assert score.entered == {"items": items}


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "none or little"), (4, "none or little"), (5, "mild"), (8, "mild"), (9, "moderate"), (15, "moderate"),
     (16, "severe"), (44, "severe")],
)  # fmt: skip
def test_mrs_bands(total: int, band: str) -> None:
    assert mrs(total=total).band == band


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({}, "exactly one of items or total"),
        ({"items": [0] * 11, "total": 0}, "exactly one"),
        ({"items": [0] * 10}, "11 whole numbers"),
        ({"items": [0] * 10 + [5]}, r"mrs.items\[10\]: must be 0-4"),
        ({"total": 45}, "mrs.total: must be 0-44"),
    ],
)
def test_mrs_rejects(kwargs: dict[str, object], phrase: str) -> None:
    with pytest.raises(InstrumentError, match=phrase):
        mrs(**kwargs)


# --- ICIQ-UI SF ------------------------------------------------------------------------------------------------


def test_iciq_parts_add_up_with_the_owners_caveat() -> None:
    score = iciq_ui_sf(frequency=2, amount=2, interference=5)
    assert score.value == 9 and score.band == "moderate"
    assert "no absolute meaning" in (score.caveat or "")
    assert any("Klovning" in s for s in score.sources)


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, None), (1, "slight"), (5, "slight"), (6, "moderate"), (12, "moderate"), (13, "severe"), (18, "severe"),
     (19, "very severe"), (21, "very severe")],
)  # fmt: skip
def test_iciq_bands(total: int, band: str | None) -> None:
    assert iciq_ui_sf(total=total).band == band


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"frequency": 1, "amount": 3, "interference": 0}, "0, 2, 4 or 6"),
        ({"frequency": 0, "amount": 2, "interference": 0}, "must be 0 when frequency is 0"),
        ({"frequency": 6, "amount": 2, "interference": 0}, "frequency: must be 0-5"),
        ({"frequency": 1, "amount": 2}, "give frequency, amount and interference"),
        ({"frequency": 1, "total": 3}, "not both"),
        ({"total": 22}, "total: must be 0-21"),
    ],
)
def test_iciq_rejects(kwargs: dict[str, object], phrase: str) -> None:
    with pytest.raises(InstrumentError, match=phrase):
        iciq_ui_sf(**kwargs)


# --- ODI -------------------------------------------------------------------------------------------------------


def test_odi_percentage_counts_only_answered_sections() -> None:
    assert odi(sections=[2] * 10).value == pytest.approx(40.0)
    # 9 answered, total 18: 18 / 45 = 40 %, not 18 / 50 = 36 %.
    assert odi(sections=[2, 2, 2, None, 2, 2, 2, 2, 2, 2]).value == pytest.approx(40.0)
    # 8 answered, total 17: 17 / 40 = 42.5 %.
    score = odi(sections=[3, 2, None, 2, 2, 2, 2, None, 2, 2])
    assert score.value == pytest.approx(42.5) and score.band == "severe"
    assert "Mapi" in score.sources[0]


def test_odi_needs_eight_sections() -> None:
    with pytest.raises(InstrumentError, match="at least 8 of 10"):
        odi(sections=[1, 1, 1, 1, 1, 1, 1, None, None, None])


@pytest.mark.parametrize(
    ("percent", "band"),
    [(0, "minimal"), (20, "minimal"), (20.5, "moderate"), (40, "moderate"), (41, "severe"), (60, "severe"),
     (61, "crippled"), (80, "crippled"), (81, "bed-bound"), (100, "bed-bound")],
)  # fmt: skip
def test_odi_bands(percent: float, band: str) -> None:
    assert odi(percent=percent).band == band


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"sections": [1] * 9}, "10 section scores"),
        ({"sections": [1] * 9 + [6]}, r"odi.sections\[9\]: must be 0-5"),
        ({"percent": 101}, "odi.percent: must be 0-100"),
        ({"percent": 10, "sections": [1] * 10}, "exactly one"),
    ],
)
def test_odi_rejects(kwargs: dict[str, object], phrase: str) -> None:
    with pytest.raises(InstrumentError, match=phrase):
        odi(**kwargs)


# --- PFDI-20 ---------------------------------------------------------------------------------------------------


def test_pfdi20_scales_are_item_means_times_25() -> None:
    score = pfdi20(udi6=[0, 1, 2, 3, 4, 2], cradi8=[0] * 8, popdi6=[4] * 6)
    assert [(s.name, s.value) for s in score.subscales] == [("UDI-6", 50.0), ("CRADI-8", 0.0), ("POPDI-6", 100.0)]
    assert score.value == pytest.approx(150.0) and score.band is None
    assert (score.low, score.high) == (0, 300)


def test_pfdi20_scale_scores_and_total() -> None:
    assert pfdi20(udi6=25.0, cradi8=[1] * 8, popdi6=0).value == pytest.approx(50.0)
    assert pfdi20(total=120).value == 120 and pfdi20(total=120).subscales == ()


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"udi6": [0] * 6, "cradi8": [0] * 8}, "missing popdi6"),
        ({"udi6": [0] * 5, "cradi8": [0] * 8, "popdi6": [0] * 6}, "pfdi20.udi6: expected 6"),
        ({"udi6": [0] * 6, "cradi8": [0] * 7 + [5], "popdi6": [0] * 6}, r"cradi8\[7\]: must be 0-4"),
        ({"udi6": 101, "cradi8": 0, "popdi6": 0}, "pfdi20.udi6: must be 0-100"),
        ({"total": 301}, "total: must be 0-300"),
        ({"total": 10, "udi6": 0}, "not both"),
    ],
)
def test_pfdi20_rejects(kwargs: dict[str, object], phrase: str) -> None:
    with pytest.raises(InstrumentError, match=phrase):
        pfdi20(**kwargs)


# --- entered scores from JSON ----------------------------------------------------------------------------------


def test_every_entered_instrument_names_its_source_and_round_trips() -> None:
    examples = {
        "start_back": {"items": AGREE_NONE, "bothersome": "moderately"},
        "mrs": {"total": 12},
        "iciq_ui_sf": {"frequency": 3, "amount": 4, "interference": 6},
        "odi": {"sections": [1, 2, None, 0, 1, 1, 2, 1, 0, 1]},
        "pfdi20": {"udi6": [1] * 6, "cradi8": 25, "popdi6": [0] * 6},
    }
    assert set(examples) == set(ENTERED_KEYS)
    for key, entered in examples.items():
        score = score_entered(key, entered)
        assert score.instrument == key and score.sources
        assert score_entered(key, dict(score.entered)) == score
        data = score.to_dict()
        json.dumps(data, allow_nan=False)
        assert data["entered"] == score.entered


def test_no_item_text_for_licensed_instruments() -> None:
    import pelvicore.care.instruments as module

    names = [n for n in dir(module) if n.isupper() and "ITEM" in n]
    assert names == ["START_BACK_ITEM_9"]  # the only item text: STarT Back's item 9, free to use
    assert sources.ODI.startswith("Oswestry") and "Mapi" in sources.ODI


@pytest.mark.parametrize(
    ("key", "obj", "phrase"),
    [
        ("oswestry", {}, "unknown instrument"),
        (["odi"], {}, "unknown instrument"),
        ("odi", [1, 2], "expected an object"),
        ("odi", {"percentage": 20}, 'unknown field "percentage"'),
        ("mrs", {"total": "12"}, "mrs.total: expected a whole number"),
    ],
)
def test_score_entered_rejects(key: object, obj: object, phrase: str) -> None:
    with pytest.raises(InstrumentError, match=phrase):
        score_entered(key, obj)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=12) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
field_names = st.sampled_from(
    ["items", "bothersome", "total", "frequency", "amount", "interference", "sections", "percent", "udi6", "cradi8",
     "popdi6"]
)  # fmt: skip
entered_like = st.dictionaries(field_names | st.text(max_size=8), json_values, max_size=4)


def _score_or_clear_error(key: object, obj: object) -> None:
    try:
        score = score_entered(key, obj)
    except InstrumentError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 300
    else:
        assert isinstance(score, InstrumentScore)
        assert score.low <= score.value <= score.high
        json.dumps(score.to_dict(), allow_nan=False)


@settings(max_examples=600, deadline=None)
@given(key=st.sampled_from(ENTERED_KEYS) | json_values, obj=entered_like | json_values)
def test_any_json_gives_a_score_or_a_clear_error(key: object, obj: object) -> None:
    _score_or_clear_error(key, obj)


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(st.integers(-2, 6) | st.floats(allow_nan=True) | st.booleans(), min_size=0, max_size=12),
    total=st.none() | st.integers() | st.floats(),
)
def test_numeric_lists_give_a_score_or_a_clear_error(items: list[object], total: object) -> None:
    for key, obj in (
        ("mrs", {"items": items}),
        ("mrs", {"total": total}),
        ("odi", {"sections": items}),
        ("pfdi20", {"udi6": items[:6], "cradi8": items[:8], "popdi6": items[-6:]}),
        ("iciq_ui_sf", {"total": total}),
    ):
        _score_or_clear_error(key, obj)
