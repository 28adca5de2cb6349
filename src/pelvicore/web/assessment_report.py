"""Moved to :mod:`pelvicore.sessions.assessment_report` (the PDF report in exports/ runs the same assessments,
and nothing below web/ imports web/); re-exported here for the routers that import it from here."""

from pelvicore.sessions.assessment_report import (
    CALIBRATED_PRESSURE,
    NEEDS_CALIBRATION,
    ROUTINE_ASSESSMENT,
    TITLES,
    AssessmentName,
    Report,
    assess_session,
    assessments_for,
    default_assessment,
    is_calibrated,
    phases_of,
    plain_problem,
    plan_inputs,
    relaxation_flags,
)

__all__ = [
    "CALIBRATED_PRESSURE",
    "NEEDS_CALIBRATION",
    "ROUTINE_ASSESSMENT",
    "TITLES",
    "AssessmentName",
    "Report",
    "assess_session",
    "assessments_for",
    "default_assessment",
    "is_calibrated",
    "phases_of",
    "plain_problem",
    "plan_inputs",
    "relaxation_flags",
]
