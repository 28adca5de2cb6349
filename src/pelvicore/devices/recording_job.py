"""``pelvicore record``: pick the source, stream it to a file, show progress, keep everything on Ctrl-C."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pelvicore.devices.ble.central import BleError
from pelvicore.devices.recorder import Collector, record
from pelvicore.devices.source import Source
from pelvicore.recordings import write_recording

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
) -> Collector:
    """Record ``device`` (``sim``, a file, or a trainer's address) to ``out``; the file is written even when
    the recording is interrupted, with whatever had arrived."""
    if out.suffix.lower() not in (".csv", ".edf"):
        raise BleError(f"{out}: choose a .csv or .edf file to record to")
    if device == "sim":
        from pelvicore.devices.simulator import SimulatorSource

        return await _run(
            SimulatorSource(person, routine, speed=speed or 0.0), out, seconds, {"source": f"simulator:{person}"}
        )
    if Path(device).exists():
        from pelvicore.devices.replay import FileSource

        return await _run(FileSource(device, speed=speed or 0.0), out, seconds, {"source": f"file:{Path(device).name}"})
    return await _run_trainer(device, out, seconds, transport, profile, speed or 1.0)


async def _run_trainer(
    address: str, out: Path, seconds: float | None, transport: str, profile_name: str | None, speed: float
) -> Collector:
    from pelvicore.devices.ble.hub import open_backend
    from pelvicore.devices.ble.sensor import SensorSource
    from pelvicore.devices.ble.stream import SensorStatus
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
        collector: Collector | None = None

        def on_status(status: SensorStatus) -> None:
            _say(f"  {status.text}")
            if collector is not None and status.kind in ("disconnected", "reconnected", "saturation", "flat", "loss"):
                collector.note(status.index, f"sensor {status.kind}")

        source = SensorSource(backend.central, address, profile, time_scale=backend.time_scale, on_status=on_status)
        collector = Collector(source.info.fs_hz, source.info.units)
        meta = {"source": f"{profile.name}:{address}", "device": profile.title}
        return await _run(source, out, seconds, meta, collector)


async def _run(
    source: Source, out: Path, seconds: float | None, meta: dict[str, str], collector: Collector | None = None
) -> Collector:
    info = source.info
    collector = collector or Collector(info.fs_hz, info.units)
    tty = sys.stderr.isatty()
    last = [0.0]

    def progress(c: Collector) -> None:
        now = time.monotonic()
        if tty and now - last[0] > 0.25:
            last[0] = now
            print(f"\r  recording {c.n_samples / c.fs_hz:7.1f} s — Ctrl-C to stop", end="", file=sys.stderr, flush=True)

    _say(f"Recording {meta['source']} at {info.fs_hz:g} Hz to {out}")
    try:
        await record(source, collector, seconds=seconds, on_frame=progress)
    finally:
        if tty:
            print(file=sys.stderr)
        if collector.frames:
            rec = collector.recording(meta)
            write_recording(rec, out)
            gaps = sum(a.text == "dropout" for a in rec.annotations)
            channels = ", ".join(f"{n} [{u}]" for n, u in rec.units.items())
            print(f"wrote {out} ({rec.duration_s:.1f} s at {rec.fs_hz:g} Hz: {channels}; {gaps} gap(s) marked)")
        else:
            _say("nothing was recorded")
    return collector
