"""Perifit's lift rule and the push check."""

from __future__ import annotations

import pytest

from pelvicore.signal.technique import classify_technique


@pytest.mark.parametrize(
    ("floor", "abdomen", "expected"),
    [
        (20.0, 0.0, "lift"),
        (20.0, 10.0, "lift"),  # exactly twice: Perifit's correct form
        (20.0, 12.0, "mixed"),
        (20.0, 17.0, "push"),  # matches the floor's rise within tolerance
        (20.0, 30.0, "push"),
        (5.0, -2.0, "lift"),
        (None, 3.0, "unknown"),
        (10.0, None, "unknown"),
    ],
)
def test_classify(floor: float | None, abdomen: float | None, expected: str) -> None:
    assert classify_technique(floor, abdomen) == expected
