"""Game paths and scores on synthetic traces with known answers, and on the simulator playing the games."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest
from numpy.testing import assert_allclose

from pelvicore.analysis import analyze, analyze_recording
from pelvicore.errors import ProtocolError, SignalError
from pelvicore.signal.events import Calibration
from pelvicore.simulation import simulate
from pelvicore.training.game_score import GameScore
from pelvicore.training.games import (
    GAMES,
    LEVELS,
    GamePath,
    Segment,
    game_path,
    parse_routine,
    path_for_routine,
    routine_name,
    score,
)
from pelvicore.training.protocols import Protocol
from pelvicore.training.routines import get_protocol

FS = 50.0
REST = 20.0  # cmH2O
MVC = 40.0  # cmH2O above rest


def follow(path: GamePath, level: Callable[[Segment, np.ndarray], np.ndarray], *, noise: float = 0.1) -> np.ndarray:
    """A floor trace (cmH2O) whose % of maximum is ``level(segment, t)`` in each segment, with 0.15 s ramps."""
    t = np.arange(round(path.duration_s * FS)) / FS
    pct = np.zeros_like(t)
    for seg in path.segments:
        inside = (t >= seg.start_s) & (t < seg.end_s)
        pct[inside] = level(seg, t[inside])
    ramp = np.ones(round(0.15 * FS)) / round(0.15 * FS)
    pct = np.convolve(np.concatenate([np.full(ramp.size, pct[0]), pct]), ramp, "full")[ramp.size : ramp.size + t.size]
    return REST + MVC * pct / 100.0 + noise * np.random.default_rng(0).standard_normal(t.size)


def perfect(seg: Segment, t: np.ndarray) -> np.ndarray:
    """Right on every target; full holds; quick squeezes of 1 s with 1 s rest (5 per 10 s)."""
    if seg.kind == "maximum":
        return np.full(t.size, 100.0)
    if seg.kind == "target":
        return np.full(t.size, seg.height_pct)
    if seg.kind == "hold":
        return np.full(t.size, 90.0)
    if seg.kind == "speed":
        return np.where((t - seg.start_s) % 2.0 < 1.0, 80.0, 0.0)
    return np.zeros(t.size)


def times(path: GamePath) -> np.ndarray:
    return np.arange(round(path.duration_s * FS)) / FS


# -- paths ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("game", GAMES)
@pytest.mark.parametrize("level", LEVELS)
def test_paths_are_contiguous_seeded_and_open_with_rest_and_a_maximum(game: str, level: str) -> None:
    path = game_path(game, level, 7)
    assert path == game_path(game, level, 7)
    assert [s.kind for s in path.segments[:3]] == ["settle", "maximum", "rest"]
    assert path.segments[-1].kind == "rest"
    for a, b in zip(path.segments, path.segments[1:], strict=False):
        assert b.start_s == a.end_s
    assert 60.0 <= path.duration_s <= 150.0
    json.dumps(path.to_dict())
    # The session's cue timeline is the same length, so the simulator and a trainer's session follow the path.
    protocol = get_protocol(path.routine)
    assert protocol.duration_s == pytest.approx(path.duration_s)


def test_control_paths_differ_by_seed_and_get_harder() -> None:
    heights = {tuple(s.height_pct for s in game_path("control", "medium", seed).segments) for seed in range(5)}
    assert len(heights) > 1
    easy, hard = game_path("control", "easy", 1), game_path("control", "hard", 1)
    width = {p.level: next(s for s in p.segments if s.kind == "target") for p in (easy, hard)}
    assert width["hard"].high_pct - width["hard"].low_pct < width["easy"].high_pct - width["easy"].low_pct
    assert sum(s.kind == "target" for s in hard.segments) > sum(s.kind == "target" for s in easy.segments)
    assert all(s.kind != "hold" and s.kind != "speed" for s in hard.segments)


def test_endurance_speed_paths_have_holds_and_10_s_rounds() -> None:
    path = game_path("endurance-speed", "hard", 0)
    holds = [s for s in path.segments if s.kind == "hold"]
    speed = [s for s in path.segments if s.kind == "speed"]
    assert len(holds) == len(speed) == 3
    assert {h.duration_s for h in holds} == {10.0}
    assert {s.duration_s for s in speed} == {10.0}
    assert all(h.low_pct == 75.0 for h in holds)


def test_routine_names_round_trip_and_bad_ones_are_named() -> None:
    assert routine_name("endurance-speed", "hard", 12) == "game:endurance-speed:hard:12"
    assert parse_routine("game:endurance-speed:hard:12") == ("endurance-speed", "hard", 12)
    assert path_for_routine("game:control:easy:3") == game_path("control", "easy", 3)
    for bad in ("daily", "game:tetris:easy:1", "game:control:extreme:1", "game:control:easy:-1", "game:control:easy"):
        with pytest.raises(ProtocolError, match="game"):
            parse_routine(bad)
    with pytest.raises(ProtocolError, match="unknown level"):
        game_path("control", "impossible")
    with pytest.raises(ProtocolError, match="seed"):
        game_path("control", "easy", -3)


# -- scores on synthetic traces -------------------------------------------------------------------------------
def test_tracking_the_path_perfectly_reaches_every_target() -> None:
    path = game_path("control", "medium", 4)
    s = score(path, times(path), follow(path, perfect), unit="cmH2O")
    assert s.control_pct == 100.0
    assert s.targets == sum(seg.kind in ("target", "rest") for seg in path.segments)
    assert s.relaxation_pct == 100.0
    assert s.return_to_rest_s is not None and s.return_to_rest_s < 0.5
    assert s.not_back_to_rest == 0
    assert s.strength_pct == 100.0
    assert_allclose(s.peak, MVC, atol=0.5)
    assert_allclose(s.rest_level, REST, atol=0.1)
    assert s.endurance_pct is None and s.flicks_per_10s is None  # not part of this game
    assert all(r["reached_at_s"] is not None for r in s.results)


def test_squeezing_at_the_wrong_height_misses_the_targets() -> None:
    path = game_path("control", "easy", 4)
    off = follow(path, lambda seg, t: perfect(seg, t) + (30.0 if seg.kind == "target" else 0.0))
    s = score(path, times(path), off, unit="cmH2O")
    squeezes = sum(seg.kind == "target" for seg in path.segments)
    assert s.targets_reached == s.targets - squeezes  # only the rest targets
    assert s.relaxation_pct == 100.0


def test_never_relaxing_scores_low_relaxation() -> None:
    path = game_path("control", "easy", 2)
    tense = follow(path, lambda seg, t: np.maximum(perfect(seg, t), 40.0) if seg.start_s >= 5.0 else perfect(seg, t))
    s = score(path, times(path), tense, unit="cmH2O")
    assert s.relaxation_pct == 0.0
    assert s.rest_targets_reached == 0 and s.rest_targets > 0
    assert s.return_to_rest_s is None
    assert s.not_back_to_rest == s.rest_targets  # every rest follows a squeeze
    assert s.control_pct is not None and s.control_pct < 60.0


def test_a_slow_release_takes_longer_to_return_to_rest() -> None:
    path = game_path("control", "easy", 2)
    quick = score(path, times(path), follow(path, perfect), unit="cmH2O")

    def slow(seg: Segment, t: np.ndarray) -> np.ndarray:
        if seg.kind != "rest" or seg.start_s < 10.0:
            return perfect(seg, t)
        return 60.0 * np.clip(1.0 - (t - seg.start_s) / 3.0, 0.0, None)  # falls from 60 % to rest over 3 s

    s = score(path, times(path), follow(path, slow), unit="cmH2O")
    assert quick.return_to_rest_s is not None and s.return_to_rest_s is not None
    assert quick.return_to_rest_s < 0.5
    assert_allclose(s.return_to_rest_s, 2.5 + 0.15, atol=0.2)  # 60 % -> 10 % takes 2.5 s; smoothing lags 0.15 s


@pytest.mark.parametrize(("held_s", "expected_pct"), [(5.0, 100.0), (3.0, 60.0), (1.0, 20.0)])
def test_holds_of_known_length_give_endurance(held_s: float, expected_pct: float) -> None:
    path = game_path("endurance-speed", "easy", 0)  # 5 s holds

    def hold(seg: Segment, t: np.ndarray) -> np.ndarray:
        if seg.kind == "hold":
            return np.where(t - seg.start_s < held_s, 90.0, 40.0)
        return perfect(seg, t)

    s = score(path, times(path), follow(path, hold, noise=0.0), unit="cmH2O")
    assert s.asked_hold_s == 5.0
    assert_allclose(s.longest_hold_s, held_s, atol=0.1)
    assert_allclose(s.endurance_pct, expected_pct, atol=2.0)


@pytest.mark.parametrize(("period_s", "per_10s"), [(2.0, 5.0), (1.0, 10.0)])
def test_quick_squeezes_are_counted_per_10_s(period_s: float, per_10s: float) -> None:
    path = game_path("endurance-speed", "medium", 5)

    def flicks(seg: Segment, t: np.ndarray) -> np.ndarray:
        if seg.kind == "speed":
            return np.where((t - seg.start_s) % period_s < period_s / 2, 80.0, 0.0)
        return perfect(seg, t)

    s = score(path, times(path), follow(path, flicks), unit="cmH2O")
    assert s.flicks_per_10s == per_10s
    assert s.speed_rounds == 2


def test_squeezes_that_do_not_reach_half_or_do_not_let_go_are_not_counted() -> None:
    path = game_path("endurance-speed", "easy", 5)
    weak = follow(path, lambda seg, t: np.where(perfect(seg, t) == 80.0, 45.0, perfect(seg, t)))
    held = follow(
        path, lambda seg, t: np.where(perfect(seg, t) == 0.0, 35.0, 80.0) if seg.kind == "speed" else perfect(seg, t)
    )
    assert score(path, times(path), weak).flicks_per_10s == 0.0
    assert score(path, times(path), held).flicks_per_10s == 1.0  # one long squeeze: from rest, back after the round


def contraction(onset_s: float, technique: str, rise_s: float = 0.3) -> dict[str, object]:
    return {"onset_s": onset_s, "peak_s": onset_s + rise_s, "rise_s": rise_s, "technique": technique}


def test_quality_is_the_share_of_lifts_and_falls_with_pushes() -> None:
    path = game_path("control", "easy", 1)
    trace = follow(path, perfect)
    lifts = [contraction(6.0 + 2 * i, "lift") for i in range(8)]
    s = score(path, times(path), trace, lifts, unit="cmH2O")
    assert (s.quality_pct, s.lifts, s.classified) == (100.0, 8, 8)
    pushes = lifts[:4] + [contraction(30.0 + i, "push") for i in range(3)] + [contraction(40.0, "mixed")]
    assert score(path, times(path), trace, pushes).quality_pct == 50.0
    unknown = [contraction(6.0, "unknown")]
    assert score(path, times(path), trace, unknown).quality_pct is None  # one pressure zone cannot tell
    single = score(path, times(path), trace, unknown, technique_measured=False)
    quality = next(m for m in single.metrics() if m.name == "quality")
    assert single.quality_pct is None and quality.readings[0].missing == "not measured on this trainer"
    assert quality.detail.startswith("Lift or push: not measured on this trainer")


def test_pushing_down_lowers_quality_through_the_pipeline() -> None:
    path = game_path("control", "easy", 1)
    floor = follow(path, perfect)
    t = times(path)
    rise = floor - REST
    pushing = t >= 30.0  # from 30 s on, the abdomen rises more than the floor: bearing down
    abdomen = 25.0 + np.where(pushing, 1.3, 0.1) * rise + 0.1 * np.random.default_rng(1).standard_normal(t.size)
    found = analyze({"floor": floor, "abdomen": abdomen}, FS, unit="cmH2O").contractions
    assert len(found) >= 6
    s = score(path, t, floor, found, unit="cmH2O")
    assert s.quality_pct is not None and 10.0 < s.quality_pct < 70.0
    clean = analyze({"floor": floor, "abdomen": 25.0 + 0.1 * rise}, FS, unit="cmH2O").contractions
    assert score(path, t, floor, clean, unit="cmH2O").quality_pct == 100.0


def test_rise_time_comes_from_the_quick_squeezes() -> None:
    path = game_path("endurance-speed", "easy", 0)
    speed = next(s for s in path.segments if s.kind == "speed")
    found = [contraction(speed.start_s + 0.2, "lift", 0.2), contraction(speed.start_s + 2.2, "lift", 0.4)]
    found.append(contraction(12.0, "lift", 3.0))  # outside the rounds
    s = score(path, times(path), follow(path, perfect), found)
    assert s.rise_s == pytest.approx(0.3)


def test_a_trainers_stored_maximum_sets_100_percent_when_higher() -> None:
    path = game_path("control", "easy", 3)
    trace = follow(path, perfect)
    s = score(path, times(path), trace, calibration=Calibration(REST, 2 * MVC, "cmH2O"), unit="cmH2O")
    assert s.max_from == "calibration"
    assert_allclose(s.strength_pct, 50.0, atol=1.0)
    assert s.rest_targets_reached == s.rest_targets
    assert s.targets_reached < s.targets  # squeezes now land at half their height
    weaker = score(path, times(path), trace, calibration=Calibration(REST, MVC / 2, "cmH2O"), unit="cmH2O")
    assert weaker.max_from == "game" and weaker.control_pct == 100.0


def test_a_game_stopped_early_scores_what_was_played() -> None:
    path = game_path("control", "easy", 3)
    t = times(path)
    part = t < 40.0
    s = score(path, t[part], follow(path, perfect)[part], unit="cmH2O")
    assert s.played_s < 40.0
    assert s.targets == sum(seg.kind in ("target", "rest") and seg.end_s <= 40.0 for seg in path.segments)
    assert s.control_pct == 100.0


def test_lost_samples_hold_the_last_value() -> None:
    path = game_path("control", "easy", 3)
    t, x = times(path), follow(path, perfect)
    keep = ~((t > 20.0) & (t < 20.6)) & ~((t > 50.0) & (t < 50.4))
    assert score(path, t[keep], x[keep]).control_pct == 100.0


def test_bad_traces_are_named() -> None:
    path = game_path("control", "easy", 0)
    with pytest.raises(SignalError, match="at least 2"):
        score(path, [0.0], [1.0])
    with pytest.raises(SignalError, match="same length"):
        score(path, [0.0, 0.02, 0.04], [1.0, 2.0])
    with pytest.raises(SignalError, match="increase"):
        score(path, [0.0, 0.02, 0.01, 0.03], [1.0, 2.0, 3.0, 4.0])


def test_the_score_lists_six_metrics_with_units_and_sources() -> None:
    path = game_path("endurance-speed", "easy", 0)
    s = score(path, times(path), follow(path, perfect), unit="cmH2O")
    metrics = s.metrics()
    assert [m.name for m in metrics] == ["quality", "strength", "speed", "endurance", "control", "relaxation"]
    assert all(m.source.startswith("Perifit") for m in metrics)
    assert all(r.unit for m in metrics for r in m.readings)
    assert "cmH2O" in {r.unit for r in metrics[1].readings}
    data = json.loads(json.dumps(s.to_dict()))
    endurance = data["metrics"][3]["readings"][0]
    assert (endurance["label"], endurance["unit"]) == ("of the time asked", "%")
    assert endurance["value"] == s.endurance_pct and endurance["value"] > 95.0


# -- the simulator playing the games ----------------------------------------------------------------------
def play(person: str, routine: str, seed: int = 0) -> tuple[GamePath, GameScore]:
    path = path_for_routine(routine)
    recording = simulate(person, routine, seed=seed).recording
    found = analyze_recording(recording).contractions
    t = np.arange(recording.n_samples) / recording.fs_hz
    return path, score(path, t, recording.signals["floor"], found, unit="cmH2O")


def test_simulated_people_play_the_control_game() -> None:
    _, healthy = play("healthy", "game:control:medium:0")
    _, tight = play("hypertonic", "game:control:medium:0")
    _, pusher = play("bearing-down", "game:control:medium:0")
    assert healthy.control_pct is not None and healthy.control_pct >= 90.0
    assert healthy.relaxation_pct == 100.0
    assert tight.relaxation_pct is not None and tight.relaxation_pct < 50.0
    assert healthy.return_to_rest_s is not None
    assert tight.return_to_rest_s is None or tight.return_to_rest_s > 2 * healthy.return_to_rest_s
    assert pusher.quality_pct is not None and healthy.quality_pct is not None
    assert pusher.quality_pct < healthy.quality_pct


def test_simulated_people_play_the_endurance_speed_game() -> None:
    _, healthy = play("healthy", "game:endurance-speed:medium:0")
    _, tiring = play("fatiguing", "game:endurance-speed:medium:0")
    assert healthy.endurance_pct is not None and tiring.endurance_pct is not None
    assert healthy.endurance_pct >= 90.0
    assert tiring.endurance_pct < 60.0
    assert healthy.flicks_per_10s == 5.0
    assert healthy.rise_s is not None and 0.1 < healthy.rise_s < 0.6


@pytest.mark.parametrize(
    "name", ["quick-check", "daily", "glazer", "glazer-2s", "perfect", "cough", "game:control:hard:9"]
)
def test_a_routine_is_stored_as_data_and_read_back_the_same(name: str) -> None:
    protocol = get_protocol(name)
    data = json.loads(json.dumps(protocol.to_dict()))
    assert Protocol.from_dict(data) == protocol


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"steps": []}, "1 to 2000 steps"),
        ({"steps": [{"action": "jump", "duration_s": 1, "kind": "x"}]}, "step 1: action must be one of"),
        ({"steps": [{"action": "rest", "duration_s": float("nan"), "kind": "rest"}]}, "duration_s must be"),
        ({"steps": [{"action": "squeeze", "duration_s": 2, "kind": "hold", "effort": 3}]}, "effort must be"),
        ({"title": 5}, "needs text"),
    ],
)
def test_a_damaged_stored_routine_is_refused_with_the_reason(change: dict[str, object], message: str) -> None:
    data = get_protocol("quick-check").to_dict() | change
    with pytest.raises(ProtocolError, match=message):
        Protocol.from_dict(data)
