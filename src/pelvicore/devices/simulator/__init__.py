"""The simulator: a virtual person following a protocol, as a recording or as a live ``Source``."""

from pelvicore.devices.simulator.persons import PERSONS, Person, get_person
from pelvicore.devices.simulator.source import SimulatorSource
from pelvicore.devices.simulator.synthesis import Simulation, TruthContraction, TruthEvent, check_options, simulate

__all__ = [
    "PERSONS",
    "Person",
    "Simulation",
    "SimulatorSource",
    "TruthContraction",
    "TruthEvent",
    "check_options",
    "get_person",
    "simulate",
]
