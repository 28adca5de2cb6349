"""Game paths: what each game asks for, second by second, and the cue timeline a session follows.

Two games, each at three levels, each path drawn from a seed:

- ``control`` — "Follow the path": squeeze targets at a height (% of her maximum) to stay within for a dwell
  time inside a time window, and rest targets at 0 % (rest height) that train letting go.
- ``endurance-speed`` — "Hold the lift" + "Quick flicks": holds kept at >= 75 % of her maximum for the time asked,
  and 10 s rounds of as many quick squeezes as possible, each from rest to above 50 % and back.

Every game opens with 5 s of rest (her rest level) and one 5 s maximal squeeze (her maximum, 100 %).

Sources: the >= 75 % hold rule (Perifit help centre); 5-10 s holds with rest twice the hold at first (Bø, MOTHERFIT,
Trials 2019) and 10 s holds with 10 s rest (Hung 2012); fast contractions (PERFECT, Laycock & Jerwood 2001,
Physiotherapy 87:631).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

import numpy as np

from pelvicore.errors import ProtocolError
from pelvicore.training.protocols import Protocol, Step

GameName = Literal["control", "endurance-speed"]
Level = Literal["easy", "medium", "hard"]
SegmentKind = Literal["settle", "maximum", "target", "rest", "hold", "speed"]
GAMES: tuple[GameName, ...] = get_args(GameName)
LEVELS: tuple[Level, ...] = get_args(Level)
TITLES: dict[GameName, str] = {"control": "Follow the path", "endurance-speed": "Hold the lift + Quick flicks"}
#: Routine names of game sessions: ``game:<game>:<level>:<seed>``.
ROUTINE_PREFIX = "game:"

#: Perifit's endurance rule: a hold counts while the squeeze stays at or above 75 % of her maximum.
HOLD_PCT = 75.0
#: A quick squeeze rises above half her maximum, then falls back below half of that.
FLICK_PCT = 50.0
FLICK_LOW_PCT = 25.0
#: Back at rest: within 10 % of her maximum of the rest level.
AT_REST_PCT = 10.0
SPEED_S = 10.0
#: Seconds allowed after a hold's end for the reaction at its start (a hold may end this late).
HOLD_GRACE_S = 1.0
#: Trailing median that keeps motion spikes and coughs from counting as squeezes or setting the maximum.
SMOOTH_S = 0.3
SETTLE_S = 5.0
MAXIMUM_S = 5.0
SQUEEZES: frozenset[SegmentKind] = frozenset({"maximum", "target", "hold", "speed"})


@dataclass(frozen=True, slots=True)
class LevelSettings:
    """How hard a level is: targets of the control game, holds and rounds of the endurance-speed game."""

    targets: int
    target_s: float
    rest_s: float
    band_pct: float
    rest_band_pct: float
    heights_pct: tuple[float, ...]
    staircase: int
    dwell_s: float
    hold_s: float
    hold_rest_s: float
    rounds: int


LEVEL_SETTINGS: dict[Level, LevelSettings] = {
    "easy": LevelSettings(6, 5.0, 6.0, 15.0, 20.0, (30.0, 40.0, 50.0, 60.0), 1, 1.0, 5.0, 10.0, 2),
    "medium": LevelSettings(8, 4.0, 5.0, 12.0, 15.0, (30.0, 40.0, 50.0, 60.0, 70.0, 80.0), 2, 1.0, 8.0, 16.0, 2),
    "hard": LevelSettings(12, 3.0, 4.0, 10.0, 10.0, tuple(float(h) for h in range(20, 100, 10)), 3, 1.0, 10.0, 10.0, 3),
}


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of a game. Heights and bands are % of her maximum above rest; ``None`` = unbounded.

    ``settle`` and ``maximum`` calibrate and are not scored; ``target`` and ``rest`` are reached by staying in the
    band for ``dwell_s``; ``hold`` asks for >= 75 % for its whole length; ``speed`` counts quick squeezes.
    """

    kind: SegmentKind
    start_s: float
    end_s: float
    height_pct: float
    low_pct: float | None
    high_pct: float | None
    dwell_s: float
    text: str

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class GamePath:
    """A game's whole timeline, from ``t = 0`` s (the session's first sample)."""

    game: GameName
    level: Level
    seed: int
    segments: tuple[Segment, ...]

    @property
    def title(self) -> str:
        return TITLES[self.game]

    @property
    def routine(self) -> str:
        return routine_name(self.game, self.level, self.seed)

    @property
    def duration_s(self) -> float:
        return self.segments[-1].end_s

    def to_dict(self) -> dict[str, Any]:
        return {
            "game": self.game,
            "title": self.title,
            "level": self.level,
            "seed": self.seed,
            "routine": self.routine,
            "duration_s": self.duration_s,
            "hold_pct": HOLD_PCT,
            "flick_pct": FLICK_PCT,
            "flick_low_pct": FLICK_LOW_PCT,
            "at_rest_pct": AT_REST_PCT,
            "smooth_s": SMOOTH_S,
            "hold_grace_s": HOLD_GRACE_S,
            "segments": [asdict(s) for s in self.segments],
        }


def routine_name(game: str, level: str, seed: int) -> str:
    """The session routine of a game, e.g. ``game:control:easy:42``."""
    return f"{ROUTINE_PREFIX}{game}:{level}:{seed}"


def parse_routine(name: str) -> tuple[GameName, Level, int]:
    """``(game, level, seed)`` of a game routine; ``ProtocolError`` for anything else."""
    parts = name.split(":")
    if len(parts) != 4 or parts[0] + ":" != ROUTINE_PREFIX or parts[1] not in GAMES or parts[2] not in LEVELS:
        raise ProtocolError(f"not a game routine: {name!r} (expected game:<{'|'.join(GAMES)}>:<level>:<seed>)")
    if not (parts[3].isascii() and parts[3].isdigit()):
        raise ProtocolError(f"{name!r}: the seed must be a whole number >= 0, got {parts[3]!r}")
    return parts[1], parts[2], int(parts[3])


def game_path(game: str, level: str = "easy", seed: int = 0) -> GamePath:
    """The path of ``game`` at ``level``; the same seed gives the same path."""
    if game not in GAMES:
        raise ProtocolError(f"unknown game {game!r} (expected one of: {', '.join(GAMES)})")
    if level not in LEVELS:
        raise ProtocolError(f"unknown level {level!r} (expected one of: {', '.join(LEVELS)})")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ProtocolError(f"seed must be a whole number >= 0, got {seed!r}")
    lv = LEVEL_SETTINGS[level]
    rng = np.random.default_rng(seed)
    segments: list[Segment] = []

    def add(
        kind: SegmentKind, duration_s: float, height: float, low: float | None, high: float | None, text: str
    ) -> None:
        start = segments[-1].end_s if segments else 0.0
        segments.append(Segment(kind, start, start + duration_s, height, low, high, lv.dwell_s, text))

    def rest(duration_s: float) -> None:
        add("rest", duration_s, 0.0, None, lv.rest_band_pct, "Relax to rest")

    add("settle", SETTLE_S, 0.0, None, None, "Relax and breathe: measuring your rest level")
    add("maximum", MAXIMUM_S, 100.0, None, None, "Squeeze as hard as you can: this sets 100 %")
    rest(lv.rest_s)
    if game == "control":
        placed, last = 0, 0.0
        while placed < lv.targets:
            for _ in range(min(int(rng.integers(1, lv.staircase + 1)), lv.targets - placed)):
                height = float(rng.choice([h for h in lv.heights_pct if h != last]))
                add(
                    "target",
                    lv.target_s,
                    height,
                    height - lv.band_pct,
                    height + lv.band_pct,
                    f"Squeeze to {height:.0f} %",
                )
                placed, last = placed + 1, height
            rest(lv.rest_s)
            last = 0.0
    else:
        for _ in range(lv.rounds):
            hold_first = bool(rng.random() < 0.5)
            for part in ("hold", "speed") if hold_first else ("speed", "hold"):
                if part == "hold":
                    text = f"Lift and hold above {HOLD_PCT:.0f} % for {lv.hold_s:g} s"
                    add("hold", lv.hold_s, HOLD_PCT, HOLD_PCT, None, text)
                    rest(lv.hold_rest_s)
                else:
                    add("speed", SPEED_S, FLICK_PCT, FLICK_PCT, None, "Quick flicks: as many as you can in 10 s")
                    rest(SPEED_S)
    return GamePath(game, level, seed, tuple(segments))


def path_for_routine(name: str) -> GamePath:
    """The path a game session's routine names."""
    return game_path(*parse_routine(name))


def game_protocol(name: str) -> Protocol:
    """The cue timeline of a game routine, so sessions, trainers' buzzes and the simulator follow the path.

    A simulated person squeezes to each target's height (``effort``), holds at her maximum, and makes quick
    squeezes of 1 s with 1 s rest (5 per 10 s, as in PERFECT's fast contractions).
    """
    path = path_for_routine(name)
    steps: list[Step] = []
    for seg in path.segments:
        d = seg.duration_s
        if seg.kind in ("settle", "rest"):
            steps.append(Step("rest", d, "rest", 0.0))
        elif seg.kind == "maximum":
            steps.append(Step("squeeze", d, "maximal"))
        elif seg.kind == "target":
            steps.append(Step("squeeze", d, "target", seg.height_pct / 100.0))
        elif seg.kind == "hold":
            steps.append(Step("squeeze", d, "hold"))
        else:
            n = int(d // 2.0)
            steps += [Step("squeeze", 1.0, "fast"), Step("rest", 1.0, "rest", 0.0)] * n
            if d > 2.0 * n:
                steps.append(Step("rest", d - 2.0 * n, "rest", 0.0))
    title = f"{path.title} ({path.level})"
    return Protocol(name, title, tuple(steps), "pelvicore games; Perifit game metrics (Perifit help centre)")
