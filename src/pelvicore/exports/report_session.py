"""What the PDF report of one stored session shows: the facts, the trace, every contraction, the end feedback and,
for a test, its assessment with norms and sources.

Everything here is read from the store as the session left it; the assessments are the same as the web report's
(:mod:`pelvicore.sessions.assessment_report`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import numpy as np

from pelvicore.exports.report_charts import trace_chart, unit_text
from pelvicore.exports.report_render import ReportError
from pelvicore.sessions.assessment_report import TITLES, assess_session, assessments_for, is_calibrated, plain_problem
from pelvicore.sessions.stored import protocol_of
from pelvicore.signal.pipeline import abdominal_reference
from pelvicore.store.repository import SessionRecord, SessionStore
from pelvicore.training.feedback import stored_feedback
from pelvicore.training.strongest import size_of, strongest_of

#: How each end status is said, plainly.
STATUS_TEXT = {
    "completed": "completed: the routine ran to its end",
    "stopped": "stopped by her before the routine's end",
    "interrupted": "interrupted (the connection or the server stopped); what was recorded is kept",
    "failed": "failed: something went wrong; what was recorded is kept",
}
FEEDBACK_SOURCE = (
    "End feedback: pelvicore's rules (training/feedback.py): two-zone lift/push rule (Perifit); strength classes "
    "Angelo et al. 2017, PLoS ONE 12(10):e0187045; 8+ contractions 3 times a day, NICE CG171"
)
TECHNIQUE_SOURCE = (
    "Lift or push: the floor rises while the abdomen stays below its push threshold (Perifit two-zone rule)"
)
SOURCE_LABELS = {
    "simulator": "simulator",
    "device": "trainer via the server's Bluetooth",
    "browser": "trainer via Web Bluetooth",
}


@dataclass(frozen=True, slots=True)
class Row:
    """One contraction as the table shows it: each number already with its unit."""

    number: int
    onset: str
    peak: str
    hold: str
    rise: str
    release: str
    technique: str


def routine_title(record: SessionRecord) -> str:
    protocol = protocol_of(record)
    return protocol.title if protocol is not None else record.routine


def trainer_text(record: SessionRecord) -> str:
    """Which trainer recorded it: the simulated person, or the trainer kind and how it was connected."""
    if record.source == "simulator":
        return f"simulator (simulated person: {record.profile or 'unknown'})"
    how = SOURCE_LABELS.get(record.source, record.source)
    return f"{record.profile or 'unknown trainer'} ({how})"


def calibration_text(record: SessionRecord) -> str:
    """The units, said plainly: calibrated pressure in cmH2O, or the trainer's raw counts."""
    channels = ", ".join(f"{name} in {unit_text(u)}" for name, u in record.units.items())
    if is_calibrated(dict(record.units)):
        return f"calibrated — {channels}"
    return f"not calibrated: raw (the trainer's own numbers, not comparable between trainers) — {channels}"


def contraction_rows(record: SessionRecord, *, measured: bool) -> list[Row]:
    """Every stored contraction with units; technique ``not measured`` on a single-zone trainer."""
    rows = []
    for i, c in enumerate(record.contractions, 1):
        # The session's unit of the channel: what the trainer really reported (raw when not calibrated).
        unit = record.units.get(str(c.get("channel"))) or str(c.get("unit") or "raw")
        technique = str(c.get("technique", "unknown")) if measured else "not measured"
        rise, release = c.get("rise_s"), c.get("release_s")
        size = size_of(float(c["peak"]), record.summary)  # a calibrated trainer: also as % of her strongest
        rows.append(
            Row(
                i,
                f"{float(c['onset_s']):.1f} s",
                f"{float(c['peak']):.1f} {unit_text(unit)}" + (f" ({size.pct_short})" if size else ""),
                f"{float(c['hold_s']):.1f} s",
                "—" if rise is None else f"{float(rise):.2f} s",
                "not complete" if release is None else f"{float(release):.2f} s",
                technique,
            )
        )
    return rows


def _trace(store: SessionStore, record: SessionRecord) -> tuple[str | None, float | None]:
    """The trace chart's data URI and the length of the recording, s (None when nothing was recorded)."""
    fs_hz, channels, index = store.load_trace(record.id, owner=record.user_id)
    if index.size < 2:
        return None, None
    t_s = (index - index[0]) / fs_hz
    onsets = [float(c["onset_s"]) for c in record.contractions]
    finite = {name: np.asarray(x, dtype=float) for name, x in channels.items()}
    return trace_chart(t_s.astype(float), finite, dict(record.units), onsets_s=onsets), float(t_s[-1])


def session_context(
    store: SessionStore, session_id: str, *, owner: int, patient_label: str | None = None, tz: tzinfo | None = None
) -> dict[str, Any]:
    """Everything ``session_report.html`` shows of one session of ``owner``.

    Raises
    ------
    ReportError
        No such session of hers, or one still running (its report comes when it ends).
    """
    record = store.get(session_id, owner=owner)
    if record is None:
        raise ReportError(f"no session {session_id!r}")
    if record.status == "running":
        raise ReportError(f"session {session_id!r} is still running: its report comes when it ends")
    measured = abdominal_reference(record.units) is not None
    started = record.created_at.astimezone(tz)
    trace_uri, recorded_s = _trace(store, record)
    feedback = stored_feedback(record)
    sources = [FEEDBACK_SOURCE] + ([TECHNIQUE_SOURCE] if measured else [])
    assessments = []
    for protocol in assessments_for(record.routine):
        report = assess_session(store, record, protocol)
        data = report.to_dict()
        data["problem"] = plain_problem(report) if report.error else None
        assessments.append(data)
        if report.result is not None:
            sources += [s for s in report.result.get("sources", []) if s not in sources]
    summary = record.summary or {}
    unit = str(summary.get("unit") or next(iter(record.units.values()), "raw"))
    return {
        "header_title": f"session report, {started:%d %b %Y}",
        "header_who": patient_label or "",
        "patient_label": patient_label,
        "record": record,
        "routine_title": routine_title(record),
        "started": started,
        "recorded_s": recorded_s,
        "trainer": trainer_text(record),
        "calibration": calibration_text(record),
        "status_text": STATUS_TEXT.get(record.status, record.status),
        "end_reason": record.end_reason,
        "unit": unit,
        "rest_level": summary.get("rest_level"),
        "measured": measured,
        "rows": contraction_rows(record, measured=measured),
        "strongest": strongest_of(record.summary),
        "feedback": None if feedback is None else feedback.to_dict(),
        "trace_uri": trace_uri,
        "channels": list(record.units),
        "assessments": assessments,
        "titles": TITLES,
        "sources": sources,
    }
