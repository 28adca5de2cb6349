"""Scoring detected onsets against ground truth (precision, recall, F1, onset error)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class OnsetScore:
    true_positives: int
    false_positives: int
    false_negatives: int
    errors_s: tuple[float, ...]

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        real = self.true_positives + self.false_negatives
        return self.true_positives / real if real else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def median_abs_error_s(self) -> float:
        return float(np.median(np.abs(self.errors_s))) if self.errors_s else float("nan")


def score_onsets(detected_s: Sequence[float], truth_s: Sequence[float], *, tolerance_s: float) -> OnsetScore:
    """Match detected to true onsets one-to-one, nearest first, within ``tolerance_s``."""
    det = np.sort(np.asarray(detected_s, dtype=float))
    true = np.sort(np.asarray(truth_s, dtype=float))
    if det.size == 0 or true.size == 0:
        return OnsetScore(0, int(det.size), int(true.size), ())
    dist = np.abs(det[:, None] - true[None, :])
    pairs = np.argwhere(dist <= tolerance_s)
    order = np.argsort(dist[pairs[:, 0], pairs[:, 1]], kind="stable")
    used_d: set[int] = set()
    used_t: set[int] = set()
    errors = []
    for i, j in pairs[order]:
        if i not in used_d and j not in used_t:
            used_d.add(int(i))
            used_t.add(int(j))
            errors.append(float(det[i] - true[j]))
    tp = len(errors)
    return OnsetScore(tp, int(det.size) - tp, int(true.size) - tp, tuple(errors))
