"""Insight — does training work for her? Weekly diary and training, and an honest estimate with its uncertainty.

Each week (Monday to Sunday) gets her mean pain, leaks a day and PEG-3 from the diary, and her sessions and
strongest squeeze from training. The question "does my pain follow my training?" is answered by ordinary least
squares over her last :data:`WINDOW_WEEKS` weeks::

    weekly mean pain = a + b x sessions in the week before + c x week number

``b`` is the change in pain per extra session in the previous week (lagged one week, so training comes before the
pain it might change), and its 95 % confidence interval comes from the t distribution with n - 3 degrees of freedom.
The week-number term absorbs a steady drift — pain easing with time while training tails off would otherwise look
like training making pain worse (or better). A claim is made only when the interval excludes zero, and even then
in words of association, never of cause. Leaking and function are secondary questions: their intervals are
97.5 % each (Bonferroni), so that all the claims together stay false no more often than the main one's 5 %.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from pelvicore.care.diary import DiaryEntry
from pelvicore.care.training_log import TrainingSession

Outcome = Literal["pain", "leaking", "function"]
Status = Literal["not_enough_data", "no_variation", "no_clear_relation", "lower", "higher"]

MIN_WEEKS = 6  # fewer than 6 weeks leave 3 degrees of freedom or less: t(0.975) above 3.2, uselessly wide
WINDOW_WEEKS = 12  # about NICE's 12-week training course; a straight-line drift is plausible over that span
CONFIDENCE = 0.95
SECONDARY_CONFIDENCE = 1 - (1 - CONFIDENCE) / 2  # two secondary outcomes share the 5 % (Bonferroni)

_OUTCOMES: dict[Outcome, tuple[str, str, str, str]] = {  # outcome -> (what it is, unit, less, more)
    "pain": ("pain", "points (0-10)", "lower", "higher"),
    "leaking": ("leaking", "leaks a day", "fewer", "more"),
    "function": ("PEG-3 score (pain and how much it gets in the way)", "points (0-10)", "lower", "higher"),
}
_NOT_PROOF = "This is a pattern in your own records, not proof that training caused it."


@dataclass(frozen=True, slots=True)
class WeekSummary:
    """One Monday-to-Sunday week: diary means (``None`` without entries) and training (``None`` before it began)."""

    week_start: dt.date
    diary_days: int
    pain: float | None
    leaking: float | None
    function: float | None
    sessions: int | None
    max_squeeze: float | None
    unit: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "week_start": self.week_start.isoformat(),
            "diary_days": self.diary_days,
            "pain": _round(self.pain),
            "leaking": _round(self.leaking),
            "function": _round(self.function),
            "sessions": self.sessions,
            "max_squeeze": _round(self.max_squeeze),
            "unit": self.unit,
        }


@dataclass(frozen=True, slots=True)
class Estimate:
    """One question's answer: the slope with its confidence interval, a status, and the plain-words sentence."""

    outcome: str
    predictor: str
    status: Status
    n_weeks: int
    slope: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float
    unit: str
    text: str

    @property
    def claim(self) -> bool:
        """True only when the interval excludes zero."""
        return self.status in ("lower", "higher")

    def to_dict(self) -> dict[str, object]:
        return {
            "outcome": self.outcome,
            "predictor": self.predictor,
            "status": self.status,
            "claim": self.claim,
            "n_weeks": self.n_weeks,
            "slope": _round(self.slope, 3),
            "ci_low": _round(self.ci_low, 3),
            "ci_high": _round(self.ci_high, 3),
            "confidence": self.confidence,
            "unit": self.unit,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Insight:
    """The weekly series and the estimates: pain (the main question), leaking, function, and strength over time."""

    weeks: tuple[WeekSummary, ...]
    pain: Estimate
    leaking: Estimate
    function: Estimate
    strength: Estimate
    method: str

    def to_dict(self) -> dict[str, object]:
        return {
            "weeks": [w.to_dict() for w in self.weeks],
            "pain": self.pain.to_dict(),
            "leaking": self.leaking.to_dict(),
            "function": self.function.to_dict(),
            "strength": self.strength.to_dict(),
            "method": self.method,
        }


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def weekly(entries: Iterable[DiaryEntry], sessions: Iterable[TrainingSession]) -> tuple[WeekSummary, ...]:
    """Every week from the first diary entry or session to the last, with diary means and training.

    Sessions count from the week of the first recorded session: a later week without any counts 0, since
    pelvicore records every session. The strongest squeeze of a week is taken in the unit of her latest
    measured session, so weeks stay comparable.
    """
    entries, sessions = list(entries), list(sessions)
    days = [e.date for e in entries] + [s.date for s in sessions]
    if not days:
        return ()
    first, last = week_start(min(days)), week_start(max(days))
    measured = sorted((s for s in sessions if s.max_squeeze is not None), key=lambda s: s.date)
    unit = measured[-1].unit if measured else None
    training_from = week_start(min(s.date for s in sessions)) if sessions else None
    by_week_entries: dict[dt.date, list[DiaryEntry]] = {}
    by_week_sessions: dict[dt.date, list[TrainingSession]] = {}
    for e in entries:
        by_week_entries.setdefault(week_start(e.date), []).append(e)
    for s in sessions:
        by_week_sessions.setdefault(week_start(s.date), []).append(s)
    weeks = []
    for k in range((last - first).days // 7 + 1):
        start = first + dt.timedelta(weeks=k)
        week_entries = by_week_entries.get(start, [])
        week_sessions = by_week_sessions.get(start, [])
        squeezes = [s.max_squeeze for s in week_sessions if s.max_squeeze is not None and s.unit == unit]
        weeks.append(
            WeekSummary(
                week_start=start,
                diary_days=len(week_entries),
                pain=_mean(e.pain for e in week_entries),
                leaking=_mean(e.leaking_episodes for e in week_entries),
                function=_mean(sum(e.peg) / 3 if e.peg else None for e in week_entries),
                sessions=None if training_from is None or start < training_from else len(week_sessions),
                max_squeeze=max(squeezes) if squeezes else None,
                unit=unit if squeezes else None,
            )
        )
    return tuple(weeks)


def training_relation(
    weeks: Sequence[WeekSummary],
    outcome: Outcome,
    *,
    confidence: float = CONFIDENCE,
    min_weeks: int = MIN_WEEKS,
    window_weeks: int = WINDOW_WEEKS,
) -> Estimate:
    """Estimate how ``outcome`` in a week follows the number of sessions in the week before.

    Weeks count when they have the outcome from the diary and training data for the week before; the last
    ``window_weeks`` of them are used. See the module docstring for the model.
    """
    noun, unit, less, more = _OUTCOMES[outcome]
    per_session = f"{unit} per extra session in the week before"
    pairs = [
        (k, value, weeks[k - 1].sessions)
        for k in range(1, len(weeks))
        if (value := getattr(weeks[k], outcome)) is not None and weeks[k - 1].sessions is not None
    ][-window_weeks:]
    n = len(pairs)
    pct = f"{100 * confidence:g}%"

    def result(status: Status, text: str, fit: tuple[float, float, float] | None = None) -> Estimate:
        slope, low, high = fit if fit else (None, None, None)
        return Estimate(outcome, "sessions_previous_week", status, n, slope, low, high, confidence, per_session, text)

    if n < min_weeks:
        return result(
            "not_enough_data",
            f"Not enough data yet: {n} of the {min_weeks} weeks needed with your {noun} in the diary and training "
            f"recorded the week before. The estimate appears at {min_weeks} weeks.",
        )
    k, y, x = (np.array(column, dtype=float) for column in zip(*pairs, strict=True))
    if np.ptp(y) == 0:
        return result(
            "no_variation",
            f"Your {noun} has been the same every week, so there is nothing yet to relate to your training.",
        )
    fit = ols_slope_ci(y, x, k, confidence=confidence)
    if fit is None:
        return result(
            "no_variation",
            f"Your training has not varied enough, or changed in step with time, so its relation to your {noun} "
            "cannot be told apart yet. Weeks with more and with fewer sessions are needed.",
        )
    slope, low, high = fit
    if low <= 0 <= high:
        return result(
            "no_clear_relation",
            f"No clear relation yet between your training and your {noun}: the best estimate is {slope:+.2f} "
            f"{per_session}, but anything from {low:+.2f} to {high:+.2f} fits your last {n} weeks ({pct} "
            "interval), including no relation at all.",
            fit,
        )
    lower = high < 0
    size, near, far = abs(slope), min(abs(low), abs(high)), max(abs(low), abs(high))
    text = (
        f"In weeks after you trained more, your {noun} was {'lower' if lower else 'higher'}: about {size:.2f} "
        f"{unit.split(' (')[0]} {less if lower else more} for each extra session in the week before ({pct} interval "
        f"{near:.2f} to {far:.2f}), over your last {n} weeks, allowing for any steady change over time. {_NOT_PROOF}"
    )
    if not lower:
        text += " If training seems to bring this on, tell your physiotherapist or clinician."
    return result("lower" if lower else "higher", text, fit)


def strength_trend(
    weeks: Sequence[WeekSummary],
    *,
    confidence: float = CONFIDENCE,
    min_weeks: int = MIN_WEEKS,
    window_weeks: int = WINDOW_WEEKS,
) -> Estimate:
    """Estimate the weekly change of her strongest squeeze (OLS on the week number, t interval, n - 2 df)."""
    points = [(k, w.max_squeeze) for k, w in enumerate(weeks) if w.max_squeeze is not None][-window_weeks:]
    unit = next((w.unit for w in reversed(weeks) if w.unit), None) or "raw"
    n, pct = len(points), f"{100 * confidence:g}%"

    def result(status: Status, text: str, fit: tuple[float, float, float] | None = None) -> Estimate:
        slope, low, high = fit if fit else (None, None, None)
        return Estimate("strength", "week", status, n, slope, low, high, confidence, f"{unit} a week", text)

    if n < min_weeks:
        return result(
            "not_enough_data",
            f"Not enough data yet: {n} of the {min_weeks} weeks needed with a measured squeeze.",
        )
    k, y = (np.array(column, dtype=float) for column in zip(*points, strict=True))
    fit = ols_slope_ci(y, k, None, confidence=confidence)
    if fit is None:  # cannot happen with distinct weeks, kept for safety
        return result("no_variation", "Your squeezes cannot be compared over time yet.")
    slope, low, high = fit
    if low <= 0 <= high:
        return result(
            "no_clear_relation",
            f"No clear change in your strongest squeeze yet: {slope:+.1f} {unit} a week, but anything from "
            f"{low:+.1f} to {high:+.1f} fits your last {n} weeks ({pct} interval).",
            fit,
        )
    rising = low > 0
    return result(
        "higher" if rising else "lower",
        f"Your strongest squeeze {'rose' if rising else 'fell'} by about {abs(slope):.1f} {unit} a week ({pct} "
        f"interval {min(abs(low), abs(high)):.1f} to {max(abs(low), abs(high)):.1f}) over your last {n} weeks.",
        fit,
    )


def build_insight(entries: Iterable[DiaryEntry], sessions: Iterable[TrainingSession]) -> Insight:
    """Weekly series and every estimate: pain at 95 %, leaking and function at 97.5 %, strength at 95 %."""
    weeks = weekly(entries, sessions)
    return Insight(
        weeks=weeks,
        pain=training_relation(weeks, "pain"),
        leaking=training_relation(weeks, "leaking", confidence=SECONDARY_CONFIDENCE),
        function=training_relation(weeks, "function", confidence=SECONDARY_CONFIDENCE),
        strength=strength_trend(weeks),
        method=(
            f"Ordinary least squares over your last {WINDOW_WEEKS} weeks at most: weekly mean = a + b x sessions in "
            f"the week before + c x week number. b's confidence interval uses the t distribution; a relation is "
            f"named only when it excludes zero, and only from {MIN_WEEKS} weeks of data. Pain is the main question "
            "(95%); leaking and function are extra questions (97.5% each)."
        ),
    )


def ols_slope_ci(
    y: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    trend: npt.NDArray[np.float64] | None,
    *,
    confidence: float,
) -> tuple[float, float, float] | None:
    """Least-squares slope of ``y`` on ``x`` (with an intercept, and ``trend`` as a covariate when given).

    Parameters
    ----------
    y, x, trend : ndarray, shape (n,)
        Outcome, predictor, and an optional second covariate (the week number).
    confidence : float
        Coverage of the two-sided interval, e.g. 0.95.

    Returns
    -------
    (slope, low, high) or None
        ``None`` when the design is singular (``x`` constant, or a straight function of ``trend``) or leaves
        no degree of freedom. The interval is slope ± t(df) x standard error, df = n - number of coefficients.
    """
    from scipy import stats  # scipy.stats costs start-up time; only the insight needs it

    columns = [np.ones_like(y), x] if trend is None else [np.ones_like(y), x, trend]
    design = np.column_stack(columns)
    n, p = design.shape
    # Rank on centred, scaled columns: raw week numbers and session counts differ in scale.
    scaled = design[:, 1:] - design[:, 1:].mean(axis=0)
    norms = np.linalg.norm(scaled, axis=0)
    if n <= p or np.any(norms == 0) or np.linalg.matrix_rank(scaled / norms) < p - 1:
        return None
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    df = n - p
    variance = float(residual @ residual) / df
    cov = variance * np.linalg.inv(design.T @ design)
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * float(np.sqrt(cov[1, 1]))
    slope = float(coef[1])
    return slope, slope - half, slope + half


def _mean(values: Iterable[float | int | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


__all__ = [
    "CONFIDENCE",
    "MIN_WEEKS",
    "SECONDARY_CONFIDENCE",
    "WINDOW_WEEKS",
    "Estimate",
    "Insight",
    "Outcome",
    "Status",
    "WeekSummary",
    "build_insight",
    "ols_slope_ci",
    "strength_trend",
    "training_relation",
    "week_start",
    "weekly",
]
