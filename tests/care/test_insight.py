"""Insight: weekly aggregation, the lagged regression against a naive reference, and simulated histories that
prove both halves of honesty — a real effect is found with the right sign, and no effect gives a claim no more
often than the nominal 5 %."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from pelvicore.care.diary import DiaryEntry
from pelvicore.care.insight import (
    MIN_WEEKS,
    SECONDARY_CONFIDENCE,
    WINDOW_WEEKS,
    build_insight,
    ols_slope_ci,
    strength_trend,
    training_relation,
    week_start,
    weekly,
)
from pelvicore.care.training_log import TrainingSession

MONDAY = dt.date(2025, 1, 6)
SEEDS = 500


def simulate(
    seed: int, *, effect: float, n_weeks: int = 16, drift: bool = False
) -> tuple[list[DiaryEntry], list[TrainingSession]]:
    """A person's diary and training: pain each day = level + effect x last week's sessions + noise.

    Sessions per week are random (0-7) — or, with ``drift``, tail off over the weeks while her pain also eases
    with time, independently of training (a confounded history with no effect of training at all).
    """
    rng = np.random.default_rng(seed)
    weeks = np.arange(n_weeks + 1)
    if drift:
        sessions = np.clip(np.round(7 - 6 * weeks / n_weeks + rng.normal(0, 1.5, weeks.size)), 0, 7).astype(int)
        level = 6.5 - 2.0 * weeks / n_weeks
    else:
        sessions = rng.integers(0, 8, weeks.size)
        level = np.full(weeks.size, 6.0)
    training = []
    for w in weeks:
        for d in rng.choice(7, size=sessions[w], replace=False):
            day = MONDAY + dt.timedelta(weeks=int(w), days=int(d))
            training.append(TrainingSession(day, float(20 + w + rng.normal(0, 2)), "cmH2O"))
    diary = []
    for w in weeks[1:]:
        week_level = level[w] + effect * sessions[w - 1] + rng.normal(0, 0.5)
        for d in range(7):
            pain = int(np.clip(np.round(week_level + rng.normal(0, 1.0)), 0, 10))
            diary.append(DiaryEntry(MONDAY + dt.timedelta(weeks=int(w), days=d), pain=pain, leaking_episodes=1))
    return diary, training


# --- weekly aggregation ----------------------------------------------------------------------------------------


def test_weeks_run_monday_to_sunday() -> None:
    assert week_start(dt.date(2025, 1, 12)) == MONDAY  # a Sunday
    assert week_start(MONDAY) == MONDAY


def test_weekly_means_sessions_and_strongest_squeeze() -> None:
    diary = [
        DiaryEntry(MONDAY, pain=4, peg=(3, 3, 3), leaking_episodes=2),
        DiaryEntry(MONDAY + dt.timedelta(days=2), pain=6, leaking_episodes=0),
        DiaryEntry(MONDAY + dt.timedelta(days=15), pain=2),
    ]
    training = [
        TrainingSession(MONDAY + dt.timedelta(days=1), 20.0, "raw"),  # another unit: not compared
        TrainingSession(MONDAY + dt.timedelta(days=3), 25.0, "cmH2O"),
        TrainingSession(MONDAY + dt.timedelta(days=4), 27.5, "cmH2O"),
        TrainingSession(MONDAY + dt.timedelta(days=22)),
    ]
    weeks = weekly(diary, training)
    assert [w.week_start for w in weeks] == [MONDAY + dt.timedelta(weeks=k) for k in range(4)]
    first, second, third, fourth = weeks
    assert (first.diary_days, first.pain, first.leaking, first.function) == (2, 5.0, 1.0, 3.0)
    assert (first.sessions, first.max_squeeze, first.unit) == (3, 27.5, "cmH2O")
    assert (second.diary_days, second.pain, second.sessions, second.max_squeeze) == (0, None, 0, None)
    assert (third.pain, third.sessions) == (2.0, 0)
    assert fourth.sessions == 1
    assert weekly([], []) == ()


def test_weeks_before_training_began_have_no_session_count() -> None:
    diary = [DiaryEntry(MONDAY, pain=3)]
    weeks = weekly(diary, [TrainingSession(MONDAY + dt.timedelta(weeks=1))])
    assert weeks[0].sessions is None and weeks[1].sessions == 1


# --- the regression --------------------------------------------------------------------------------------------


def test_ols_matches_scipy_linregress_without_trend() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 8, 12).astype(float)
    y = 5 - 0.3 * x + rng.normal(0, 0.5, 12)
    fit = ols_slope_ci(y, x, None, confidence=0.95)
    assert fit is not None
    ref = stats.linregress(x, y)
    half = stats.t.ppf(0.975, 10) * ref.stderr
    assert_allclose(fit, (ref.slope, ref.slope - half, ref.slope + half), rtol=1e-10)


def test_ols_with_trend_matches_the_normal_equations() -> None:
    rng = np.random.default_rng(1)
    k = np.arange(10, dtype=float)
    x = rng.integers(0, 8, 10).astype(float)
    y = 6 - 0.4 * x - 0.1 * k + rng.normal(0, 0.5, 10)
    fit = ols_slope_ci(y, x, k, confidence=0.9)
    assert fit is not None
    design = np.column_stack([np.ones(10), x, k])
    inverse = np.linalg.inv(design.T @ design)
    coef = inverse @ design.T @ y
    residual = y - design @ coef
    se = np.sqrt(residual @ residual / 7 * inverse[1, 1])
    half = stats.t.ppf(0.95, 7) * se
    assert_allclose(fit, (coef[1], coef[1] - half, coef[1] + half), rtol=1e-9)


def test_ols_refuses_a_singular_design() -> None:
    k = np.arange(8, dtype=float)
    y = np.linspace(5, 3, 8)
    assert ols_slope_ci(y, np.full(8, 3.0), k, confidence=0.95) is None  # training never varied
    assert ols_slope_ci(y, 2 * k + 1, k, confidence=0.95) is None  # training moved in step with time
    assert ols_slope_ci(y[:3], k[:3] % 2, k[:3], confidence=0.95) is None  # no degree of freedom left


# --- honesty: power, and false claims --------------------------------------------------------------------------


def test_training_that_improves_pain_is_found_with_the_right_sign() -> None:
    insight = build_insight(*simulate(7, effect=-0.4))
    pain = insight.pain
    assert pain.status == "lower" and pain.claim
    assert pain.ci_high is not None and pain.ci_high < 0  # the interval excludes zero, below it
    assert pain.ci_low is not None and pain.ci_low < -0.4 < pain.ci_high  # and covers the true effect
    assert pain.n_weeks == WINDOW_WEEKS
    assert "lower" in pain.text and "not proof" in pain.text and "95% interval" in pain.text


def test_power_to_find_an_effect_of_four_tenths_of_a_point_per_session() -> None:
    found = [build_insight(*simulate(seed, effect=-0.4)).pain for seed in range(200)]
    power = np.mean([e.status == "lower" for e in found])
    assert power >= 0.85, power
    assert not any(e.status == "higher" for e in found)  # never the wrong sign


def test_no_relation_gives_no_claim_at_about_the_nominal_rate() -> None:
    estimates = [build_insight(*simulate(seed, effect=0.0)).pain for seed in range(SEEDS)]
    assert all(e.status in ("no_clear_relation", "lower", "higher") for e in estimates)
    false_claims = np.mean([e.claim for e in estimates])
    assert 0.02 <= false_claims <= 0.075, false_claims  # nominal 5 %; binomial sd about 1 % at 500 seeds
    typical = build_insight(*simulate(0, effect=0.0)).pain
    assert typical.status == "no_clear_relation" and "No clear relation yet" in typical.text


def test_time_drift_in_both_does_not_fake_a_relation() -> None:
    """Pain easing with time while training tails off: the week-number term keeps false claims nominal,
    where the same regression without it would claim a relation in a large share of histories."""
    claims, naive_claims = [], []
    for seed in range(SEEDS):
        weeks = weekly(*simulate(seed, effect=0.0, drift=True))
        claims.append(training_relation(weeks, "pain").claim)
        pairs = [(weeks[k].pain, weeks[k - 1].sessions) for k in range(1, len(weeks))][-WINDOW_WEEKS:]
        y, x = (np.array(c, dtype=float) for c in zip(*pairs, strict=True))
        fit = ols_slope_ci(y, x, None, confidence=0.95)
        naive_claims.append(fit is not None and not fit[1] <= 0 <= fit[2])
    assert np.mean(claims) <= 0.075, np.mean(claims)
    assert np.mean(naive_claims) >= 0.15, np.mean(naive_claims)


# --- not enough data, and plain words --------------------------------------------------------------------------


def test_not_enough_data_until_six_weeks() -> None:
    diary, training = simulate(3, effect=-0.5, n_weeks=MIN_WEEKS - 1)
    pain = build_insight(diary, training).pain
    assert pain.status == "not_enough_data" and pain.slope is None and not pain.claim
    assert pain.n_weeks == MIN_WEEKS - 1 and "Not enough data yet: 5 of the 6 weeks" in pain.text
    diary, training = simulate(3, effect=-0.5, n_weeks=MIN_WEEKS)
    assert build_insight(diary, training).pain.status != "not_enough_data"


def test_no_training_data_means_not_enough_data() -> None:
    diary, _ = simulate(3, effect=0.0)
    insight = build_insight(diary, [])
    assert insight.pain.status == "not_enough_data" and insight.strength.status == "not_enough_data"


def test_constant_training_or_constant_pain_is_not_a_relation() -> None:
    diary = [DiaryEntry(MONDAY + dt.timedelta(weeks=w, days=1), pain=w % 4) for w in range(1, 10)]
    training = [TrainingSession(MONDAY + dt.timedelta(weeks=w, days=d)) for w in range(10) for d in range(3)]
    assert build_insight(diary, training).pain.status == "no_variation"
    flat = [DiaryEntry(e.date, pain=4) for e in diary]
    varied = [TrainingSession(MONDAY + dt.timedelta(weeks=w, days=d)) for w in range(10) for d in range(w % 3)]
    assert build_insight(flat, varied).pain.status == "no_variation"


def test_secondary_outcomes_use_the_stricter_interval() -> None:
    insight = build_insight(*simulate(5, effect=-0.4))
    assert insight.pain.confidence == 0.95
    assert insight.leaking.confidence == insight.function.confidence == SECONDARY_CONFIDENCE == 0.975


def test_strength_trend_sees_a_rising_squeeze() -> None:
    weeks = weekly(*simulate(2, effect=0.0))
    trend = strength_trend(weeks)
    assert trend.status == "higher" and trend.ci_low is not None and trend.ci_low > 0
    assert trend.slope == pytest.approx(1.0, abs=0.5)  # the simulation adds 1 cmH2O a week
    assert "cmH2O a week" in trend.text


def test_words_never_claim_cause() -> None:
    texts = []
    for seed, effect in ((7, -0.4), (0, 0.0), (11, 0.5)):
        insight = build_insight(*simulate(seed, effect=effect))
        texts += [insight.pain.text, insight.leaking.text, insight.function.text, insight.strength.text]
    positive = build_insight(*simulate(11, effect=0.5)).pain
    assert positive.status == "higher" and "tell your physiotherapist" in positive.text
    for text in texts:
        lowered = text.lower()
        for word in ("because", "improves", "reduces", "works", "thanks to", "led to"):
            assert word not in lowered, (word, text)
        if "caused" in lowered:
            assert "not proof that training caused it" in lowered


def test_insight_json_is_plain() -> None:
    import json

    data = build_insight(*simulate(7, effect=-0.4)).to_dict()
    text = json.dumps(data, allow_nan=False)
    assert list(data) == ["weeks", "pain", "leaking", "function", "strength", "method"]
    assert data["pain"]["claim"] is True and "t distribution" in data["method"]  # type: ignore[index]
    assert len(text) < 20_000
