"""An assessment run on a stored session: which one fits its routine, the result, and what needs calibration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pelvicore.assess import run_assessment
from pelvicore.assess.relaxation import HIGH_RESIDUAL_PCT, HIGH_REST_PCT, SLOW_RELEASE_S, RelaxationAssessment
from pelvicore.errors import PelvicoreError
from pelvicore.recordings.model import Recording
from pelvicore.sessions.stored import recording_of, summary_of
from pelvicore.signal.frames import channel_kind
from pelvicore.store.repository import SessionRecord, SessionStore
from pelvicore.training.feedback import honest_summary
from pelvicore.training.plan import AssessmentSummary
from pelvicore.training.progress import longest_target_hold

AssessmentName = Literal["perfect", "glazer", "cough", "relaxation"]
#: Routine -> the assessment its report runs; every other routine gets the relaxation notes.
ROUTINE_ASSESSMENT: dict[str, AssessmentName] = {
    "perfect": "perfect",
    "glazer": "glazer",
    "glazer-2s": "glazer",
    "cough": "cough",
}
TITLES: dict[str, str] = {
    "perfect": "PERFECT (squeeze pressure)",
    "glazer": "Glazer protocol",
    "cough": "Cough test (the Knack)",
    "relaxation": "Relaxation",
}
CALIBRATED_PRESSURE = ("cmH2O", "mmHg", "kPa", "Pa")
#: What each assessment needs from the trainer's unit, said plainly for trainers that report raw numbers.
NEEDS_CALIBRATION: dict[str, str] = {
    "perfect": "PERFECT needs pressure in cmH2O: its power (cmH2O above rest) and the power's class (Angelo 2017) "
    "only mean something in a calibrated unit, and endurance, repetitions and fast contractions are timed against "
    "that power. None of them is shown for a trainer that reports raw numbers.",
    "cough": "The cough test needs pressure in cmH2O: a cough is a spike of at least 15 cmH2O and the floor must "
    "rise at least 3 cmH2O before it, thresholds that a raw number cannot be held against.",
    "glazer": "The published Glazer norms are surface-EMG amplitudes in µV (Oleksy 2020). On pressure pelvicore "
    "shows each phase in the trainer's unit and as % of your maximum, with no norms to compare against.",
    "relaxation": "Release time (s) and what is left of a squeeze after it (% of the squeeze) need no calibration. "
    "The resting level is in the trainer's own unit and cannot be compared with other trainers.",
}


@dataclass(frozen=True, slots=True)
class Report:
    """One assessment of one stored session: the result's JSON, or why it could not be made."""

    protocol: AssessmentName
    result: dict[str, Any] | None
    error: str | None
    units: dict[str, str]
    calibrated: bool
    phases: list[dict[str, object]]

    @property
    def calibration_note(self) -> str | None:
        return None if self.calibrated else NEEDS_CALIBRATION[self.protocol]

    def to_dict(self) -> dict[str, object]:
        return {
            "protocol": self.protocol,
            "title": TITLES[self.protocol],
            "units": self.units,
            "calibrated": self.calibrated,
            "calibration_note": self.calibration_note,
            "phases": self.phases,
            "result": self.result,
            "error": self.error,
        }


def default_assessment(routine: str) -> AssessmentName:
    return ROUTINE_ASSESSMENT.get(routine, "relaxation")


def assessments_for(routine: str) -> list[AssessmentName]:
    """The assessments a session's routine contained: its own test (if any), and the relaxation notes (any)."""
    own = ROUTINE_ASSESSMENT.get(routine)
    return [own, "relaxation"] if own else ["relaxation"]


def plain_problem(report: Report) -> str:
    """Why an assessment could not be made, in words for her (the technical reason goes to the log and the API)."""
    error = report.error or ""
    title = TITLES[report.protocol]
    if "shorter than" in error or "before the routine's end" in error:
        return (
            f"The session ended before the {title} was complete, so it cannot be scored. "
            "Run the whole test again from Assess when you have a few quiet minutes."
        )
    if "too slow" in error:
        return f"This trainer sends too few samples a second for the {title}."
    if "needs a" in error or "no channel" in error:
        return f"This trainer does not record the signal the {title} needs."
    return f"The {title} could not be scored from this recording."


def is_calibrated(units: dict[str, str]) -> bool:
    """Does the session's pelvic-floor channel carry a calibrated unit (cmH2O or another pressure, or µV)?"""
    unit = units.get("floor") or units.get("emg") or next(iter(units.values()), "raw")
    return unit in (*CALIBRATED_PRESSURE, "uV", "mV")


def _channel(rec: Recording, protocol: AssessmentName) -> str | None:
    """Glazer runs on surface EMG when there is some, else its pressure variant on the floor channel."""
    if protocol != "glazer" or any(channel_kind(n, u) == "emg" for n, u in rec.units.items()):
        return None
    return "floor" if "floor" in rec.units else next(iter(rec.units))


def phases_of(rec: Recording) -> list[dict[str, object]]:
    """The session's cues (s from the first sample), for the report's chart."""
    cues = []
    for a in rec.annotations:
        words = a.text.split()
        if len(words) == 3 and words[0] == "cue":
            cues.append({"action": words[1], "kind": words[2], "start_s": round(a.onset_s, 3)})
            cues[-1]["end_s"] = round(a.onset_s + a.duration_s, 3)
    return cues


def assess_session(store: SessionStore, record: SessionRecord, protocol: AssessmentName) -> Report:
    """Run ``protocol`` on the stored session; a problem with the recording becomes the report's ``error``."""
    units = dict(record.units)
    calibrated = is_calibrated(units)
    if protocol != "relaxation" and record.status != "completed":
        # A test cut short would be scored on part of its steps: its numbers would not mean what they say.
        return Report(
            protocol, None, f"the session was {record.status} before the routine's end", units, calibrated, []
        )
    if not calibrated and protocol in ("perfect", "cough"):
        return Report(protocol, None, NEEDS_CALIBRATION[protocol], units, False, [])
    try:
        rec = recording_of(store, record)
    except PelvicoreError as exc:
        return Report(protocol, None, str(exc), units, calibrated, [])
    phases = phases_of(rec)
    try:
        result = run_assessment(rec, protocol, channel=_channel(rec, protocol)).to_dict()
    except PelvicoreError as exc:
        return Report(protocol, None, str(exc), units, calibrated, phases)
    return Report(protocol, result, None, units, calibrated, phases)


def relaxation_flags(result: RelaxationAssessment) -> tuple[bool, bool]:
    """(resting tone high, release slow) by the relaxation assessment's own screening thresholds."""
    high_rest = HIGH_REST_PCT[result.kind]
    tone_high = result.rest_pct_of_max is not None and high_rest is not None and result.rest_pct_of_max > high_rest
    slow = (
        (result.release_s is not None and result.release_s > SLOW_RELEASE_S[result.kind])
        or (bool(result.releases) and result.incomplete > len(result.releases) / 2)
        or (result.residual_pct is not None and result.residual_pct > HIGH_RESIDUAL_PCT)
    )
    return tone_high, slow


def plan_inputs(store: SessionStore, record: SessionRecord) -> AssessmentSummary:
    """What a plan needs from an assessment session: PERFECT's power and fast contractions when the pressure is
    calibrated, else the live summary's strongest squeeze in the trainer's unit; the longest hold at >= 75 % of
    the strongest squeeze; the relaxation flags and the share of squeezes that lifted. ``PelvicoreError`` when the
    session cannot give them."""
    rec = recording_of(store, record)
    tone_high, slow = relaxation_flags(run_assessment(rec, "relaxation"))  # type: ignore[arg-type]
    summary = honest_summary(record) or {}  # a single-zone trainer's session has no lift %, never 0 %
    lift = summary.get("lift_pct")
    hold_s = longest_target_hold(summary_of(record))
    if is_calibrated(dict(record.units)) and "floor" in record.units:
        perfect = run_assessment(rec, "perfect").to_dict()
        if perfect.get("power_cmh2o") is not None:
            # The plan's hold is at >= 75 % of the maximum, stricter than PERFECT's endurance (>= 50 % of power).
            hold = perfect["endurance_s"] if hold_s is None else hold_s
            data = perfect | {"endurance_s": hold, "resting_tone_high": tone_high, "release_slow": slow}
            return AssessmentSummary.from_perfect(data | {"lift_pct": lift})
    base = AssessmentSummary.from_session_summary(summary)
    hold = base.longest_hold_s if hold_s is None else hold_s
    return AssessmentSummary(base.max_squeeze, min(hold, 600.0), None, base.max_unit, tone_high, slow, base.lift_pct)
