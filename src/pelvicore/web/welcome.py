"""The first run: what she needs to know before her first session, in plain words, each fact with its source.

The page (``/welcome``) walks through the pelvic floor and a correct squeeze, choosing a sensor, putting a trainer in
and pairing it, the calibration her first session makes, and her goal. Pairing notes come from the trainers' pages
in ``docs/devices/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pelvicore.devices.ble.stream import stream_units
from pelvicore.devices.profiles import PROFILES
from pelvicore.signal.pipeline import abdominal_reference


@dataclass(frozen=True, slots=True)
class TrainerGuide:
    """How to get one kind of trainer going with pelvicore."""

    name: str
    title: str
    in_browser: bool  # a Chrome/Edge page can pair it itself (else: the computer's Bluetooth)
    pairing: str
    zones: str


#: Per trainer: pairing (docs/devices/<name>.md, "How to pair") and what it can measure.
_PAIRING: Final = {
    "perifit": "Take it out of its case to switch it on and close the Perifit app, so it does not hold the link.",
    "kgoal": "Switch it on and close the kGoal app. It pairs through this computer's Bluetooth: choose "
    "\u201cFind trainers near this computer\u201d on the start page.",
    "kgoal-boost": "Switch it on and close the kGoal app.",
    "elvie": "Close the Elvie app, then give it a few squeezes: an Elvie sleeps until it is squeezed.",
    "magic-motion": "Switch it on and close the maker's app.",
    "femfit": "A research probe: switch it on and close any other app using it.",
    "open": "A do-it-yourself probe that speaks pelvicore's open profile (see docs/devices/open-profile.md).",
}


def trainer_guides() -> list[TrainerGuide]:
    """Every trainer pelvicore knows, with how to pair it and whether it can tell a lift from a push."""
    guides = []
    for p in PROFILES.values():
        zones = (
            "Two pressure zones: it can tell lifting from pushing down."
            if abdominal_reference(stream_units(p)) is not None  # a second, deeper zone feels a push
            else "One pressure zone: it measures the squeeze, but cannot tell lifting from pushing down."
        )
        guides.append(TrainerGuide(p.name, p.title, p.web_bluetooth, _PAIRING.get(p.name, ""), zones))
    return guides


#: What she can train for, and where each leads (plan goals are those of ``training.dosing.Goal``).
GOALS: Final = (
    ("leaking", "Leaking when you cough, sneeze or jump", "strength",
     "Strength training: NICE CG171 advises at least 8 squeezes, 3 times a day, for at least 3 months."),
    ("back", "Back or tailbone pain", "strength",
     "A strength plan for the floor, and the back-care companion for pain, a diary and what helps."),
    ("strength", "A stronger floor, before or after a change (menopause, a birth)", "strength",
     "A strength plan that builds holds and quick squeezes week by week."),
    ("relaxation", "Tightness, pain with sex or a feeling of never letting go", "relaxation",
     "Relaxation training: slow, full release and breathing (Glazer 1995 down-training)."),
)  # fmt: skip
