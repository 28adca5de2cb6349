"""One row of a clinician's patient list: the last 30 days of what the patient shares, and the alerts.

Two layers: :func:`patient_row` is pure, on records already read (sessions, plan, diary); :func:`load_patient_row`
reads them for one patient in a handful of queries (about 60 days back) and calls it.

Adherence is counted as remote therapeutic monitoring counts it: days with data in the last 30, marked at 16
(CPT 98977; facts/clinic.md). A day has data when a session started on it (in her time zone, UTC when unknown)
stored contractions or samples.

What the patient does not share stays ``None``, never 0: training fields without the ``training`` scope, pain and
red flags without ``care``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from pelvicore.accounts.sharing import ALL_SCOPES as SCOPES
from pelvicore.care.diary import DiaryEntry
from pelvicore.care.profile import CareProfile
from pelvicore.care.records import CareRecords
from pelvicore.clinic.alerts import (
    Alert,
    PainTrend,
    SessionTechnique,
    no_training_alert,
    pain_alert,
    pain_trend,
    pushing_alert,
    red_flag_alerts,
)
from pelvicore.clinic.assessment_line import LatestAssessment, load_latest_assessment
from pelvicore.errors import PelvicoreError
from pelvicore.sessions.stored import summary_of
from pelvicore.store.repository import SessionRecord, SessionStore
from pelvicore.store.session_reads import SessionReads
from pelvicore.training.feedback import technique_measured
from pelvicore.training.plan_records import Plans, StoredPlan

#: Days with data that remote therapeutic monitoring needs in 30 days.
DAYS_WITH_DATA_TARGET: Final = 16
DAYS_WITH_DATA_SOURCE: Final = (
    "CPT 98977 (remote therapeutic monitoring, device supply): data on at least 16 of 30 days "
    "(Limber Health and MedBridge support articles; facts/clinic.md)"
)
WINDOW_DAYS: Final = 30
#: How far back the loader reads sessions and diary entries: the window, and the 4 weeks a diary entry is
#: compared with to decide whether what it reports is new (``care.diary.LOOKBACK_DAYS``).
READ_DAYS: Final = 60


class ClinicError(PelvicoreError):
    """A request for a clinician's view that cannot be answered as asked (an unknown scope...)."""


@dataclass(frozen=True, slots=True)
class PatientRow:
    """One patient over the last 30 days, as far as ``scope`` lets her therapist see.

    Parameters
    ----------
    days_with_data_30 : int or None
        Days (of 30) with a session that stored contractions or samples; ``meets_16_of_30`` whether that reaches
        ``DAYS_WITH_DATA_TARGET``.
    sessions_30, planned_30 : int or None
        Sessions with data, and sessions her plan asked for (``None`` without a plan).
    latest_assessment : str or None
        Her latest PERFECT or Glazer result in words, on ``latest_assessment_date``.
    push_pct_30 : float or None
        % of the squeezes with a two-zone reading that pushed down; ``None`` when none was measured.
    pain_trend : PainTrend or None
        Diary pain (NPRS 0-10), last 14 days against the 14 before.
    """

    id: int
    name: str
    scope: frozenset[str]
    days_with_data_30: int | None
    meets_16_of_30: bool | None
    sessions_30: int | None
    planned_30: int | None
    latest_assessment: str | None
    latest_assessment_date: dt.date | None
    push_pct_30: float | None
    pain_trend: PainTrend | None
    last_training: dt.date | None
    alerts: tuple[Alert, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON values: dates as ISO text, ``None`` for what is not shared or not known."""
        return {
            "id": self.id,
            "name": self.name,
            "scope": sorted(self.scope),
            "days_with_data_30": self.days_with_data_30,
            "days_with_data_target": DAYS_WITH_DATA_TARGET,
            "meets_16_of_30": self.meets_16_of_30,
            "sessions_30": self.sessions_30,
            "planned_30": self.planned_30,
            "latest_assessment": self.latest_assessment,
            "latest_assessment_date": _iso(self.latest_assessment_date),
            "push_pct_30": self.push_pct_30,
            "pain_trend": None if self.pain_trend is None else self.pain_trend.to_dict(),
            "last_training": _iso(self.last_training),
            "alerts": [a.to_dict() for a in self.alerts],
        }


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _check_scope(scope: Collection[str]) -> frozenset[str]:
    if isinstance(scope, str) or not set(scope) <= SCOPES:
        raise ClinicError(f"scope must be a set of {' and '.join(sorted(SCOPES))}, got {scope!r}")
    return frozenset(scope)


def planned_sessions(plan: StoredPlan, *, start: dt.date, today: dt.date) -> int:
    """Sessions her plan asked for from ``start`` to ``today`` (both included): the current dose's sessions a
    week, pro rata for the days the plan existed in that span (from its start date)."""
    first = max(start, plan.plan.start)
    days = max(0, (today - first).days + 1)
    return round(plan.plan.dose.sessions_per_week * days / 7)


def session_technique(record: SessionRecord, *, tz: dt.tzinfo) -> SessionTechnique:
    """The session's two-zone readings: voluntary squeezes (coughs left out: a cough raises the tummy zone by
    design) whose technique was measured, and how many pushed. None are measured on a single-zone trainer."""
    day = record.created_at.astimezone(tz).date()
    if not technique_measured(record):
        return SessionTechnique(day, 0, 0)
    squeezes = [c for c in summary_of(record, tz=tz).contractions if c.kind != "cough"]  # as training.feedback
    known = [c.technique for c in squeezes if c.technique != "unknown"]
    return SessionTechnique(day, len(known), known.count("push"))


def patient_row(
    id: int,
    name: str,
    *,
    sessions: Sequence[SessionRecord],
    plan: StoredPlan | None,
    diary: Sequence[DiaryEntry],
    scope: Collection[str],
    today: dt.date,
    tz: dt.tzinfo = dt.UTC,
    samples: Mapping[str, int] | None = None,
    profile: CareProfile | None = None,
    assessment: LatestAssessment | None = None,
) -> PatientRow:
    """Build a patient's row from her records.

    Parameters
    ----------
    sessions : sequence of SessionRecord
        Her sessions, any order, at least those of the last 30 days with their ``contractions`` (the push share
        reads them); older ones only tell when she last trained.
    plan : StoredPlan or None
        Her training plan.
    diary : sequence of DiaryEntry
        Her diary entries of the last 30 days and the 4 weeks before them (red flags are judged as new against
        those), any order.
    scope : set of {"training", "care"}
        What she shares with this clinician.
    today : date
        Today in ``tz``, her time zone (UTC by default), the zone in which sessions fall on days.
    samples : mapping of str to int, optional
        Samples stored by each session (by id); without it a session has data when it stored contractions.
    profile : CareProfile, optional
        Her care profile: the history (age, osteoporosis...) her diary's triage used.
    assessment : LatestAssessment, optional
        Her latest PERFECT or Glazer result (:func:`~pelvicore.clinic.assessment_line.load_latest_assessment`).
    """
    shared = _check_scope(scope)
    start = today - dt.timedelta(days=WINDOW_DAYS - 1)
    alerts: list[Alert] = []
    trend = None
    if "care" in shared:
        entries = [e for e in diary if e.date <= today]
        alerts += red_flag_alerts(entries, today=today, profile=profile)
        trend = pain_trend(entries, today=today)
        alerts += [a for a in (pain_alert(trend, today=today),) if a is not None]
    if "training" not in shared:
        return PatientRow(id, name, shared, None, None, None, None, None, None, None, trend, None, tuple(alerts))

    def has_data(s: SessionRecord) -> bool:
        return s.contraction_count > 0 or (samples is not None and samples.get(s.id, 0) > 0)

    def day_of(s: SessionRecord) -> dt.date:
        return s.created_at.astimezone(tz).date()

    trained = [s for s in sessions if has_data(s) and day_of(s) <= today]
    recent = [s for s in trained if day_of(s) >= start]
    days = len({day_of(s) for s in recent})
    techniques = [session_technique(s, tz=tz) for s in recent]
    measured = sum(t.measured for t in techniques)
    push_pct = round(100.0 * sum(t.pushes for t in techniques) / measured, 1) if measured else None
    last = max((day_of(s) for s in trained), default=None)
    alerts += [
        a
        for a in (
            pushing_alert(techniques),
            no_training_alert(last, plan_start=plan.plan.start if plan else None, today=today),
        )
        if a is not None
    ]
    return PatientRow(
        id=id,
        name=name,
        scope=shared,
        days_with_data_30=days,
        meets_16_of_30=days >= DAYS_WITH_DATA_TARGET,
        sessions_30=len(recent),
        planned_30=None if plan is None else planned_sessions(plan, start=start, today=today),
        latest_assessment=None if assessment is None else assessment.text,
        latest_assessment_date=None if assessment is None else assessment.day,
        push_pct_30=push_pct,
        pain_trend=trend,
        last_training=last,
        alerts=tuple(alerts),
    )


def load_patient_row(
    *,
    store: SessionStore,
    plans: Plans,
    care: CareRecords,
    user_id: int,
    name: str,
    scope: Collection[str],
    today: dt.date,
    tz: dt.tzinfo = dt.UTC,
) -> PatientRow:
    """Read what her row needs and build it (:func:`patient_row`).

    Reads only what ``scope`` covers. Training: her sessions of the last 60 days with their contractions and
    sample counts (3 queries), her latest session when none is that recent (1), her plan (1), and her latest
    PERFECT or Glazer session with its events and trace (3) for one assessment run. Care: her diary of the last
    60 days (1) and her care profile (1).
    """
    shared = _check_scope(scope)
    sessions: list[SessionRecord] = []
    samples: dict[str, int] = {}
    plan = assessment = None
    if "training" in shared:
        reads = SessionReads(store.engine)
        since = dt.datetime.combine(today - dt.timedelta(days=READ_DAYS), dt.time(), tz)
        sessions = reads.since(user_id, since)
        samples = reads.samples_stored(user_id, [s.id for s in sessions])
        if not any(s.contraction_count or samples.get(s.id) for s in sessions):
            # Has she ever trained? Her latest session before the window answers it (its count of contractions).
            older = reads.latest(user_id, before=since)
            sessions += [older] if older is not None else []
        plan = plans.get(user_id)
        assessment = load_latest_assessment(store, reads, user_id, tz=tz)
    diary: list[DiaryEntry] = []
    profile = None
    if "care" in shared:
        diary = care.list_entries(user_id, start=today - dt.timedelta(days=READ_DAYS), end=today)
        profile = care.get_profile(user_id)
    return patient_row(
        user_id,
        name,
        sessions=sessions,
        plan=plan,
        diary=diary,
        scope=shared,
        today=today,
        tz=tz,
        samples=samples,
        profile=profile,
        assessment=assessment,
    )


__all__ = [
    "DAYS_WITH_DATA_SOURCE",
    "DAYS_WITH_DATA_TARGET",
    "SCOPES",
    "ClinicError",
    "PatientRow",
    "load_patient_row",
    "patient_row",
    "planned_sessions",
    "session_technique",
]
