"""A squeeze's size as a % of her strongest: the trainer's stored maximum (its calibration), so she sees herself
getting stronger whatever the trainer's own numbers are; the size in the trainer's unit stays one tap away.

The strongest is her maximum voluntary contraction (MVC) above rest, measured by her first session with the
trainer (the quick check asks for three: Laycock & Jerwood 2001, Physiotherapy 87:631). Trainers' numbers are not
comparable (19.7 vs 36.5 cmH2O in the same 20 women, Bø 2005), so her own maximum is the yardstick
(DESIGN.md, "Units and honesty").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pelvicore.store.repository import DeviceCalibration, SessionRecord

#: The sources a trainer streams from: a session of these measures her on its first use.
TRAINER_SOURCES = ("device", "browser")


@dataclass(frozen=True, slots=True)
class Size:
    """A squeeze's size both ways: as % of her strongest and in the trainer's unit, long and short (a table's)."""

    pct: str
    pct_short: str
    unit: str
    unit_short: str


def strongest_of(summary: Mapping[str, Any] | None) -> tuple[float, str] | None:
    """(mvc, unit) a session's squeezes were measured against: its trainer's strongest above rest when the session
    began, if the trainer was calibrated in the session's own unit; ``None`` otherwise (no % is shown then)."""
    if not summary:
        return None
    mvc, unit = summary.get("mvc"), summary.get("mvc_unit")
    if not isinstance(mvc, int | float) or mvc <= 0 or unit is None or unit != summary.get("unit"):
        return None
    return float(mvc), str(unit)


def percent_text(pct: float, *, whose: str = "your") -> str:
    """``"87 % of your strongest"``, ``"112 % — a new strongest"``; a faint squeeze is "under 1 %", never 0 %."""
    if pct < 0.5:
        return f"under 1 % of {whose} strongest"
    whole = _whole(pct)
    return f"{whole} % — a new strongest" if whole > 100 else f"{whole} % of {whose} strongest"


def _whole(pct: float) -> int:
    """Rounded half up, as the live page rounds (JavaScript's ``Math.round``)."""
    return math.floor(pct + 0.5)


def size_of(peak: float, summary: Mapping[str, Any] | None) -> Size | None:
    """The size of a squeeze ``peak`` above rest (in the session's unit) both ways; ``None`` without a strongest.

    Parameters
    ----------
    peak : float
        Rise above rest, in the session's unit (cmH2O, mmHg or raw counts).
    summary : mapping
        The session's stored summary (``unit``, and ``mvc``, ``mvc_unit`` when its trainer was calibrated).
    """
    strongest = strongest_of(summary)
    if strongest is None:
        return None
    mvc, unit = strongest
    pct = 100.0 * peak / mvc
    short = "under 1 %" if pct < 0.5 else f"{_whole(pct)} %" + (", a new strongest" if _whole(pct) > 100 else "")
    return Size(percent_text(pct), short, f"{peak:.1f} {unit} above rest", f"{peak:.1f}")


def measures_her(record: SessionRecord, devices: Iterable[DeviceCalibration]) -> bool:
    """Whether a running trainer session is her first with this kind of trainer: none of hers is calibrated, so
    this session measures her rest level and her strongest squeeze."""
    if record.source not in TRAINER_SOURCES or record.status != "running":
        return False
    return not any(d.profile == record.profile and d.mvc for d in devices)
