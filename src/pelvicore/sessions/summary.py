"""A live session's summary: what is stored with its end and shown on its pages."""

from __future__ import annotations

from typing import Any

from pelvicore.sessions.fanout import Message
from pelvicore.signal.pipeline import Pipeline
from pelvicore.store.repository import DeviceCalibration


def session_summary(
    contractions: list[Message], pipeline: Pipeline, reached_s: float, calibration: DeviceCalibration | None
) -> dict[str, Any]:
    """Counts and bests over every contraction of the session (a resumed one included).

    ``lift_pct`` is of the contractions whose technique was measured: ``None`` on a single-zone trainer
    (``technique_measured`` false), which cannot tell lifting from pushing. ``elapsed_s`` is the routine time
    reached (``reached_s``), sensor gaps left out. ``mvc`` and ``mvc_unit``, only when the trainer was calibrated
    (``calibration``): its strongest squeeze above rest as stored when the session began, which her squeezes were
    shown as % of.
    """
    cal = pipeline.calibration
    known = [c["technique"] for c in contractions if c["technique"] != "unknown"]
    summary: dict[str, Any] = {
        "count": len(contractions),
        "unit": pipeline.unit,
        "max_peak": round(max((c["peak"] for c in contractions), default=0.0), 2),
        "longest_hold_s": round(max((c["hold_s"] for c in contractions), default=0.0), 2),
        "technique_measured": pipeline.reference is not None,
        "lift_pct": round(100 * known.count("lift") / len(known), 1) if known else None,
        "pushes": known.count("push"),
        "rest_level": None if cal is None else round(cal.rest, 2),
        "elapsed_s": round(reached_s, 1),
    }
    if calibration is not None and calibration.mvc:
        summary |= {"mvc": round(calibration.mvc, 2), "mvc_unit": calibration.unit}
    return summary
