"""What the end of a session tells her: what happened, then one true and kind sentence on her numbers.

``end_feedback`` is the one judgement; ``session_feedback`` feeds it a session as the runner holds it, and
``stored_feedback`` a stored one.
Its rules, each with its source:

- Lifting or pushing: Perifit's two-zone rule (``signal/technique.py``; facts/devices.md). When most squeezes
  pushed down, nothing is praised. The advice to lift gently and breathe out: exhale during the contraction, do
  not hold the breath (Perifit help centre; facts/clinical.md, "Breathing").
- Strength: Angelo et al. 2017's classes of the strongest squeeze above rest (``assess/norms.py``), only where
  the pressure is calibrated (cmH2O, mmHg); raw counts of a consumer trainer cannot be classed.
- Holds: a hold meets its target when it stays at >= 75 % of its peak for the time asked, less
  ``HOLD_ALLOWANCE_S`` for the rise and the letting go (pelvicore's plan rule, ``training/sessions.py``).
- The next step for weak squeezes: at least 8 contractions, 3 times a day (NICE CG171; facts/clinical.md).
- Single-zone trainers (one pressure, no abdominal zone) cannot tell lifting from pushing: that is said, never
  shown as 0 %.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pelvicore.assess.norms import power_class
from pelvicore.signal.frames import TO_CMH2O
from pelvicore.signal.pipeline import abdominal_reference
from pelvicore.store.models import EndStatus
from pelvicore.store.repository import SessionRecord
from pelvicore.training.protocols import Step
from pelvicore.training.sessions import HOLD_ALLOWANCE_S, HOLD_KINDS, RepSummary, cue_answered

Tone = Literal["praise", "advice", "warning", "neutral"]

#: What she reads where a single-zone trainer cannot tell lifting from pushing.
NOT_MEASURED = "lift or push: not measured on this trainer"
LIFT_ADVICE = "lift and squeeze gently, as if stopping wind, and breathe out"


@dataclass(frozen=True, slots=True)
class EndFeedback:
    """What a finished session says: ``outcome`` (what happened), ``message`` (what went well and what to work
    on) and its ``tone``: ``praise``, ``advice``, ``warning`` (never praise), or ``neutral``."""

    status: EndStatus
    outcome: str
    message: str
    tone: Tone

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _outcome(status: EndStatus, elapsed_s: float | None, reason: str | None) -> str:
    why = f": {reason}" if reason else ""
    if status == "completed":
        return "Session complete."
    if status == "stopped":
        after = f" after {elapsed_s:.0f} s" if elapsed_s is not None else ""
        return f"You stopped the session{after}; what was recorded is kept."
    if status == "interrupted":
        return f"The session was cut short{why}; what was recorded is kept."
    return f"Something went wrong and the session ended{why}. What was recorded is kept."


def end_feedback(
    status: EndStatus,
    contractions: Sequence[RepSummary],
    *,
    unit: str,
    technique_measured: bool,
    target_hold_s: float | None = None,
    elapsed_s: float | None = None,
    reason: str | None = None,
) -> EndFeedback:
    """Judge a finished session from her numbers.

    Parameters
    ----------
    status : {"completed", "stopped", "interrupted", "failed"}
        How the session ended; ``reason`` says why it was interrupted or failed.
    contractions : sequence of RepSummary
        Every contraction: peak above rest in ``unit``, hold time (s at >= 75 % of its peak), technique, and the
        kind of cue it answered (``cough`` ones are not squeezes).
    technique_measured : bool
        Whether the trainer has an abdominal zone to tell lifting from pushing.
    target_hold_s : float, optional
        The longest hold the routine asked for before it ended, s; ``None`` when it asked for none.
    elapsed_s : float, optional
        Routine time reached, s (for a stopped session).
    """
    outcome = _outcome(status, elapsed_s, reason)

    def said(message: str, tone: Tone) -> EndFeedback:
        return EndFeedback(status, outcome, message, tone)

    squeezes = [c for c in contractions if c.kind != "cough"]
    if not contractions:
        return said(
            f"No contractions were found in what was recorded — if you squeezed, check that the trainer sits in "
            f"place, then {LIFT_ADVICE}.",
            "neutral",
        )
    if not squeezes:
        n = len(contractions)
        return said(f"{n} cough{'s' if n != 1 else ''} recorded: the assessment report shows how you held.", "neutral")
    known = [c.technique for c in squeezes if c.technique != "unknown"] if technique_measured else []
    pushes, lifts = known.count("push"), known.count("lift")
    if known and pushes > len(known) / 2:
        return said(
            f"Most squeezes pushed down instead of lifting ({pushes} of {len(known)}) — next time, {LIFT_ADVICE}.",
            "warning",
        )
    strength = None
    if unit in TO_CMH2O:
        best_cmh2o = max(c.peak for c in squeezes) * TO_CMH2O[unit]
        strength = power_class(best_cmh2o) or "not measurable"
        if strength in ("not measurable", "very weak"):
            return said(
                f"Your squeezes were {'very weak' if strength == 'very weak' else 'faint'} (strongest "
                f"{best_cmh2o:.0f} cmH2O above rest) — next step: at least 8 gentle squeezes, 3 times a day; "
                "strength comes with weeks of practice.",
                "advice",
            )
    holds = [c.hold_s for c in squeezes if c.kind in HOLD_KINDS]
    if target_hold_s is not None and max(holds, default=0.0) < target_hold_s - HOLD_ALLOWANCE_S:
        held = (
            f"Your longest hold was {max(holds):.0f} s of the {target_hold_s:g} s asked"
            if holds
            else f"No squeeze was found during the {target_hold_s:g} s hold"
        )
        return said(
            f"{held} — next step: keep the squeeze for the whole count, gently if need be, and breathe out.", "advice"
        )
    if known and lifts < len(known) / 2:
        return said(
            f"{len(known) - lifts} of {len(known)} squeezes used the tummy too — next time, keep the tummy soft, "
            f"{LIFT_ADVICE}.",
            "advice",
        )
    if strength == "weak":
        return said(
            "Steady squeezes, still in the weak range — next step: at least 8 squeezes, 3 times a day, each a "
            "little stronger.",
            "advice",
        )
    held = f", held for the {target_hold_s:g} s asked" if target_hold_s is not None else ""
    if known:
        pushed = f" ({pushes} pushed down: keep lifting)" if pushes else ""
        return said(f"Good lifts: {lifts} of {len(known)} squeezes lifted{held}{pushed} — well done.", "praise")
    return said(f"Good, steady squeezes{held} — well done ({NOT_MEASURED}).", "praise")


def session_feedback(
    status: EndStatus,
    contractions: Sequence[Mapping[str, Any]],
    cues: Sequence[Mapping[str, Any]],
    *,
    units: Mapping[str, str],
    summary: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> EndFeedback:
    """``end_feedback`` of a session as the runner and the store hold it: contraction messages (``onset_s``,
    ``peak``, ``hold_s``, ``technique``), the cues it gave (``t_s``, ``action``, ``step``, ``duration_s``), its
    channels' units and its summary (``unit``, ``elapsed_s``)."""
    given = [
        (float(c["t_s"]), Step(c["action"], float(c["duration_s"]), str(c["step"])))
        for c in cues
        if c.get("action") in ("squeeze", "cough") and c.get("duration_s") is not None
    ]
    reps = [
        RepSummary(float(c["peak"]), float(c["hold_s"]), c["technique"], cue_answered(float(c["onset_s"]), given))
        for c in contractions
    ]
    targets = [step.duration_s for _, step in given if step.kind in HOLD_KINDS]
    summary = summary or {}
    elapsed = summary.get("elapsed_s")
    return end_feedback(
        status,
        reps,
        unit=str(summary.get("unit") or next(iter(units.values()), "raw")),
        technique_measured=abdominal_reference(units) is not None,
        target_hold_s=max(targets, default=None),
        elapsed_s=float(elapsed) if isinstance(elapsed, int | float) else None,
        reason=reason,
    )


def stored_feedback(record: SessionRecord) -> EndFeedback | None:
    """``session_feedback`` of a stored session; ``None`` while it runs."""
    if record.status == "running":
        return None
    return session_feedback(
        record.status,
        record.contractions,
        record.cues,
        units=record.units,
        summary=record.summary,
        reason=record.end_reason,
    )


def technique_measured(record: SessionRecord) -> bool:
    """Whether the session's trainer could tell lifting from pushing: it has an abdominal zone."""
    return abdominal_reference(record.units) is not None


def honest_summary(record: SessionRecord) -> dict[str, Any] | None:
    """The stored summary, with ``technique_measured``; where the trainer could not tell lifting from pushing,
    ``lift_pct`` is ``None`` (sessions stored before this rule say 0 % there)."""
    if record.summary is None:
        return None
    measured = technique_measured(record)
    lift_pct = record.summary.get("lift_pct") if measured else None
    return record.summary | {"technique_measured": measured, "lift_pct": lift_pct}
