"""The error raised for unusable training input: an assessment, a plan file, session summaries, reminder times."""

from __future__ import annotations

from pelvicore.errors import PelvicoreError


class PlanError(PelvicoreError):
    """A value a training plan cannot use; the message names the value and what was expected."""


class ReviewRefused(PlanError):
    """A plan's week that cannot be reviewed now: it has not ended yet, or the plan is finished."""
