"""The exercise library as data: what each exercise is for, how to do it, how much, and its timeline.

Every exercise names its source (facts/clinical.md unless said otherwise); ``to_protocol`` turns an exercise and
a dosage into a ``Protocol`` that a live session (or the simulator) can run, cue by cue.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from pelvicore.errors import ProtocolError
from pelvicore.training.protocols import Protocol, Step

Position = Literal["lying", "sitting", "kneeling", "standing"]
POSITIONS: tuple[Position, ...] = ("lying", "sitting", "kneeling", "standing")

# Sources, quoted where an exercise or a plan rule uses them.
NICE_CG171 = "NICE CG171: at least 8 contractions, 3 times a day, for at least 12 weeks"
NICE_NG210 = "NICE NG210: review during and at the end of training; if she cannot contract, add biofeedback"
BO_MOTHERFIT = (
    "Bø-style programme (MOTHERFIT, Trials 2019): build to 8-12 contractions of 6-8 s, rest twice the hold at first, "
    "then 3-4 fast contractions; 3 sets a day in lying, sitting, kneeling, standing; maintenance 2 days a week"
)
BO_SPEED = "Bø-style speed work (MOTHERFIT, Trials 2019): 10 x 3 -> 10 x 5 quick contractions, 3 times a day"
HUNG_2012 = "Hung 2012: 6 holds of 10 s with 10 s rest, at least 3 times a day, 4 months"
PERFECT = "Laycock & Jerwood 2001, Physiotherapy 87(12):631 (fast = 1 s contractions; endurance up to 10 s)"
GLAZER_ENDURANCE = "Oleksy et al. 2021, IJERPH 18(2):765 (Glazer endurance contraction: 60 s at a level you can hold)"
GLAZER_1995 = (
    "Glazer 1995: home sEMG down-training of an over-tight floor, ~16 weeks (resting tension -68 %, pain -83 %); "
    "relaxation = slow full release to baseline, lengthened rest, breathing"
)
BREATHING = "Perifit help centre: exhale during the contraction, do not hold the breath"
PUSH_RULE = "Perifit's two-zone rule: an abdominal rise as large as the floor's is bearing down, not lifting"
KNACK = (
    "Miller et al. 1998, the Knack: a squeeze just before a cough (as in protocols.py; not in facts/clinical.md); "
    "Perifit's Practice Lab cough test (facts/devices.md)"
)
PERCENT_OF_MAX = "facts/clinical.md: amplitudes are read as % of the person's own maximum (%MVC)"

_BREATHE = "Breathe out as you squeeze; never hold your breath."
_ONLY_FLOOR = "Keep your buttocks, thighs and tummy soft: only the pelvic floor works."
_LIFT = "Squeeze and lift inside, as if holding in wind and stopping the flow of urine at the same time."
_LET_GO = "Let go completely after each squeeze, and rest before the next."


@dataclass(frozen=True, slots=True)
class Dosage:
    """How much of one exercise in one set.

    ``reps`` repetitions, each a squeeze of ``hold_s`` at ``effort`` (fraction of her maximum) then ``rest_s`` of
    rest. Exercise-specific: ``step_s`` is how much longer each rung of the endurance ladder is; ``floors`` the
    levels of the elevator; for relaxation ``hold_s`` is the in-breath and ``rest_s`` the out-breath.
    """

    reps: int
    hold_s: float
    rest_s: float
    effort: float = 1.0
    step_s: float = 0.0
    floors: int = 0


@dataclass(frozen=True, slots=True)
class Limits:
    """The dosage range pelvicore accepts for an exercise (inclusive)."""

    reps: tuple[int, int]
    hold_s: tuple[float, float]
    rest_s: tuple[float, float]
    effort: tuple[float, float]


@dataclass(frozen=True, slots=True)
class Exercise:
    """One exercise of the library: plain-language instructions, allowed positions, usual dose and its source."""

    id: str
    name: str
    purpose: str
    positions: tuple[Position, ...]
    instructions: tuple[str, ...]
    dosage: Dosage
    limits: Limits
    source: str


_ALL = POSITIONS
EXERCISES: dict[str, Exercise] = {
    e.id: e
    for e in (
        Exercise(
            "quick-flicks",
            "Quick flicks",
            "Speed: a fast, strong squeeze that lets go at once, as you need before a cough or a jump.",
            _ALL,
            (
                _LIFT,
                "Squeeze as hard and fast as you can for about a second, then let go at once.",
                _BREATHE,
                _ONLY_FLOOR,
            ),
            Dosage(reps=10, hold_s=1.0, rest_s=2.0),
            Limits(reps=(1, 20), hold_s=(0.5, 2.0), rest_s=(1.0, 10.0), effort=(0.5, 1.0)),
            f"{BO_SPEED}; {PERFECT}",
        ),
        Exercise(
            "holds",
            "Holds",
            "Strength: close-to-maximal squeezes held for several seconds.",
            _ALL,
            (
                _LIFT,
                "Squeeze as strongly as you can and keep the squeeze for the whole count.",
                _BREATHE,
                _ONLY_FLOOR,
                _LET_GO,
            ),
            Dosage(reps=8, hold_s=6.0, rest_s=12.0),
            Limits(reps=(1, 12), hold_s=(2.0, 10.0), rest_s=(2.0, 30.0), effort=(0.5, 1.0)),
            f"{BO_MOTHERFIT}; {NICE_CG171}; {HUNG_2012}",
        ),
        Exercise(
            "endurance-ladder",
            "Endurance ladder",
            "Endurance: a moderate squeeze held longer on each rung, up to a minute.",
            _ALL,
            (
                _LIFT,
                "Squeeze at a level you could keep for a minute (about two thirds of your strongest).",
                "Each rung is longer than the last; keep the level steady to the end of the count.",
                _BREATHE,
                "Breathe slowly and steadily all the way through the hold.",
                _ONLY_FLOOR,
            ),
            Dosage(reps=3, hold_s=10.0, rest_s=10.0, effort=0.6, step_s=10.0),
            Limits(reps=(1, 6), hold_s=(5.0, 60.0), rest_s=(5.0, 60.0), effort=(0.3, 0.8)),
            f"{GLAZER_ENDURANCE}; {HUNG_2012}",
        ),
        Exercise(
            "elevator",
            "Elevator",
            "Control: squeeze in steps up to your strongest, then come down floor by floor.",
            ("lying", "sitting", "standing"),
            (
                "Picture a lift going up: squeeze a little for the first floor, a bit more for each floor above.",
                "At the top squeeze as strongly as you can, then let the lift down one floor at a time.",
                _BREATHE,
                _ONLY_FLOOR,
            ),
            Dosage(reps=2, hold_s=2.0, rest_s=10.0, floors=4),
            Limits(reps=(1, 5), hold_s=(1.0, 5.0), rest_s=(5.0, 30.0), effort=(1.0, 1.0)),
            f"floor levels as % of her own maximum ({PERCENT_OF_MAX}); top floor close to maximal as in "
            f"{BO_MOTHERFIT}. The 3-5 floors at equal steps are pelvicore's choice, not from a published programme",
        ),
        Exercise(
            "knack",
            "The Knack",
            "Function: squeeze just before you cough, sneeze, laugh or lift, and keep it through the effort.",
            ("sitting", "kneeling", "standing"),
            (
                "When the cue comes, squeeze and lift first, then cough while you keep the squeeze.",
                "Let go only after the cough.",
                "Use the same squeeze before every sneeze, laugh or lift.",
                _ONLY_FLOOR,
            ),
            Dosage(reps=3, hold_s=2.0, rest_s=8.0),
            Limits(reps=(1, 10), hold_s=(1.0, 4.0), rest_s=(5.0, 30.0), effort=(0.5, 1.0)),
            KNACK,
        ),
        Exercise(
            "relaxation",
            "Relaxation breathing (reverse Kegel)",
            "Relaxation of an over-tight floor: lengthen and let go on each in-breath.",
            ("lying", "sitting", "kneeling"),
            (
                "Lie or sit comfortably with one hand on your belly.",
                "Breathe in slowly into your belly; as it rises, let the pelvic floor drop and widen.",
                "Breathe out gently through your mouth without squeezing.",
                "Nothing to push: just let go a little more with each breath.",
            ),
            Dosage(reps=8, hold_s=4.0, rest_s=6.0, effort=0.0),
            Limits(reps=(3, 30), hold_s=(3.0, 8.0), rest_s=(3.0, 10.0), effort=(0.0, 0.0)),
            f"{GLAZER_1995}; {BREATHING}",
        ),
        Exercise(
            "contract-relax",
            "Squeeze and let go",
            "Relaxation with feedback: a gentle squeeze, then a slow, complete release back to your resting level.",
            ("lying", "sitting", "kneeling"),
            (
                "Squeeze gently, about half of your strongest.",
                "Then let go slowly and completely; watch the trace come all the way back down to rest.",
                "Keep breathing; on the rest, breathe into your belly and let go a little more.",
                _ONLY_FLOOR,
            ),
            Dosage(reps=8, hold_s=3.0, rest_s=12.0, effort=0.5),
            Limits(reps=(3, 12), hold_s=(2.0, 6.0), rest_s=(8.0, 30.0), effort=(0.3, 0.6)),
            GLAZER_1995,
        ),
        Exercise(
            "lift-practice",
            "Lift practice",
            "Technique: learn to lift without pushing down, with the two-zone display as a guide.",
            ("lying", "sitting"),
            (
                _LIFT,
                "Squeeze gently, about half of your strongest, and watch the display: the floor bar should "
                "rise, the tummy bar should stay low.",
                "If the tummy bar rises as much as the floor bar, you are "
                "pushing down: stop, relax, and try a smaller, inward lift.",
                _BREATHE,
                _ONLY_FLOOR,
            ),
            Dosage(reps=8, hold_s=3.0, rest_s=10.0, effort=0.5),
            Limits(reps=(3, 12), hold_s=(2.0, 6.0), rest_s=(5.0, 20.0), effort=(0.3, 0.7)),
            f"{NICE_NG210}; {PUSH_RULE}",
        ),
    )
}


def get_exercise(exercise_id: str) -> Exercise:
    """Return the exercise called ``exercise_id``; ``ProtocolError`` lists the known ones otherwise."""
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise ProtocolError(f"unknown exercise {exercise_id!r} (expected one of: {', '.join(EXERCISES)})") from None


def _rest(duration_s: float, kind: str = "rest") -> Step:
    return Step("rest", duration_s, kind, 0.0)


def _squeezes(kind: str) -> Callable[[Dosage], list[Step]]:
    def build(d: Dosage) -> list[Step]:
        return [s for _ in range(d.reps) for s in (Step("squeeze", d.hold_s, kind, d.effort), _rest(d.rest_s))]

    return build


def _ladder(d: Dosage) -> list[Step]:
    steps = []
    for i in range(d.reps):
        steps += [Step("squeeze", d.hold_s + i * d.step_s, "endurance", d.effort), _rest(d.rest_s)]
    return steps


def _elevator(d: Dosage) -> list[Step]:
    up = [(i + 1) / d.floors for i in range(d.floors)]
    ride = [Step("squeeze", d.hold_s, "elevator", round(e, 3)) for e in up + up[-2::-1]]
    return [s for _ in range(d.reps) for s in (*ride, _rest(d.rest_s))]


def _knack(d: Dosage) -> list[Step]:
    return [s for _ in range(d.reps) for s in (Step("cough", d.hold_s, "cough", d.effort), _rest(d.rest_s))]


def _breathing(d: Dosage) -> list[Step]:
    return [s for _ in range(d.reps) for s in (_rest(d.hold_s, "breathe-in"), _rest(d.rest_s, "breathe-out"))]


_BUILDERS: dict[str, Callable[[Dosage], list[Step]]] = {
    "quick-flicks": _squeezes("fast"),
    "holds": _squeezes("hold"),
    "endurance-ladder": _ladder,
    "elevator": _elevator,
    "knack": _knack,
    "relaxation": _breathing,
    "contract-relax": _squeezes("gentle"),
    "lift-practice": _squeezes("lift"),
}


def check_dosage(exercise: Exercise, dosage: Dosage) -> None:
    """Raise ``ProtocolError`` naming the first value of ``dosage`` outside ``exercise.limits``."""
    lim = exercise.limits
    checks: list[tuple[str, float, tuple[float, float]]] = [
        ("reps", dosage.reps, lim.reps),
        ("hold_s", dosage.hold_s, lim.hold_s),
        ("rest_s", dosage.rest_s, lim.rest_s),
        ("effort", dosage.effort, lim.effort),
    ]
    if not isinstance(dosage.reps, int) or isinstance(dosage.reps, bool):
        raise ProtocolError(f"{exercise.id}: reps must be a whole number, got {dosage.reps!r}")
    for name, value, (lo, hi) in checks:
        if not math.isfinite(value) or not lo <= value <= hi:
            raise ProtocolError(f"{exercise.id}: {name} must be between {lo:g} and {hi:g}, got {value!r}")
    if exercise.id == "elevator" and dosage.floors not in (3, 4, 5):
        raise ProtocolError(f"elevator: floors must be 3, 4 or 5, got {dosage.floors!r}")
    if exercise.id == "endurance-ladder":
        top = dosage.hold_s + (dosage.reps - 1) * dosage.step_s
        if not (math.isfinite(dosage.step_s) and dosage.step_s >= 0 and top <= lim.hold_s[1]):
            raise ProtocolError(
                f"endurance-ladder: the top rung must be at most {lim.hold_s[1]:g} s with a step >= 0 s, got "
                f"{dosage.hold_s:g} s + {dosage.reps - 1} x {dosage.step_s!r} s"
            )


def describe(exercise: Exercise, dosage: Dosage) -> str:
    """The dose in a few plain words, e.g. ``8 x 6 s holds, 12 s rest``."""
    if exercise.id == "elevator":
        return f"{dosage.reps} rides of {dosage.floors} floors, {dosage.hold_s:g} s a floor"
    if exercise.id == "endurance-ladder":
        top = dosage.hold_s + (dosage.reps - 1) * dosage.step_s
        return f"{dosage.reps} rungs from {dosage.hold_s:g} s to {top:g} s at {dosage.effort:.0%} effort"
    if exercise.id == "relaxation":
        return f"{dosage.reps} slow breaths ({dosage.hold_s:g} s in, {dosage.rest_s:g} s out)"
    if exercise.id == "knack":
        return f"{dosage.reps} squeeze-then-cough"
    effort = "" if dosage.effort >= 1.0 else f" at {dosage.effort:.0%} effort"
    return f"{dosage.reps} x {dosage.hold_s:g} s{effort}, {dosage.rest_s:g} s rest"


def to_protocol(
    exercise: str | Exercise, dosage: Dosage | None = None, *, position: Position | None = None, lead_in_s: float = 8.0
) -> Protocol:
    """Turn one exercise at ``dosage`` (default: its usual dose) into a timeline of cues.

    The timeline starts with ``lead_in_s`` of rest, so the analysis sees the resting level before the first cue,
    and ends with 5 s of rest for the last release.
    """
    ex = get_exercise(exercise) if isinstance(exercise, str) else exercise
    dose = ex.dosage if dosage is None else dosage
    check_dosage(ex, dose)
    if position is not None and position not in ex.positions:
        raise ProtocolError(f"{ex.id}: position must be one of {', '.join(ex.positions)}, got {position!r}")
    if not (math.isfinite(lead_in_s) and lead_in_s >= 0):
        raise ProtocolError(f"{ex.id}: lead_in_s must be >= 0 s, got {lead_in_s!r}")
    steps = ([_rest(lead_in_s)] if lead_in_s > 0 else []) + _BUILDERS[ex.id](dose) + [_rest(5.0)]
    where = f", {position}" if position else ""
    return Protocol(ex.id, f"{ex.name}{where}: {describe(ex, dose)}", tuple(steps), ex.source)


def combine(name: str, title: str, parts: Sequence[Protocol]) -> Protocol:
    """One session made of several exercises, run one after the other."""
    if not parts:
        raise ProtocolError(f"{name}: a session needs at least one exercise")
    sources = list(dict.fromkeys(p.source for p in parts))
    return Protocol(name, title, tuple(s for p in parts for s in p.steps), " | ".join(sources))


def check_protocol(protocol: Protocol) -> None:
    """Raise ``ProtocolError`` unless every step has a known action, a finite positive duration and 0 <= effort <= 1."""
    if not protocol.steps:
        raise ProtocolError(f"{protocol.name}: no steps")
    for i, step in enumerate(protocol.steps):
        if step.action not in ("rest", "squeeze", "cough"):
            raise ProtocolError(f"{protocol.name}: step {i}: unknown action {step.action!r}")
        if not (math.isfinite(step.duration_s) and step.duration_s > 0):
            raise ProtocolError(f"{protocol.name}: step {i}: duration must be > 0 s, got {step.duration_s!r}")
        if not (math.isfinite(step.effort) and 0.0 <= step.effort <= 1.0):
            raise ProtocolError(f"{protocol.name}: step {i}: effort must be in [0, 1], got {step.effort!r}")
