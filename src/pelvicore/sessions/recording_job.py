"""``pelvicore record``: pick the source, play it through the session engine to a file, show progress, keep
everything on Ctrl-C."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pelvicore.devices.ble.central import BleError
from pelvicore.devices.source import Source
from pelvicore.recordings import write_recording
from pelvicore.recordings.model import Recording
from pelvicore.sessions.recording import record_source
from pelvicore.training.protocols import FREE, Protocol
from pelvicore.training.routines import get_protocol

#: How long to listen for a trainer whose kind was not given.
IDENTIFY_S = 3.0


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def run_recording(
    device: str,
    out: Path,
    *,
    seconds: float | None = None,
    transport: str = "bleak",
    profile: str | None = None,
    person: str = "healthy",
    routine: str = "quick-check",
    speed: float | None = None,
) -> Recording | None:
    """Record ``device`` (``sim``, a file, or a trainer's address) to ``out``; the file is written even when
    the recording is interrupted, with whatever had arrived. The simulator follows ``routine`` (its cues are in
    the file); a file or a trainer plays with no routine, until it ends or is stopped."""
    if out.suffix.lower() not in (".csv", ".edf"):
        raise BleError(f"{out}: choose a .csv or .edf file to record to")
    if device == "sim":
        from pelvicore.devices.simulator import SimulatorSource

        steps = get_protocol(routine)
        source = SimulatorSource(person, steps, speed=speed or 0.0)
        return await _run(source, steps, out, seconds, {"source": f"simulator:{person}"})
    if Path(device).exists():
        from pelvicore.devices.replay import FileSource

        return await _run(
            FileSource(device, speed=speed or 0.0), FREE, out, seconds, {"source": f"file:{Path(device).name}"}
        )
    return await _run_trainer(device, out, seconds, transport, profile, speed or 1.0)


async def _run_trainer(
    address: str, out: Path, seconds: float | None, transport: str, profile_name: str | None, speed: float
) -> Recording | None:
    from pelvicore.devices.ble.hub import open_backend
    from pelvicore.devices.ble.sensor import SensorSource
    from pelvicore.devices.profiles import get_profile, identify

    async with open_backend(transport, speed=speed) as backend:
        if profile_name is not None:
            profile = get_profile(profile_name)
        else:
            _say(f"Looking for {address}…")
            heard = {a.address.upper(): a for a in await backend.central.scan(IDENTIFY_S)}
            advert = heard.get(address.upper())
            if advert is None:
                raise BleError(f"no device {address} heard in {IDENTIFY_S:g} s: is it switched on and in range?")
            found = identify(advert.name, advert.services)
            if found is None:
                raise BleError(
                    f"{address} ({advert.name or 'no name'}) is not a trainer pelvicore knows; try --profile"
                )
            profile = found
        # Until the session starts, what the trainer says (connecting, connected) is told here; then the runner
        # takes its news, and it is told from the session's messages.
        source = SensorSource(
            backend.central, address, profile, time_scale=backend.time_scale, on_status=lambda s: _say(f"  {s.text}")
        )
        await source.connect()
        meta = {"source": f"{profile.name}:{address}", "device": profile.title}
        return await _run(source, FREE, out, seconds, meta)


async def _run(
    source: Source, routine: Protocol, out: Path, seconds: float | None, meta: dict[str, str]
) -> Recording | None:
    info = source.info
    tty = sys.stderr.isatty()
    last = [0.0]
    written: list[Recording | None] = [None]

    def progress(recorded_s: float) -> None:
        now = time.monotonic()
        if tty and now - last[0] > 0.25:
            last[0] = now
            print(f"\r  recording {recorded_s:7.1f} s — Ctrl-C to stop", end="", file=sys.stderr, flush=True)

    def sensor(text: str) -> None:
        if tty:
            print(file=sys.stderr)
        _say(f"  {text}")

    def save(rec: Recording | None) -> None:
        if tty:
            print(file=sys.stderr)
        written[0] = rec
        if rec is None or rec.n_samples == 0:
            _say("nothing was recorded")
            return
        write_recording(rec, out)
        gaps = sum(a.text == "dropout" for a in rec.annotations)
        cues = sum(a.text.startswith("cue ") for a in rec.annotations)
        channels = ", ".join(f"{n} [{u}]" for n, u in rec.units.items())
        print(
            f"wrote {out} ({rec.duration_s:.1f} s at {rec.fs_hz:g} Hz: {channels}; {gaps} gap(s) marked"
            + (f"; {cues} cue(s)" if cues else "")
            + ")"
        )

    _say(f"Recording {meta['source']} at {info.fs_hz:g} Hz to {out}")
    await record_source(source, routine, save, seconds=seconds, meta=meta, on_progress=progress, on_sensor=sensor)
    return written[0]
