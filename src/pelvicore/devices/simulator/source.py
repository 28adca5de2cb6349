"""The simulator as a live ``Source``."""

from __future__ import annotations

from pelvicore.devices.frames_source import RecordingSource
from pelvicore.devices.simulator.synthesis import Signals, Simulation, simulate
from pelvicore.training.protocols import PROTOCOLS, Protocol


class SimulatorSource(RecordingSource):
    """A virtual person (``profile``) following ``protocol``'s steps, streamed at ``speed`` x real time."""

    def __init__(
        self,
        profile: str = "healthy",
        protocol: Protocol = PROTOCOLS["quick-check"],
        *,
        seed: int = 0,
        speed: float = 1.0,
        signals: Signals = "pressure",
        fs_hz: float | None = None,
        start_index: int = 0,
    ) -> None:
        self.simulation: Simulation = simulate(profile, protocol, seed=seed, signals=signals, fs_hz=fs_hz)
        super().__init__(self.simulation.recording, name=f"simulator:{profile}", speed=speed, start_index=start_index)
