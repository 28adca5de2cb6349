"""Onset scoring: one-to-one matching within a tolerance."""

from __future__ import annotations

import pytest

from pelvicore.signal.scoring import score_onsets


def test_perfect_and_partial_matches() -> None:
    s = score_onsets([1.0, 5.05, 9.0], [1.02, 5.0, 12.0], tolerance_s=0.1)
    assert (s.true_positives, s.false_positives, s.false_negatives) == (2, 1, 1)
    assert s.f1 == pytest.approx(2 / 3)
    assert s.median_abs_error_s == pytest.approx(0.035)


def test_one_detection_cannot_match_two_truths() -> None:
    s = score_onsets([1.0], [0.95, 1.05], tolerance_s=0.1)
    assert (s.true_positives, s.false_negatives) == (1, 1)


def test_empty_inputs() -> None:
    assert score_onsets([], [1.0], tolerance_s=0.1).f1 == 0.0
    assert score_onsets([2.0], [], tolerance_s=0.1).false_positives == 1
