"""Clinical assessments on recordings: Glazer (surface EMG), PERFECT (squeeze pressure), the cough test (the
Knack) and relaxation (resting tone and release).

>>> from pelvicore.assess import run_assessment          # doctest: +SKIP
>>> run_assessment(read_recording("glazer.edf"), "glazer").to_dict()["phases"]["tonic"]  # doctest: +SKIP

Modules load lazily, so ``pelvicore --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pelvicore.assess.cough import CoughAssessment
    from pelvicore.assess.glazer import GlazerAssessment
    from pelvicore.assess.perfect import PerfectAssessment
    from pelvicore.assess.relaxation import RelaxationAssessment
    from pelvicore.recordings.model import Recording

    Assessment = GlazerAssessment | PerfectAssessment | CoughAssessment | RelaxationAssessment

#: Assessment name -> (module, function).
ASSESSMENTS = {
    "glazer": ("pelvicore.assess.glazer", "assess_glazer"),
    "perfect": ("pelvicore.assess.perfect", "assess_perfect"),
    "cough": ("pelvicore.assess.cough", "assess_cough"),
    "relaxation": ("pelvicore.assess.relaxation", "assess_relaxation"),
}

__all__ = ["ASSESSMENTS", "assess_cough", "assess_glazer", "assess_perfect", "assess_relaxation", "run_assessment"]


def run_assessment(rec: Recording, name: str, *, channel: str | None = None) -> Assessment:
    """Run assessment ``name`` (``glazer``, ``perfect``, ``cough`` or ``relaxation``) on ``rec``."""
    from pelvicore.errors import ProtocolError

    if name not in ASSESSMENTS:
        raise ProtocolError(f"unknown assessment {name!r} (expected one of: {', '.join(ASSESSMENTS)})")
    module, function = ASSESSMENTS[name]
    result: Assessment = getattr(importlib.import_module(module), function)(rec, channel=channel)
    return result


def __getattr__(name: str) -> Any:
    for module, function in ASSESSMENTS.values():
        if name == function:
            return getattr(importlib.import_module(module), function)
    raise AttributeError(f"module 'pelvicore.assess' has no attribute {name!r}")
