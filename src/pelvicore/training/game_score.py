"""A played game's score: Perifit's six metrics, each with its unit, what it counted, and its source.

Perifit (Perifit help centre): Contraction Quality (% of squeezes in correct form), Strength, Speed, Endurance
(longest hold at >= 75 % of max / time asked), Control (% of game targets reached), Relaxation (control on targets
at 0 % height). ``pelvicore.training.games.score`` computes it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

SOURCES = {
    "quality": "Perifit Contraction Quality (Perifit help centre): correct form = the pelvic-floor rise is at least "
    "twice the abdominal rise.",
    "strength": "Perifit Strength (Perifit help centre); 100 % = your strongest squeeze in this game, or your "
    "trainer's stored maximum when that is higher.",
    "speed": "Perifit Speed (Perifit help centre); fast contractions, PERFECT scheme (Laycock & Jerwood 2001, "
    "Physiotherapy 87:631); rise time = onset to 90 % of the peak, Glazer's time before peak (Oleksy et al. 2021).",
    "endurance": "Perifit Endurance (Perifit help centre): longest hold at ≥ 75 % of your maximum / the time asked; "
    "endurance of a held squeeze, PERFECT scheme (Laycock & Jerwood 2001).",
    "control": "Perifit Control (Perifit help centre): % of the game's targets reached.",
    "relaxation": "Perifit Relaxation (Perifit help centre): control on targets at 0 % height; a slow or incomplete "
    "release to rest marks an over-tight floor (Glazer 1995).",
}


@dataclass(frozen=True, slots=True)
class Reading:
    """One number of a metric; ``value`` is ``None`` when it was not measured, and ``missing`` says why."""

    label: str
    value: float | None
    unit: str
    missing: str = "not measured in this game"


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    title: str
    readings: tuple[Reading, ...]
    detail: str
    source: str


@dataclass(frozen=True, slots=True)
class GameScore:
    """Scores of one played game. Percentages are of her maximum above rest unless named otherwise.

    ``peak`` and ``max_rise`` are above ``rest_level``, in ``unit``; ``results`` lists each target and rest target
    with the time it was reached (``None`` = missed).
    """

    game: str
    level: str
    seed: int
    unit: str
    duration_s: float
    played_s: float
    rest_level: float
    max_rise: float
    max_from: Literal["game", "calibration"]
    contractions: int
    classified: int
    lifts: int
    quality_pct: float | None
    strength_pct: float | None
    peak: float | None
    flicks_per_10s: float | None
    speed_rounds: int
    rise_s: float | None
    longest_hold_s: float | None
    asked_hold_s: float | None
    endurance_pct: float | None
    targets_reached: int
    targets: int
    control_pct: float | None
    rest_targets_reached: int
    rest_targets: int
    relaxation_pct: float | None
    return_to_rest_s: float | None
    not_back_to_rest: int
    results: tuple[dict[str, Any], ...] = ()
    #: False on a single-zone trainer, which cannot tell lifting from pushing down.
    technique_measured: bool = True

    def metrics(self) -> tuple[Metric, ...]:
        """The six scores as a person reads them: numbers with units, what was counted, and the source."""
        u = self.unit
        quality = (
            "Lift or push: not measured on this trainer. A trainer with two pressure zones (Perifit, femfit) tells "
            "lifting from pushing down."
            if not self.technique_measured
            else f"{self.lifts} of {self.classified} squeezes lifted without pushing down."
            if self.classified
            else "No squeeze was found to tell lifting from pushing down."
        )
        not_measured = "not measured on this trainer" if not self.technique_measured else "not measured in this game"
        hundred = "your trainer's stored maximum" if self.max_from == "calibration" else "your strongest squeeze here"
        other = self.game != "endurance-speed"
        speed = (
            f"Best of {self.speed_rounds} round{'s' if self.speed_rounds != 1 else ''} of 10 s."
            if self.speed_rounds
            else "Quick squeezes are counted in Hold the lift + Quick flicks."
            if other
            else "No round of quick squeezes was finished."
        )
        endurance = (
            f"Held {self.longest_hold_s:g} s of the {self.asked_hold_s:g} s asked."
            if self.longest_hold_s is not None and self.asked_hold_s is not None
            else "Holds are asked for in Hold the lift + Quick flicks."
            if other
            else "No hold was finished."
        )
        control = (
            f"{self.targets_reached} of {self.targets} targets reached, rest targets included."
            if self.control_pct is not None
            else "Targets at different heights are in Follow the path."
            if self.game != "control"
            else "No target was finished."
        )
        relaxation = f"{self.rest_targets_reached} of {self.rest_targets} rest targets reached"
        relaxation += (
            f"; {self.not_back_to_rest} time(s) not back to rest before the next squeeze."
            if (self.not_back_to_rest)
            else "."
        )
        return (
            Metric(
                "quality",
                "Contraction quality",
                (Reading("lifted correctly", self.quality_pct, "%", not_measured),),
                quality,
                SOURCES["quality"],
            ),
            Metric(
                "strength",
                "Strength",
                (
                    Reading("of your maximum", self.strength_pct, "%"),
                    Reading("strongest squeeze above rest", self.peak, u),
                ),
                f"100 % = {hundred}: {self.max_rise:.1f} {u} above your rest level.",
                SOURCES["strength"],
            ),
            Metric(
                "speed",
                "Speed",
                (
                    Reading("quick squeezes", self.flicks_per_10s, "per 10 s"),
                    Reading("mean rise time", self.rise_s, "s"),
                ),
                speed,
                SOURCES["speed"],
            ),
            Metric(
                "endurance",
                "Endurance",
                (
                    Reading("of the time asked", self.endurance_pct, "%"),
                    Reading("longest hold at ≥ 75 %", self.longest_hold_s, "s"),
                ),
                endurance,
                SOURCES["endurance"],
            ),
            Metric(
                "control", "Control", (Reading("targets reached", self.control_pct, "%"),), control, SOURCES["control"]
            ),
            Metric(
                "relaxation",
                "Relaxation",
                (
                    Reading("rest targets reached", self.relaxation_pct, "%"),
                    Reading("back to rest after a squeeze", self.return_to_rest_s, "s"),
                ),
                relaxation,
                SOURCES["relaxation"],
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"results": list(self.results), "metrics": [asdict(m) for m in self.metrics()]}
