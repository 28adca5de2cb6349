"""Sizes as % of her strongest: the trainer's stored maximum, in the session's own unit, or nothing."""

from __future__ import annotations

from pelvicore.training.strongest import percent_text, size_of, strongest_of


def test_a_size_reads_as_percent_of_her_strongest_with_the_unit_beside_it() -> None:
    summary = {"unit": "cmH2O", "mvc": 40.0, "mvc_unit": "cmH2O"}
    size = size_of(34.9, summary)
    assert size is not None
    assert size.pct == "87 % of your strongest" and size.pct_short == "87 %"
    assert size.unit == "34.9 cmH2O above rest" and size.unit_short == "34.9"
    assert size_of(44.8, summary) == size_of(44.8, summary | {"max_peak": 1})
    assert size_of(44.8, summary).pct == "112 % — a new strongest"  # type: ignore[union-attr]
    assert size_of(40.2, summary).pct == "101 % — a new strongest"  # type: ignore[union-attr]
    assert size_of(40.1, summary).pct == "100 % of your strongest"  # type: ignore[union-attr]


def test_no_percent_without_a_strongest_in_the_same_unit_and_never_zero() -> None:
    assert strongest_of(None) is None and strongest_of({"unit": "raw", "max_peak": 3.0}) is None
    assert strongest_of({"unit": "raw", "mvc": 900.0, "mvc_unit": "cmH2O"}) is None
    assert strongest_of({"unit": "raw", "mvc": 0.0, "mvc_unit": "raw"}) is None
    assert size_of(12.0, {"unit": "raw", "max_peak": 12.0}) is None
    assert percent_text(0.2) == "under 1 % of your strongest"
    assert percent_text(0.5, whose="her") == "1 % of her strongest"
    assert percent_text(86.5) == "87 % of your strongest"  # half up, as the live page rounds
