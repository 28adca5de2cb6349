"""Progress week by week: strength, endurance, technique, relaxation and adherence from training sessions.

The measures follow the plan's own (``sessions.py``): a session's strength is its strongest voluntary squeeze
above rest; a hold counts towards endurance when it reached >= 75 % of the session's strongest squeeze (its time
is the analysis' time at >= 75 % of the contraction's peak); technique is the share of two-zone readings that
lifted; relaxation is the release time (90 -> 10 %) and what is left of a squeeze 2-3 s after it let go.
Weeks are the plan's (``training.weeks``: 7 days from its start date, so a week here counts the same sessions as
the programme's week); without a plan they start on Monday.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from pelvicore.training.sessions import SQUEEZE_KINDS, TARGET_LEVEL, RepSummary, SessionSummary
from pelvicore.training.weeks import MONDAYS, week_start


@dataclass(frozen=True, slots=True)
class SessionPoint:
    """One finished session as progress sees it: its summary (contractions labelled by cue) and its unit."""

    summary: SessionSummary
    unit: str
    plan: bool = False


@dataclass(frozen=True, slots=True)
class WeekProgress:
    """One week from ``week_start`` (``weekly_progress``); a measure is ``None`` when nothing in the week measured it.

    ``strength`` is the week's best squeeze above rest in ``unit``; ``endurance_s`` the longest hold at >= 75 % of
    its session's strongest squeeze; ``lift_pct`` the % of two-zone readings that lifted (``technique_counted``
    of them); ``release_s`` and ``residual_pct`` medians over the week's squeezes; ``sessions`` every finished
    session, ``plan_sessions`` those of the plan, ``planned`` the plan's sessions for a week.
    """

    week_start: date
    sessions: int
    plan_sessions: int
    planned: int | None
    unit: str
    strength: float | None
    endurance_s: float | None
    lift_pct: float | None
    technique_counted: int
    release_s: float | None
    residual_pct: float | None

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["week_start"] = self.week_start.isoformat()
        return d


def _squeezes(s: SessionSummary) -> list[RepSummary]:
    return [c for c in s.contractions if c.kind is None or c.kind in SQUEEZE_KINDS]


def longest_target_hold(s: SessionSummary) -> float | None:
    """The session's longest hold among squeezes that reached >= 75 % of its strongest squeeze, s."""
    best = s.best_peak()
    holds = [c.hold_s for c in _squeezes(s) if best > 0 and c.peak >= TARGET_LEVEL * best]
    return max(holds) if holds else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def main_unit(points: Iterable[SessionPoint]) -> str:
    """The unit most sessions were measured in (ties: cmH2O first); strength is charted in it."""
    counts: dict[str, int] = {}
    for p in points:
        counts[p.unit] = counts.get(p.unit, 0) + 1
    if not counts:
        return "cmH2O"
    return max(counts, key=lambda u: (counts[u], u == "cmH2O"))


def weekly_progress(
    points: Iterable[SessionPoint],
    *,
    planned: int | None = None,
    plan_start: date | None = None,
    until: date | None = None,
) -> list[WeekProgress]:
    """Every week from the first session's to ``until``'s (default the last session's), empty weeks included.

    The weeks are 7 days from ``plan_start`` (and before it, 7 days back from it), as the plan's weeks are;
    without a plan they start on Monday. Strength and the relaxation levels use the sessions in the main unit
    only (``main_unit``): numbers in two units cannot share a chart. ``planned`` applies from ``plan_start``.
    """
    points = sorted(points, key=lambda p: p.summary.day)
    if not points:
        return []
    unit = main_unit(points)
    anchor = plan_start or MONDAYS
    first = week_start(points[0].summary.day, anchor=anchor)
    last = week_start(max(until or points[-1].summary.day, points[-1].summary.day), anchor=anchor)
    by_week: dict[date, list[SessionPoint]] = {}
    for p in points:
        by_week.setdefault(week_start(p.summary.day, anchor=anchor), []).append(p)
    weeks = []
    week = first
    while week <= last:
        weeks.append(_week(week, by_week.get(week, []), unit, planned, plan_start))
        week += timedelta(days=7)
    return weeks


def _week(
    start: date, points: list[SessionPoint], unit: str, planned: int | None, plan_start: date | None
) -> WeekProgress:
    strength: list[float] = []
    holds: list[float] = []
    techniques: list[str] = []
    releases: list[float] = []
    residuals: list[float] = []
    for p in points:
        squeezes = _squeezes(p.summary)
        best = p.summary.best_peak()
        if p.unit == unit and squeezes:
            strength.append(best)
        hold = longest_target_hold(p.summary)
        if hold is not None:
            holds.append(hold)
        techniques += [c.technique for c in squeezes if c.technique != "unknown"]
        releases += [c.release_s for c in squeezes if c.release_s is not None]
        residuals += [c.residual_pct for c in squeezes if c.residual_pct is not None]
    lifts = sum(t == "lift" for t in techniques)
    in_plan = plan_start is not None and planned is not None and start >= plan_start
    return WeekProgress(
        week_start=start,
        sessions=len(points),
        plan_sessions=sum(p.plan for p in points),
        planned=planned if in_plan else None,
        unit=unit,
        strength=round(max(strength), 2) if strength else None,
        endurance_s=round(max(holds), 2) if holds else None,
        lift_pct=round(100.0 * lifts / len(techniques), 1) if techniques else None,
        technique_counted=len(techniques),
        release_s=_median(releases),
        residual_pct=_median(residuals),
    )
