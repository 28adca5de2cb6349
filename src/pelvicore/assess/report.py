"""Assessments as tables for the terminal: units on every number, the sources underneath."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pelvicore.assess.cough import CoughAssessment
from pelvicore.assess.glazer import GlazerAssessment, RestPhase, WorkPhase
from pelvicore.assess.perfect import PerfectAssessment
from pelvicore.assess.relaxation import RelaxationAssessment

UNIT_TEXT = {"uV": "µV"}


def _num(value: float | None, unit: str, digits: int = 1) -> str:
    if value is None:
        return "—"
    unit = UNIT_TEXT.get(unit, unit)
    return f"{value:.{digits}f} {unit}".rstrip()


def _sources(console: Console, sources: list[str]) -> None:
    console.print("Sources:")
    for s in sources:
        console.print(f"  - {escape(s)}")


def print_assessment(
    result: GlazerAssessment | PerfectAssessment | CoughAssessment | RelaxationAssessment,
    *,
    title: str,
    console: Console | None = None,
) -> None:
    """Print ``result`` as the table(s) its kind calls for."""
    console = console or Console()
    if isinstance(result, GlazerAssessment):
        _glazer(result, title, console)
    elif isinstance(result, PerfectAssessment):
        _perfect(result, title, console)
    elif isinstance(result, CoughAssessment):
        _cough(result, title, console)
    else:
        _relaxation(result, title, console)


def _glazer(r: GlazerAssessment, title: str, console: Console) -> None:
    u = r.unit
    what = "RMS" if r.variant == "emg" else "mean pressure"
    timeline = "cue annotations" if r.timeline_origin == "annotations" else "340 s timeline from the first sample"
    table = Table(
        title=escape(f"{title} — Glazer protocol, channel {r.channel} [{UNIT_TEXT.get(u, u)}], {timeline}"),
        caption=escape(
            f"amplitude = {what} without each window's first second; peak = highest 0.25 s "
            f"{'RMS' if r.variant == 'emg' else 'mean'}; rise/recovery = 10-90 % / 90-10 %; "
            f"% of max = % of the highest peak ({_num(r.maximum, u)})"
        ),
    )
    for name in ("phase", "amplitude", "variability", "peak", "rise", "recovery", "% of max", "norm (Oleksy 2020)"):
        table.add_column(name, justify="left" if name in ("phase", "norm (Oleksy 2020)") else "right")
    norms = r.norms()
    pct = r.percent_of_max

    def norm(phase: str) -> str:
        n = norms.get(phase)
        if not n:
            return "—"
        return f"{n['norm_mean']} ± {n['norm_sd']} µV: {n['position']}"

    def rest_row(label: str, phase: str, p: RestPhase) -> None:
        table.add_row(
            label,
            _num(p.mean, u, 2),
            _num(p.variability_pct, "%"),
            "—",
            "—",
            "—",
            _num(pct(p.mean), "%") if r.variant == "emg" else "—",
            norm(phase),
        )

    def work_row(label: str, phase: str, p: WorkPhase, main: float | None) -> None:
        table.add_row(
            label,
            _num(p.mean, u, 2),
            "—",
            _num(p.peak_mean, u, 2),
            _num(p.rise_s, "s", 2),
            _num(p.recovery_s, "s", 2),
            _num(pct(main), "%"),
            norm(phase),
        )

    rest_row("pre-baseline rest", "pre_rest", r.pre_rest)
    work_row(f"{len(r.flicks.efforts)} quick flicks", "flicks", r.flicks, r.flicks.peak_mean)
    work_row(f"{len(r.tonic.efforts)} tonic holds", "tonic", r.tonic, r.tonic.mean)
    e = r.endurance
    table.add_row(
        "endurance hold",
        _num(e.mean, u, 2),
        "—",
        _num(e.peak, u, 2),
        "—",
        "—",
        _num(pct(e.mean), "%"),
        norm("endurance"),
    )
    rest_row("post-baseline rest", "post_rest", r.post_rest)
    console.print(table)
    line = f"Endurance: decline {_num(e.decline_pct, '%')} from the first to the last 10 s"
    if e.median_freq_slope is not None:
        line += f"; median frequency slope {e.median_freq_slope:+.3f} Hz/s (falls with fatigue)"
    console.print(line)
    if norms:
        console.print("Norms: mean ± SD of 96 women aged 22-27; absolute µV depend on the device — compare % of max.")
    _sources(console, r.sources())


def _perfect(r: PerfectAssessment, title: str, console: Console) -> None:
    converted = f" (converted from {r.unit_in_file})" if r.unit_in_file != "cmH2O" else ""
    summary = Table(title=escape(f"{title} — PERFECT, channel {r.channel} [cmH2O]{converted}"), show_header=False)
    summary.add_column("measure")
    summary.add_column("value")
    klass = r.power_class or ("no measurable contraction (< 7.5 cmH2O)" if r.power_cmh2o is not None else "—")
    summary.add_row("P  power (highest squeeze above rest)", f"{_num(r.power_cmh2o, 'cmH2O')} — {klass} (Angelo 2017)")
    summary.add_row("E  endurance (longest at >= 50 % of power)", _num(r.endurance_s, "s"))
    summary.add_row("R  repetitions of that hold", f"{r.repetitions} holds")
    summary.add_row("F  fast contractions (<= 2 s, >= 50 % of power)", f"{r.fast} contractions")
    console.print(summary)
    table = Table(title="ECT — every contraction timed")
    for name in ("#", "onset", "peak at", "duration", "peak above rest", "hold >= 50 %", "counted as"):
        table.add_column(name, justify="right" if name != "counted as" else "left")
    for i, c in enumerate(r.contractions, 1):
        table.add_row(
            str(i),
            _num(c.onset_s, "s", 2),
            _num(c.peak_s, "s", 2),
            _num(c.duration_s, "s", 2),
            _num(c.height_cmh2o, "cmH2O"),
            _num(c.hold_s, "s"),
            c.counted_as or "—",
        )
    console.print(table)
    _sources(console, r.sources())


def _cough(r: CoughAssessment, title: str, console: Console) -> None:
    table = Table(
        title=escape(
            f"{title} — cough test (the Knack), floor channel {r.channel} [cmH2O], coughs seen on {r.reference}"
        ),
        caption="floor rise = floor level above its rest before (0.40-0.25 s) and after (0.2-0.4 s) the cough peak",
    )
    for name in ("#", "cough at", "cough size", "floor rise before", "floor rise after", "squeeze began", "Knack"):
        table.add_column(name, justify="right" if name != "Knack" else "left")
    for i, c in enumerate(r.coughs, 1):
        if c.knack:
            verdict = "yes"
        elif c.pre_contraction:
            verdict = "squeezed before, let go during the cough"
        else:
            verdict = "no squeeze before the cough"
        table.add_row(
            str(i),
            _num(c.peak_s, "s", 2),
            _num(c.spike_cmh2o, "cmH2O"),
            _num(c.floor_rise_before_cmh2o, "cmH2O"),
            _num(c.floor_rise_after_cmh2o, "cmH2O"),
            "—" if c.lead_s is None else f"{c.lead_s:.2f} s before",
            verdict,
        )
    console.print(table)
    if not r.coughs:
        console.print("No coughs found (a cough is a spike of at least 15 cmH2O lasting well under a second).")
    else:
        knack = sum(c.knack for c in r.coughs)
        console.print(f"The Knack in {knack} of {len(r.coughs)} coughs ({_num(r.knack_pct, '%', 0)}).")
    _sources(console, r.sources())


def _relaxation(r: RelaxationAssessment, title: str, console: Console) -> None:
    u = r.unit
    summary = Table(
        title=escape(f"{title} — relaxation, channel {r.channel} [{UNIT_TEXT.get(u, u)}]"), show_header=False
    )
    summary.add_column("measure")
    summary.add_column("value")
    summary.add_row("resting tone (median level at rest)", _num(r.resting_tone, u, 2))
    summary.add_row("resting tone, % of the highest level", _num(r.rest_pct_of_max, "%"))
    summary.add_row("release time, median (90 % -> 10 %)", _num(r.release_s, "s", 2))
    summary.add_row("releases that never came down to 10 %", f"{r.incomplete} of {len(r.releases)} contractions")
    summary.add_row("left 2-3 s after letting go, median", _num(r.residual_pct, "% of the squeeze"))
    console.print(summary)
    table = Table(title="Each release")
    for name in ("#", "onset", "rest before", "squeeze", "release", "left after 2-3 s"):
        table.add_column(name, justify="right")
    for i, rel in enumerate(r.releases, 1):
        table.add_row(
            str(i),
            _num(rel.onset_s, "s", 2),
            _num(rel.rest, u, 2),
            _num(rel.top, u, 2),
            "not complete" if rel.release_s is None else _num(rel.release_s, "s", 2),
            _num(rel.residual_pct, "%"),
        )
    console.print(table)
    if r.note:
        console.print("[yellow]Worth a look:[/] " + escape("; ".join(r.reasons)) + ".")
        console.print(escape(r.note))
    elif not r.releases:
        console.print("No contractions found, so no release to measure.")
    else:
        console.print("Releases are quick and complete.")
    _sources(console, r.sources())
