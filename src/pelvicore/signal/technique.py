"""Lifting or pushing: the two-zone technique check.

Perifit's rule (facts/devices.md, Perifit help centre): a contraction has correct form when the pelvic-floor
(base) rise is at least twice the abdominal (tip) rise -> ``lift``. An abdominal rise that matches or exceeds the
floor's is bearing down -> ``push`` ("matches" allows 15% measurement tolerance, since breathing moves the
abdominal zone by a few cmH2O). In between -> ``mixed`` (some abdominal help). One zone cannot tell -> ``unknown``.
"""

from __future__ import annotations

from typing import Literal

Technique = Literal["lift", "push", "mixed", "unknown"]

LIFT_RATIO = 2.0
PUSH_RATIO = 0.85


def classify_technique(floor_rise: float | None, abdomen_rise: float | None) -> Technique:
    """Classify one contraction from the rises of the two zones (same unit, above their pre-contraction level)."""
    if floor_rise is None or abdomen_rise is None:
        return "unknown"
    if abdomen_rise >= PUSH_RATIO * floor_rise:
        return "push"
    if floor_rise >= LIFT_RATIO * abdomen_rise:
        return "lift"
    return "mixed"
