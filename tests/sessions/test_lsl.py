"""A live session on the Lab Streaming Layer: an inlet in the same process gets its channels, samples and markers.

Discovery stays on this machine's loopback interface: liblsl reads ``lsl_api.cfg`` (beside this file, named by
``LSLAPICFG``) when it is first used.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from pelvicore.devices.simulator import SimulatorSource
from pelvicore.sessions import SessionManager
from pelvicore.sessions.lsl import LslUnavailable, open_lsl, require_pylsl, source_ids, stream_lsl
from pelvicore.signal.frames import Frame
from pelvicore.store import SessionStore, make_engine, migrate
from pelvicore.training.routines import get_protocol

LSL_API_CFG = Path(__file__).with_name("lsl_api.cfg")


@pytest.fixture(autouse=True, scope="module")
def loopback_only() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSLAPICFG", str(LSL_API_CFG))
        yield


@dataclass
class Received:
    """What an inlet pulled from a session's two streams."""

    info: Any = None
    samples: list[list[float]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    marker_times: list[float] = field(default_factory=list)
    gone_after_end: bool = False


def record(session_id: str, connected: threading.Event, received: Received, *, timeout_s: float = 15.0) -> None:
    """Resolve the session's streams (loopback), subscribe, and pull until both are lost: closed by the outlet."""
    import pylsl

    signal_id, markers_id = source_ids(session_id)
    (signal_info,) = pylsl.resolve_byprop("source_id", signal_id, timeout=2.0)
    (markers_info,) = pylsl.resolve_byprop("source_id", markers_id, timeout=2.0)
    signal, markers = pylsl.StreamInlet(signal_info, recover=False), pylsl.StreamInlet(markers_info, recover=False)
    received.info = signal.info(timeout=2.0)
    signal.open_stream(timeout=2.0)
    markers.open_stream(timeout=2.0)
    connected.set()
    deadline = time.monotonic() + timeout_s
    open_inlets = {"signal": signal, "markers": markers}
    while open_inlets and time.monotonic() < deadline:
        for name, inlet in list(open_inlets.items()):
            try:
                chunk, stamps = inlet.pull_chunk(timeout=0.02)
            except pylsl.util.LostError:
                del open_inlets[name]
                continue
            if name == "signal":
                received.samples += chunk
                received.times += stamps
            else:
                received.markers += [m[0] for m in chunk]
                received.marker_times += stamps
    received.gone_after_end = not open_inlets and not pylsl.resolve_byprop("source_id", signal_id, timeout=0.3)


class HeldSimulator(SimulatorSource):
    """The simulator, holding its first frame until ``go`` is set (once the inlets are connected)."""

    def __init__(self, *args: Any, go: asyncio.Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.go = go

    async def _frames(self) -> AsyncIterator[Frame]:
        await self.go.wait()
        async for frame in super()._frames():
            yield frame


@contextlib.contextmanager
def in_memory_store() -> Iterator[SessionStore]:
    """A store on a throw-away in-memory database, as ``pelvicore live`` uses."""
    engine = make_engine("sqlite://")
    try:
        migrate(engine)
        yield SessionStore(engine)
    finally:
        engine.dispose()


def test_an_inlet_gets_the_sessions_channels_samples_and_markers() -> None:
    pylsl = pytest.importorskip("pylsl")

    async def scenario() -> tuple[str, Received, Any, Any]:
        with in_memory_store() as store:
            manager = SessionManager(store, flush_s=0.2)
            user, routine, go = store.ensure_user(), get_protocol("quick-check"), asyncio.Event()
            source = HeldSimulator("healthy", routine, seed=3, speed=10, go=go)
            session_id = await manager.start_source(user, source, routine, kind="simulator")
            publisher = open_lsl(manager, session_id)
            connected, received = threading.Event(), Received()
            pulling = asyncio.create_task(asyncio.to_thread(record, session_id, connected, received))
            assert await asyncio.to_thread(connected.wait, 5.0)
            publishing = asyncio.create_task(stream_lsl(publisher, manager.fanout, session_id))
            started = pylsl.local_clock()
            go.set()
            await publishing
            await pulling
            await manager.shutdown()
            assert abs(received.times[0] - started) < 0.2  # local_clock() at the session's start + t
            return session_id, received, store.load_trace(session_id, owner=user), store.get(session_id, owner=user)

    session_id, received, (fs_hz, trace, index), stored = asyncio.run(scenario())
    info = received.info
    assert info.name() == "pelvicore quick-check" and info.type() == "Pressure"
    assert info.source_id() == f"pelvicore-{session_id}" and info.nominal_srate() == 50.0
    assert info.channel_count() == 2
    assert info.get_channel_labels() == ["floor", "abdomen"]
    assert info.get_channel_units() == ["cmH2O", "cmH2O"]
    assert info.get_channel_types() == ["Pressure", "Pressure"]

    got = np.asarray(received.samples)
    assert index[0] == 0 and len(got) == len(index) > 3000  # every sample of the 66 s session
    assert_allclose(got[:, 0], trace["floor"].astype(np.float32), rtol=1e-6)
    assert_allclose(got[:, 1], trace["abdomen"].astype(np.float32), rtol=1e-6)
    zero = received.times[0]
    assert_allclose(np.asarray(received.times) - zero, index / fs_hz, atol=1e-6)

    assert stored is not None and stored.status == "completed"
    markers = received.markers
    assert [m for m in markers if not m.startswith(("contraction ", "end "))] == [c["text"] for c in stored.cues]
    contractions = [m for m in markers if m.startswith("contraction ")]
    assert len(contractions) == len(stored.contractions) >= 8
    assert all(m.startswith("contraction lift peak ") and " cmH2O hold " in m for m in contractions)
    assert markers[-1] == "end completed"
    # Markers sit at their session times on the signal's clock: cues when given, contractions at their onset.
    cue_times = [
        t for m, t in zip(markers, received.marker_times, strict=True) if m in {c["text"] for c in stored.cues}
    ]
    assert_allclose(np.asarray(cue_times) - zero, [c["t_s"] for c in stored.cues], atol=1e-3)
    onsets = [t for m, t in zip(markers, received.marker_times, strict=True) if m.startswith("contraction ")]
    assert_allclose(np.asarray(onsets) - zero, [c["onset_s"] for c in stored.contractions], atol=1e-3)
    assert received.gone_after_end  # the outlets closed with the session


def test_an_emg_session_is_an_emg_stream_in_microvolts() -> None:
    pylsl = pytest.importorskip("pylsl")

    async def scenario() -> Any:
        with in_memory_store() as store:
            manager = SessionManager(store, flush_s=0.2)
            routine, go = get_protocol("cough"), asyncio.Event()
            source = HeldSimulator("healthy", routine, signals="emg", speed=10, go=go)
            session_id = await manager.start_source(store.ensure_user(), source, routine, kind="simulator")
            publisher = open_lsl(manager, session_id)
            (found,) = await asyncio.to_thread(pylsl.resolve_byprop, "source_id", f"pelvicore-{session_id}", 1, 2.0)
            info = await asyncio.to_thread(pylsl.StreamInlet(found).info, 2.0)
            await asyncio.to_thread(publisher.close)
            await manager.shutdown()
            return info

    info = asyncio.run(scenario())
    assert info.type() == "EMG" and info.name() == "pelvicore cough"
    assert set(info.get_channel_units()) == {"uV"} and set(info.get_channel_types()) == {"EMG"}


def test_without_pylsl_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pylsl", None)  # ``import pylsl`` raises ImportError

    async def scenario() -> None:
        with in_memory_store() as store:
            manager = SessionManager(store, flush_s=0.2)
            session_id = await manager.start_simulator(
                store.ensure_user(), profile="healthy", routine="cough", speed=100
            )
            with pytest.raises(LslUnavailable, match=r"install pelvicore\[lsl\]"):
                open_lsl(manager, session_id)
            await manager.shutdown()

    with pytest.raises(LslUnavailable, match=r"install pelvicore\[lsl\]"):
        require_pylsl()
    asyncio.run(scenario())


def test_live_lsl_without_pylsl_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from pelvicore.cli import app

    monkeypatch.setitem(sys.modules, "pylsl", None)
    result = CliRunner().invoke(app, ["live", "--lsl", "--speed", "0"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "pelvicore: error: publishing on the Lab Streaming Layer needs pylsl: install pelvicore[lsl]"
    ]


def test_live_lsl_publishes_the_terminal_session(capsys: pytest.CaptureFixture[str]) -> None:
    pylsl = pytest.importorskip("pylsl")
    from pelvicore.live_terminal import run_live

    found: list[Any] = []

    def resolve() -> None:
        found.extend(pylsl.resolve_byprop("name", "pelvicore cough", timeout=3.0))

    async def scenario() -> None:
        looking = asyncio.create_task(asyncio.to_thread(resolve))
        await run_live(profile="healthy", protocol="cough", speed=20, seed=0, file=None, lsl=True)
        await looking

    asyncio.run(scenario())
    out = capsys.readouterr().out
    assert "Publishing on the Lab Streaming Layer as pelvicore-" in out
    assert found and found[0].type() == "Pressure" and found[0].source_id() in out
    assert out.rstrip().splitlines()[-1].startswith("Session complete.")
    assert not pylsl.resolve_byprop("source_id", found[0].source_id(), timeout=0.3)  # closed at its end
