"""The PDF reports a physical therapist files: one session, or a person over a period.

A4 pages laid out by WeasyPrint from Jinja2 templates (``exports/templates/``), charts drawn by Matplotlib as
SVG; every page ends with "Training feedback, not a diagnosis." and its page number, every report with its
sources. Rendering takes a second or two: web routes call these from a worker thread.

>>> pdf = session_report_pdf(store, session_id, owner=user_id)              # doctest: +SKIP
>>> pdf = period_report_pdf(store, user_id=7, today=date.today(), patient_label="Ann B.")  # doctest: +SKIP
"""

from __future__ import annotations

from datetime import date, tzinfo

from pelvicore.accounts.sharing import ALL_SCOPES as SCOPES
from pelvicore.care.records import CareRecords
from pelvicore.exports.report_render import ReportError, render_pdf
from pelvicore.store.repository import SessionStore
from pelvicore.training.plan_records import Plans

#: What a period report may show: ``training`` (sessions, assessments, plan, progress), ``care`` (diary,
#: questionnaires, triage, bone screen).
MAX_DAYS = 3660

__all__ = ["SCOPES", "ReportError", "period_report_pdf", "session_report_pdf"]


def session_report_pdf(
    store: SessionStore,
    session_id: str,
    *,
    owner: int,
    patient_label: str | None = None,
    tz: tzinfo | None = None,
) -> bytes:
    """The PDF report of one stored session or assessment of user ``owner``.

    Parameters
    ----------
    store : SessionStore
    session_id : str
    owner : int
        Her user id: a session of anyone else is reported as not found.
    patient_label : str, optional
        Who she is on the report (her account's name or email); left out when not given.
    tz : tzinfo, optional
        Time zone of the times shown (default: the server's).

    Returns
    -------
    bytes
        The PDF file.

    Raises
    ------
    ReportError
        No such session of hers, or a session still running.
    """
    from pelvicore.exports.report_session import session_context

    context = session_context(store, session_id, owner=owner, patient_label=patient_label, tz=tz)
    return render_pdf("session_report.html", context)


def period_report_pdf(
    store: SessionStore,
    *,
    user_id: int,
    today: date,
    patient_label: str,
    days: int = 90,
    scope: frozenset[str] = SCOPES,
    care: CareRecords | None = None,
    plans: Plans | None = None,
    tz: tzinfo | None = None,
) -> bytes:
    """The PDF report of a person over the ``days`` days up to ``today``, as a clinician downloads it.

    Parameters
    ----------
    store : SessionStore
    user_id : int
    today : date
        The last day of the period (her today).
    patient_label : str
        Who she is on the report.
    days : int
        Length of the period, days (1-3660).
    scope : frozenset of str
        What the report may show, a subset of :data:`SCOPES`: ``training`` (sessions, assessments, plan,
        progress), ``care`` (diary, questionnaires, triage, bone screen). Nothing outside it is read.
    care, plans : optional
        Her care records and plans (default: on the store's engine).
    tz : tzinfo, optional
        Time zone that decides each session's day (default: the server's).

    Raises
    ------
    ReportError
        ``days`` out of range or ``scope`` naming an unknown part.
    """
    from pelvicore.exports.report_period import period_context
    from pelvicore.store.care import CareStore
    from pelvicore.store.plans import PlanStore

    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ReportError(f"days must be a whole number of days from 1 to {MAX_DAYS}, got {days!r}")
    if not scope <= SCOPES:
        raise ReportError(f"scope must be a subset of {sorted(SCOPES)}, got {sorted(scope)}")
    context = period_context(
        store,
        care or CareRecords(CareStore(store.engine)),
        plans or Plans(PlanStore(store.engine)),
        user_id=user_id,
        today=today,
        days=days,
        scope=scope,
        patient_label=patient_label,
        tz=tz,
    )
    return render_pdf("period_report.html", context)
