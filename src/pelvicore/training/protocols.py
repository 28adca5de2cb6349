"""Protocol timelines held as data: what the person is asked to do, second by second.

Sources of the timelines:
- Glazer protocol: Oleksy et al. 2021, IJERPH 18(2):765 — 60 s rest; 5 x (2 s flick + 10 s rest, or 2 s rest);
  5 x (10 s hold + 10 s rest); 60 s endurance; 60 s rest (340 s).
- PERFECT: Laycock & Jerwood 2001, Physiotherapy 87(12):631 — power (best of 3 maximal), endurance (up to 10 s),
  repetitions (up to 10 holds, ~4 s rest), fast (up to 10 one-second contractions).
- Daily training: Bø-style dosing (MOTHERFIT, Trials 2019): 8-12 holds of 6-8 s, rest twice the hold,
  then 3-4 fast contractions; NICE CG171: at least 8 contractions, 3 times a day.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal, TypeGuard, get_args

from pelvicore.errors import ProtocolError

Action = Literal["rest", "squeeze", "cough"]
MAX_STEPS = 2000


@dataclass(frozen=True, slots=True)
class Step:
    """One cue of a protocol.

    ``effort`` is the asked-for fraction of the person's maximum (1 = as hard as possible);
    ``kind`` names the exercise (``maximal``, ``flick``, ``hold``, ``endurance``, ``fast``, ``cough``, ``rest``).
    """

    action: Action
    duration_s: float
    kind: str
    effort: float = 1.0

    @property
    def instruction(self) -> str:
        if self.action == "rest":
            return "Relax completely and breathe"
        if self.action == "cough":
            return "Squeeze, then cough"
        if self.kind == "endurance":
            return f"Squeeze at a level you can hold for {self.duration_s:g} s"
        if self.kind in ("flick", "fast"):
            return "Quick squeeze and let go"
        return f"Squeeze and lift, hold for {self.duration_s:g} s"


@dataclass(frozen=True, slots=True)
class Protocol:
    name: str
    title: str
    steps: tuple[Step, ...]
    source: str

    @property
    def duration_s(self) -> float:
        return sum(step.duration_s for step in self.steps)

    def cue_times(self) -> list[tuple[float, Step]]:
        """Start time, s, of every step."""
        t = 0.0
        out = []
        for step in self.steps:
            out.append((t, step))
            t += step.duration_s
        return out

    def to_dict(self) -> dict[str, Any]:
        """The routine as data (what a session stores: the steps it plays, not a name to re-parse)."""
        return {"name": self.name, "title": self.title, "source": self.source, "steps": [asdict(s) for s in self.steps]}

    @classmethod
    def from_dict(cls, data: object) -> Protocol:
        """The routine ``to_dict`` wrote; ``ProtocolError`` naming what is wrong otherwise."""
        if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
            raise ProtocolError("a stored routine must be an object with a list of steps")
        name, title, source = (data.get(k) for k in ("name", "title", "source"))
        if not (isinstance(name, str) and isinstance(title, str) and isinstance(source, str)):
            raise ProtocolError("a stored routine needs text for its name, title and source")
        if not 0 < len(data["steps"]) <= MAX_STEPS:
            raise ProtocolError(f"a stored routine has 1 to {MAX_STEPS} steps, got {len(data['steps'])}")
        return cls(name, title, tuple(_step(i, s) for i, s in enumerate(data["steps"])), source)


def _step(i: int, data: object) -> Step:
    where = f"step {i + 1}"
    if not isinstance(data, dict):
        raise ProtocolError(f"{where}: expected an object, got {data!r}")
    action, kind = data.get("action"), data.get("kind")
    duration, effort = data.get("duration_s"), data.get("effort", 1.0)
    if action not in get_args(Action):
        raise ProtocolError(f"{where}: action must be one of {', '.join(get_args(Action))}, got {action!r}")
    if not _finite(duration) or duration <= 0:
        raise ProtocolError(f"{where}: duration_s must be a finite number of seconds > 0, got {duration!r}")
    if not _finite(effort) or not 0 <= effort <= 1:
        raise ProtocolError(f"{where}: effort must be a fraction of her maximum from 0 to 1, got {effort!r}")
    if not isinstance(kind, str) or not kind or len(kind) > 50:
        raise ProtocolError(f"{where}: kind must be a short name, got {kind!r}")
    return Step(action, float(duration), kind, float(effort))  # type: ignore[arg-type]


def _finite(value: object) -> TypeGuard[int | float]:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _rest(s: float) -> Step:
    return Step("rest", s, "rest", 0.0)


def _repeat(n: int, *steps: Step) -> tuple[Step, ...]:
    return tuple(step for _ in range(n) for step in steps)


def _glazer(flick_rest_s: float) -> tuple[Step, ...]:
    return (
        (_rest(60.0),)
        + _repeat(5, Step("squeeze", 2.0, "flick"), _rest(flick_rest_s))
        + _repeat(5, Step("squeeze", 10.0, "hold"), _rest(10.0))
        + (Step("squeeze", 60.0, "endurance", 0.6), _rest(60.0))
    )


#: No cues and no end: a recording replayed, or a trainer recorded until stopped.
FREE = Protocol("free", "Free practice", (), "no cues: a recording replayed, or a trainer until stopped")

PROTOCOLS: dict[str, Protocol] = {
    p.name: p
    for p in (
        Protocol(
            "quick-check",
            "Quick check (about a minute)",
            (_rest(5.0),)
            + _repeat(3, Step("squeeze", 5.0, "maximal"), _rest(5.0))
            + _repeat(5, Step("squeeze", 1.0, "flick"), _rest(2.0))
            + (Step("squeeze", 10.0, "hold", 0.8), _rest(6.0)),
            "pelvicore quick check: 3 maximal squeezes (Laycock & Jerwood 2001), flicks, one 10 s hold",
        ),
        Protocol("glazer", "Glazer protocol (340 s)", _glazer(10.0), "Oleksy et al. 2021, IJERPH 18(2):765"),
        Protocol(
            "glazer-2s",
            "Glazer protocol, 2 s flick rest (300 s)",
            _glazer(2.0),
            "Oleksy et al. 2021, IJERPH 18(2):765 (2 s rest variant)",
        ),
        Protocol(
            "perfect",
            "PERFECT assessment",
            (_rest(10.0),)
            + _repeat(3, Step("squeeze", 5.0, "maximal"), _rest(10.0))
            + _repeat(5, Step("squeeze", 10.0, "hold", 0.9), _rest(5.0))
            + _repeat(10, Step("squeeze", 1.0, "fast"), _rest(2.0))
            + (_rest(5.0),),
            "Laycock & Jerwood 2001, Physiotherapy 87(12):631",
        ),
        Protocol(
            "daily",
            "Daily training set",
            (_rest(8.0),)
            + _repeat(10, Step("squeeze", 8.0, "hold", 0.8), _rest(12.0))
            + _repeat(4, Step("squeeze", 1.0, "fast"), _rest(3.0))
            + (_rest(5.0),),
            "Bø-style dosing, MOTHERFIT (Trials 2019); NICE CG171",
        ),
        Protocol(
            "cough",
            "Cough test (the Knack)",
            (_rest(8.0),) + _repeat(3, Step("cough", 2.0, "cough"), _rest(8.0)),
            "Miller et al. 1998 (the Knack); Perifit Practice Lab cough test",
        ),
    )
}
