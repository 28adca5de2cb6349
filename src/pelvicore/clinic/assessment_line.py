"""A patient's latest PERFECT or Glazer assessment as one line for the therapist's list.

The numbers are those of the assessment report (:func:`pelvicore.sessions.assessment_report.assess_session`),
run on the stored session's trace and the cues it gave; nothing is re-derived here.

PERFECT (Laycock & Jerwood 2001) scores power on the modified Oxford scale by palpation, or as perineometer
pressure; pelvicore measures pressure, so P is given in cmH2O above rest with its Angelo et al. 2017 class.
No modified Oxford grade is shown: a pressure does not convert to a palpation grade (they correlate, r = 0.786,
facts/clinical.md), and a made-up grade would read as a finding.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pelvicore.assess.norms import ANGELO_2017, GLAZER_SOURCE, OLEKSY_2020, PERFECT_SOURCE
from pelvicore.sessions.assessment_report import NEEDS_CALIBRATION, ROUTINE_ASSESSMENT, AssessmentName, assess_session
from pelvicore.store.repository import SessionStore
from pelvicore.store.session_reads import SessionReads

#: The assessments a dashboard row shows (the cough test and relaxation notes stay on the report pages).
SHOWN: Final[tuple[AssessmentName, ...]] = ("perfect", "glazer")
ROUTINES: Final = tuple(r for r, a in ROUTINE_ASSESSMENT.items() if a in SHOWN)
#: Assessed sessions whose line is kept in memory.
CACHE_SIZE: Final = 4096
_UNIT_TEXT = {"uV": "µV"}
_GLAZER_PHASES = (
    ("pre_rest", "mean", "rest"),
    ("flicks", "peak_mean", "flicks"),
    ("tonic", "mean", "holds"),
    ("endurance", "mean", "endurance"),
    ("post_rest", "mean", "rest after"),
)


@dataclass(frozen=True, slots=True)
class LatestAssessment:
    """Her latest PERFECT or Glazer session: which, the day it was on, the line to show, its sources."""

    protocol: AssessmentName
    day: dt.date
    text: str
    source: str
    session_id: str


def _num(value: object, digits: int = 1) -> str:
    return "—" if not isinstance(value, int | float) else f"{value:.{digits}f}"


def _perfect(r: Mapping[str, Any]) -> str:
    power = r.get("power_cmh2o")
    if power is None:
        p = "no squeeze found"
    elif r.get("power_class") is None:
        p = f"{power:.0f} cmH2O above rest (no measurable contraction, < 7.5 cmH2O)"
    else:
        p = f"{power:.0f} cmH2O above rest ({r['power_class']})"
    return f"PERFECT: P {p} · E {_num(r.get('endurance_s'))} s · R {r.get('repetitions')} · F {r.get('fast')}"


def _glazer(r: Mapping[str, Any]) -> str:
    phases, normalised = r["phases"], r.get("normalised", {})
    unit = r["units"]["amplitude"]
    if r.get("norms"):  # surface EMG in µV: the values and which lie below Oleksy 2020's mean - 1 SD
        values = " · ".join(f"{label} {_num(phases[p][k])}" for p, k, label in _GLAZER_PHASES)
        # A low resting level is good and a high one is not; the work phases the other way round.
        worse = [
            f"{label} {'high' if p.endswith('rest') else 'low'}"
            for p, _, label in _GLAZER_PHASES
            if r["norms"].get(p, {}).get("position") == ("above" if p.endswith("rest") else "below")
        ]
        norm = f"; worse than the norm: {', '.join(worse)}" if worse else "; every phase within the norm or better"
        line = f"Glazer (sEMG, {_UNIT_TEXT.get(unit, unit)}): {values}{norm}"
    else:  # pressure, or EMG in another unit: the work phases as % of her maximum, no norms
        values = " · ".join(f"{label} {_num(normalised.get(p, {}).get(k), 0)} %" for p, k, label in _GLAZER_PHASES[1:4])
        line = f"Glazer (% of her maximum): {values}"
    decline = phases["endurance"].get("decline_pct")
    return line + (f"; endurance fell {_num(decline, 0)} % over the hold" if decline is not None else "")


def assessment_text(protocol: AssessmentName, result: Mapping[str, Any] | None, error: str | None) -> str:
    """One line of an assessment's result (``Report.result``), or why it was not scored.

    >>> assessment_text("perfect", {"power_cmh2o": 31.6, "power_class": "moderate", "endurance_s": 6.24,
    ...                             "repetitions": 4, "fast": 8}, None)
    'PERFECT: P 32 cmH2O above rest (moderate) · E 6.2 s · R 4 · F 8'
    """
    title = "PERFECT" if protocol == "perfect" else "Glazer"
    if result is None:
        if error == NEEDS_CALIBRATION.get(protocol):
            return f"{title}: not scored — her trainer reports raw numbers, not cmH2O"
        return f"{title}: not scored — {error or 'no result'}"
    return _perfect(result) if protocol == "perfect" else _glazer(result)


def _source(protocol: AssessmentName, result: Mapping[str, Any] | None) -> str:
    if protocol == "perfect":
        return f"{PERFECT_SOURCE}; power classes: {ANGELO_2017}"
    return f"{GLAZER_SOURCE}; norms: {OLEKSY_2020}" if result and result.get("norms") else GLAZER_SOURCE


class _Assessed:
    """The lines of the latest sessions assessed, by session id: a completed session's trace and cues no longer
    change, and a list of 100 patients would otherwise run 100 assessments on every visit (about 0.1 s each for
    a Glazer on 2 kHz sEMG). Bounded; per process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lines: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, session_id: str) -> tuple[str, str] | None:
        with self.lock:
            line = self.lines.get(session_id)
            if line is not None:
                self.lines.move_to_end(session_id)
            return line

    def put(self, session_id: str, line: tuple[str, str]) -> None:
        with self.lock:
            self.lines[session_id] = line
            while len(self.lines) > self.size:
                self.lines.popitem(last=False)


_ASSESSED = _Assessed(CACHE_SIZE)


def load_latest_assessment(
    store: SessionStore, reads: SessionReads, user_id: int, *, tz: dt.tzinfo = dt.UTC
) -> LatestAssessment | None:
    """Her latest completed PERFECT or Glazer session, assessed. One query when that session was assessed before
    in this process; else three more (the session, its events, its trace) and one assessment run. ``None`` when
    she has done neither."""
    latest = reads.latest(user_id, routines=ROUTINES, status="completed")
    if latest is None:
        return None
    protocol = ROUTINE_ASSESSMENT[latest.routine]
    day = latest.created_at.astimezone(tz).date()
    line = _ASSESSED.get(latest.id)
    if line is None:
        record = store.get(latest.id, owner=user_id)
        if record is None:  # deleted meanwhile
            return None
        report = assess_session(store, record, protocol)
        line = (assessment_text(protocol, report.result, report.error), _source(protocol, report.result))
        _ASSESSED.put(latest.id, line)
    return LatestAssessment(protocol, day, line[0], line[1], latest.id)


__all__ = ["ROUTINES", "SHOWN", "LatestAssessment", "assessment_text", "load_latest_assessment"]
