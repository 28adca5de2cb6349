"""Phase windows of an assessment: from the file's cue annotations, or the protocol's timeline from the start.

A cue annotation reads ``cue <action> <kind>`` (``cue rest rest``, ``cue squeeze flick``, ``cue squeeze hold``,
``cue squeeze endurance``, ``cue cough cough``): pelvicore's simulator and recorder write them into EDF+ files
and CSV sidecars. Without cues, the Glazer timeline starts at the file's first sample:
60 s rest; 5 x (2 s flick + 10 s rest); 5 x (10 s hold + 10 s rest); 60 s endurance; 60 s rest = 340 s
(Glazer protocol: Oleksy et al. 2021, IJERPH 18(2):765).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pelvicore.errors import ProtocolError, SignalError
from pelvicore.recordings.model import Annotation, Recording

#: A recording may end this much before the last window does (the last sample's timing, a trimmed export).
END_TOLERANCE_S = 0.5


@dataclass(frozen=True, slots=True)
class Cue:
    """One instruction of a protocol, from ``start_s`` to ``end_s`` (s from the recording's first sample)."""

    action: str
    kind: str
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class Timeline:
    """The cues a recording followed, and where they came from."""

    cues: tuple[Cue, ...]
    origin: Literal["annotations", "default"]

    @property
    def end_s(self) -> float:
        return max((c.end_s for c in self.cues), default=0.0)

    def of_kind(self, kind: str) -> list[Cue]:
        return [c for c in self.cues if c.kind == kind]

    def next_start(self, cue: Cue) -> float:
        """Start of the next cue that asks for effort (squeeze or cough) after ``cue``; inf if none."""
        later = [c.start_s for c in self.cues if c.start_s >= cue.end_s and c.action != "rest"]
        return min(later, default=float("inf"))


def cues_from_annotations(annotations: Iterable[Annotation]) -> list[Cue]:
    """Cues in ``cue <action> <kind>`` annotations; a cue without a duration lasts until the next one."""
    parsed = []
    for a in sorted(annotations, key=lambda a: a.onset_s):
        words = a.text.split()
        if len(words) == 3 and words[0].lower() == "cue":
            parsed.append((a.onset_s, a.duration_s, words[1].lower(), words[2].lower()))
    cues = []
    for i, (onset, duration, action, kind) in enumerate(parsed):
        end = onset + duration if duration > 0 else (parsed[i + 1][0] if i + 1 < len(parsed) else onset)
        cues.append(Cue(action, kind, onset, end))
    return cues


def glazer_steps(flick_rest_s: float = 10.0) -> tuple[tuple[str, str, float], ...]:
    """The Glazer protocol as (action, kind, seconds) steps: the published timeline (10 s rest after each flick;
    2 s in its variant). Oleksy et al. 2021, IJERPH 18(2):765."""
    flicks = (("squeeze", "flick", 2.0), ("rest", "rest", flick_rest_s)) * 5
    holds = (("squeeze", "hold", 10.0), ("rest", "rest", 10.0)) * 5
    return (("rest", "rest", 60.0), *flicks, *holds, ("squeeze", "endurance", 60.0), ("rest", "rest", 60.0))


def timeline_from_steps(steps: Iterable[tuple[str, str, float]], *, start_s: float = 0.0) -> Timeline:
    """The cues of (action, kind, seconds) steps played one after another from ``start_s``."""
    cues, t = [], start_s
    for action, kind, duration_s in steps:
        cues.append(Cue(action, kind, t, t + duration_s))
        t += duration_s
    return Timeline(tuple(cues), "default")


def timeline_of(rec: Recording, default: Timeline, *, title: str) -> Timeline:
    """The recording's cue annotations when it has any (the cues a session actually gave, after any sensor
    gap), else ``default`` from the first sample.

    Raises ``SignalError`` when the recording ends before the timeline does.
    """
    cues = cues_from_annotations(rec.annotations)
    timeline = Timeline(tuple(cues), "annotations") if cues else default
    if rec.duration_s < timeline.end_s - END_TOLERANCE_S:
        where = "its cue annotations" if timeline.origin == "annotations" else "a timeline from the first sample"
        raise SignalError(
            f"the recording lasts {rec.duration_s:.1f} s, shorter than the {timeline.end_s:.0f} s {title} ({where})"
        )
    return timeline


@dataclass(frozen=True, slots=True)
class GlazerWindows:
    """The Glazer protocol's phases: cues of the rests, flicks, tonic holds and the endurance hold."""

    pre_rest: Cue
    flicks: tuple[Cue, ...]
    tonic: tuple[Cue, ...]
    endurance: Cue
    post_rest: Cue
    timeline: Timeline


def glazer_windows(timeline: Timeline) -> GlazerWindows:
    """Find the Glazer phases in ``timeline``; ``ProtocolError`` when it is not a Glazer session."""
    flicks, tonic, endurance = timeline.of_kind("flick"), timeline.of_kind("hold"), timeline.of_kind("endurance")
    missing = [name for name, cues in (("flick", flicks), ("hold", tonic), ("endurance", endurance)) if not cues]
    if missing:
        kinds = sorted({c.kind for c in timeline.cues})
        raise ProtocolError(
            f"the cue annotations are not a Glazer session: no {' / '.join(missing)} cue (cues found: {kinds})"
        )
    first_work = min(c.start_s for c in flicks + tonic + endurance)
    rests = [c for c in timeline.cues if c.action == "rest"]
    before = [c for c in rests if c.end_s <= first_work + 1e-6]
    after = [c for c in rests if c.start_s >= endurance[-1].end_s - 1e-6]
    if not before or not after:
        raise ProtocolError(
            "the cue annotations are not a Glazer session: no rest cue before the flicks or after the endurance hold"
        )
    return GlazerWindows(before[-1], tuple(flicks), tuple(tonic), endurance[-1], after[0], timeline)
