"""The ``pelvicore`` command line.

Heavy modules (NumPy, SciPy, file readers) are imported inside the commands so that ``pelvicore --help``
answers at once and ``pelvicore analyze`` pays only for what it uses.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from pelvicore.care.cli import care_app
from pelvicore.errors import PelvicoreError

app = typer.Typer(
    name="pelvicore",
    help=(
        "Open pelvic-floor biofeedback: simulate a person, record and analyse pressure or surface-EMG "
        "signals, and watch contractions live.\n\n"
        "Start with:  pelvicore live  (a simulated session in your terminal)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class SignalSet(StrEnum):
    pressure = "pressure"
    emg = "emg"
    both = "both"


TRANSPORT_HELP = (
    "Bluetooth backend: 'bleak' (this computer's adapter), a Bumble transport such as 'usb:0', or 'virtual' "
    "(one simulated trainer of every kind, no hardware needed)"
)


def _fail(message: str) -> NoReturn:
    typer.echo(f"pelvicore: error: {message}", err=True)
    raise typer.Exit(2)


@app.command()
def analyze(
    file: Annotated[Path, typer.Argument(help="Recording: .csv, .edf (EDF+) or BioSPPy .txt")],
    channel: Annotated[
        str | None, typer.Option(help="Channel to analyse (default: floor, else emg, else the first)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table")] = False,
    wide: Annotated[bool, typer.Option("--wide", help="Every column, however narrow the terminal")] = False,
) -> None:
    """Find every contraction in a recording and measure it (onset, peak, hold, release, technique)."""
    try:
        from pelvicore.analysis import analyze_recording
        from pelvicore.recordings import read_recording

        result = analyze_recording(read_recording(file), channel=channel)
    except PelvicoreError as exc:
        _fail(str(exc))
    except Exception as exc:  # a last guard: users get one line, never a traceback
        _fail(f"{file}: {type(exc).__name__}: {exc}")
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), allow_nan=False, default=str) + "\n")
        return
    from pelvicore.report_table import print_analysis

    print_analysis(result, title=str(file), wide=wide)


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="Output file: .csv (+ .annotations.json) or .edf (EDF+)")],
    profile: Annotated[str, typer.Option(help="healthy, weak, fatiguing, hypertonic or bearing-down")] = "healthy",
    protocol: Annotated[
        str, typer.Option(help="quick-check, glazer, glazer-2s, perfect, daily or cough")
    ] = "quick-check",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same recording")] = 0,
    signals: Annotated[SignalSet, typer.Option(help="Pressure zones, surface EMG, or both")] = SignalSet.pressure,
    fs: Annotated[float | None, typer.Option(help="Sampling rate, Hz (default 50 for pressure, 2000 with EMG)")] = None,
) -> None:
    """Simulate a virtual person following a protocol; write the recording and its ground truth.

    The ground truth (every real contraction's onset, offset, peak and technique, coughs, artefacts and
    dropouts) goes to FILE.truth.json, and into the EDF+ annotations.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    try:
        from pelvicore.devices.simulator import check_options
        from pelvicore.recordings import write_recording
        from pelvicore.simulation import simulate as run_simulation

        check_options(fs, seed, signals.value)  # a bad option is one line, before anything is drawn
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as bar:
            bar.add_task(f"Simulating {profile} / {protocol}", total=None)
            sim = run_simulation(profile, protocol, seed=seed, signals=signals.value, fs_hz=fs)
            write_recording(sim.recording, out)
        truth = out.with_suffix(".truth.json")
        truth.write_text(json.dumps(sim.truth_dict(), indent=1) + "\n")
    except PelvicoreError as exc:
        _fail(str(exc))
    rec = sim.recording
    channels = ", ".join(f"{n} [{u}]" for n, u in rec.units.items())
    typer.echo(
        f"wrote {out} ({rec.duration_s:.0f} s at {rec.fs_hz:g} Hz: {channels}; "
        f"{len(sim.contractions)} contractions) and {truth}"
    )


@app.command()
def live(
    profile: Annotated[
        str, typer.Option(help="Simulated person: healthy, weak, fatiguing, hypertonic, bearing-down")
    ] = "healthy",
    protocol: Annotated[str, typer.Option(help="quick-check, glazer, perfect, daily or cough")] = "quick-check",
    speed: Annotated[
        float, typer.Option(min=0, max=100, help="Playback speed: 1 = real time, 5 = five times faster, 0 = at once")
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed of the simulated person")] = 0,
    file: Annotated[Path | None, typer.Option(help="Replay this recording instead of the simulator")] = None,
    lsl: Annotated[
        bool,
        typer.Option(
            "--lsl",
            help="Also publish it on the Lab Streaming Layer (signal and markers: "
            "cues, contractions) for LabRecorder or MNE-LSL to record; needs pelvicore[lsl]",
        ),
    ] = False,
) -> None:
    """Watch a live session in the terminal: pressure trace, the cue to follow, each contraction as it ends."""
    import asyncio

    from pelvicore.live_terminal import run_live

    try:
        asyncio.run(run_live(profile=profile, protocol=protocol, speed=speed, seed=seed, file=file, lsl=lsl))
    except PelvicoreError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        typer.echo("stopped")


devices_app = typer.Typer(
    help=(
        "Bluetooth trainers: find them, decode their payloads.\n\n"
        "Try without hardware:  pelvicore devices scan --transport virtual"
    ),
    no_args_is_help=True,
)
app.add_typer(devices_app, name="devices")
app.add_typer(care_app, name="care")
from pelvicore.accounts.cli import token_app, users_app  # noqa: E402  (kept beside its registration)

app.add_typer(users_app, name="users")
app.add_typer(token_app, name="token")
from pelvicore.training.cli import plan_app  # noqa: E402  (kept beside its registration)

app.add_typer(plan_app, name="plan")

from pelvicore.assess.cli import assess_command  # noqa: E402  (kept beside its registration)

app.command("assess")(assess_command)
from pelvicore.exports.cli import export_command, report_command  # noqa: E402  (kept beside its registration)

app.command("report")(report_command)
app.command("export")(export_command)
from pelvicore.exports.archive_cli import import_command  # noqa: E402  (kept beside its registration)

app.command("import")(import_command)
from pelvicore.web.serve_cli import serve_command  # noqa: E402  (kept beside its registration)

app.command("serve")(serve_command)


@devices_app.command("decode")
def devices_decode(
    profile: Annotated[str, typer.Argument(help="perifit, kgoal, kgoal-boost, elvie, magic-motion, femfit or open")],
    payloads: Annotated[list[str], typer.Argument(help="Payloads in hex, e.g. 13780010")],
) -> None:
    """Decode raw BLE payloads with a device profile: one JSON line per payload, channel -> values."""
    from pelvicore.devices.profiles import decode_hex

    for payload in payloads:
        try:
            samples = decode_hex(profile, payload)
        except PelvicoreError as exc:
            _fail(str(exc))
        typer.echo(json.dumps({k: [int(v) if float(v).is_integer() else v for v in vs] for k, vs in samples.items()}))


@devices_app.command("scan")
def devices_scan(
    seconds: Annotated[float, typer.Option(min=0.1, max=120, help="How long to listen, s")] = 5.0,
    transport: Annotated[str, typer.Option(help=TRANSPORT_HELP)] = "bleak",
    show_all: Annotated[bool, typer.Option("--all", help="List every device heard, not only trainers")] = False,
    battery: Annotated[bool, typer.Option(help="Connect briefly to read each trainer's battery")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per device")] = False,
) -> None:
    """List nearby trainers: address, name, kind (profile), signal strength (RSSI, dBm) and battery (%)."""
    import asyncio

    from pelvicore.devices.ble.scan import scan_trainers

    try:
        found = asyncio.run(scan_trainers(transport, seconds, include_unknown=show_all, read_battery=battery))
    except PelvicoreError as exc:
        _fail(str(exc))
    if as_json:
        for row in found:
            typer.echo(json.dumps(row))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Trainers heard in {seconds:g} s ({transport})")
    table.add_column("address", no_wrap=True)
    for column in ("name", "trainer", "signal (dBm)", "battery (%)"):
        table.add_column(column)
    for row in found:
        table.add_row(
            row["address"],
            row["name"] or "—",
            row["profile"] or "not a known trainer",
            "—" if row["rssi"] is None else str(row["rssi"]),
            "—" if row["battery"] is None else str(row["battery"]),
        )
    Console().print(table)
    if not found:
        typer.echo("No trainers heard. Is the trainer switched on and out of its case, and not connected to its app?")


@app.command()
def record(
    device: Annotated[
        str, typer.Option(help="A trainer's address (see 'pelvicore devices scan'), 'sim' for the simulator, or a file")
    ],
    out: Annotated[Path, typer.Option(help="Where to write: .csv or .edf (EDF+)")],
    seconds: Annotated[float | None, typer.Option(min=0.1, help="Stop after this long (default: Ctrl-C)")] = None,
    profile: Annotated[str | None, typer.Option(help="Trainer kind, if the scan cannot tell (e.g. elvie)")] = None,
    transport: Annotated[str, typer.Option(help=TRANSPORT_HELP)] = "bleak",
    person: Annotated[str, typer.Option(help="With --device sim: healthy, weak, fatiguing, hypertonic...")] = "healthy",
    routine: Annotated[str, typer.Option(help="With --device sim: quick-check, glazer, perfect, daily, cough")] = (
        "quick-check"
    ),
    speed: Annotated[
        float | None,
        typer.Option(min=0, help="Playback speed of sim, file or virtual trainers (sim/file: as fast as possible)"),
    ] = None,
) -> None:
    """Record a trainer, the simulator or a file to CSV or EDF+; gaps and disconnections are marked in it.

    Example:  pelvicore record --transport virtual --device C0:FF:EE:00:00:01 --seconds 20 --out perifit.csv
    """
    import asyncio

    from pelvicore.sessions.recording_job import run_recording

    try:
        asyncio.run(
            run_recording(
                device, out, seconds=seconds, transport=transport, profile=profile, person=person, routine=routine,
                speed=speed,
            )
        )  # fmt: skip
    except PelvicoreError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)


def main() -> None:
    """Run the command line; a mistyped command or option is one line naming the problem, and exit code 2."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

    try:
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        sys.exit(2)
    except UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "pelvicore"
        message = " ".join(exc.format_message().split())
        typer.echo(f"pelvicore: error: {message} (see: {command} --help)", err=True)
        sys.exit(exc.exit_code)
    except ClickException as exc:
        typer.echo(f"pelvicore: error: {' '.join(exc.format_message().split())}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("stopped", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
