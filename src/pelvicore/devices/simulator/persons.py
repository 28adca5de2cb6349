"""Virtual people for the simulator: how their pelvic floor and abdomen behave.

Numbers come from ``facts/clinical.md``: maximal squeeze pressure above rest by Angelo et al. 2017 (PLoS ONE
12:e0187045; very weak 7.5-14.5, moderate 26.6-41.5, good 41.6-60.5 cmH2O), surface-EMG levels from Oleksy 2020
(Medicine 99:e19060; rest ~6 uV, phasic ~50 uV), the hypertonic picture (raised resting tone, slow incomplete
release) from Glazer 1995, and the push rule from Perifit (abdominal rise >= floor rise is bearing down).
"""

from __future__ import annotations

from dataclasses import dataclass

from pelvicore.errors import ProtocolError

Range = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Person:
    """Parameters of a virtual person; each ``Range`` is drawn once per seed, uniformly."""

    name: str
    description: str
    rest_floor_cmh2o: Range = (18.0, 30.0)
    rest_abdomen_cmh2o: Range = (20.0, 32.0)
    mvc_cmh2o: Range = (30.0, 55.0)
    rise_s: Range = (0.15, 0.4)
    release_s: Range = (0.2, 0.45)
    residual_frac: Range = (0.0, 0.03)
    residual_tau_s: float = 1.5
    hold_decline_per_10s: Range = (0.0, 0.08)
    rep_decline: float = 0.005
    push_fraction: float = 0.0
    lift_abdomen_ratio: Range = (0.0, 0.25)
    push_abdomen_ratio: Range = (1.1, 1.6)
    reaction_s: Range = (0.2, 0.5)
    knack: bool = True
    emg_rest_uv: Range = (2.5, 3.5)
    emg_mvc_uv: Range = (40.0, 80.0)


PERSONS: dict[str, Person] = {
    p.name: p
    for p in (
        Person("healthy", "Strong, quick, complete release; lifts correctly."),
        Person(
            "weak",
            "Very weak to weak squeezes (7-14 cmH2O above rest), slower rise.",
            mvc_cmh2o=(7.0, 14.0),
            rise_s=(0.3, 0.7),
            release_s=(0.3, 0.6),
            hold_decline_per_10s=(0.05, 0.2),
            knack=False,
            emg_mvc_uv=(18.0, 30.0),
        ),
        Person(
            "fatiguing",
            "Moderate strength that fades within each hold and from one squeeze to the next.",
            mvc_cmh2o=(25.0, 45.0),
            hold_decline_per_10s=(0.25, 0.45),
            rep_decline=0.035,
            emg_mvc_uv=(30.0, 60.0),
        ),
        Person(
            "hypertonic",
            "Raised resting tone, slow and incomplete release (an over-tight floor).",
            rest_floor_cmh2o=(40.0, 55.0),
            mvc_cmh2o=(12.0, 28.0),
            rise_s=(0.3, 0.8),
            release_s=(1.5, 3.5),
            residual_frac=(0.15, 0.35),
            residual_tau_s=6.0,
            reaction_s=(0.3, 0.8),
            knack=False,
            emg_rest_uv=(6.0, 10.0),
            emg_mvc_uv=(25.0, 45.0),
        ),
        Person(
            "bearing-down",
            "Often pushes down instead of lifting: the abdominal zone rises as much as or more than the floor.",
            mvc_cmh2o=(15.0, 35.0),
            push_fraction=0.6,
            knack=False,
            emg_mvc_uv=(25.0, 50.0),
        ),
    )
}


def get_person(name: str) -> Person:
    """Return the simulator profile called ``name``; ``ProtocolError`` lists the known ones otherwise."""
    try:
        return PERSONS[name]
    except KeyError:
        raise ProtocolError(f"unknown profile {name!r} (expected one of: {', '.join(PERSONS)})") from None
