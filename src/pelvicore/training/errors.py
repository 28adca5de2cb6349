"""The error raised for unusable training input: an assessment, a plan file, session summaries, reminder times."""

from __future__ import annotations

from pelvicore.errors import PelvicoreError


class PlanError(PelvicoreError):
    """A value a training plan cannot use; the message names the value and what was expected."""
