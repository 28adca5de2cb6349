"""``pelvicore.simulate``: a virtual person following a routine given by its name or as steps.

The simulator itself (``devices/simulator``) takes steps; this resolves a routine's name first, through the one
resolver of routine names (``training.routines.get_protocol``).
"""

from __future__ import annotations

from pelvicore.devices.simulator.synthesis import Signals, Simulation
from pelvicore.devices.simulator.synthesis import simulate as simulate_steps
from pelvicore.training.protocols import Protocol
from pelvicore.training.routines import get_protocol


def simulate(
    profile: str,
    protocol: str | Protocol,
    *,
    seed: int = 0,
    fs_hz: float | None = None,
    signals: Signals = "pressure",
    artefacts: bool = True,
    dropouts: bool = True,
    mains_hz: float = 50.0,
) -> Simulation:
    """Simulate ``profile`` following ``protocol`` (a routine's name, e.g. ``quick-check``, or its steps); the
    same seed gives the same recording. See ``pelvicore.devices.simulator.simulate`` for the options."""
    steps = get_protocol(protocol) if isinstance(protocol, str) else protocol
    return simulate_steps(
        profile,
        steps,
        seed=seed,
        fs_hz=fs_hz,
        signals=signals,
        artefacts=artefacts,
        dropouts=dropouts,
        mains_hz=mains_hz,
    )
