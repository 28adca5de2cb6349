"""``pelvicore report`` (a session's PDF) and ``pelvicore export`` (a session as FHIR R4, EDF+ or CSV, or her
whole archive): the operator's tools on the database, for her records, her clinic or a researcher."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from pelvicore.errors import PelvicoreError

if TYPE_CHECKING:
    from pelvicore.accounts.service import Accounts
    from pelvicore.store.repository import SessionStore

DatabaseUrl = Annotated[
    str | None, typer.Option(help="SQLAlchemy URL (default: $PELVICORE_DATABASE_URL, else SQLite in your data folder)")
]
User = Annotated[
    str | None,
    typer.Option(help="Her account's email (default: the session's owner; with --all, you, the local owner)"),
]


class ExportFormat(StrEnum):
    fhir = "fhir"
    edf = "edf"
    csv = "csv"


def _fail(message: str) -> NoReturn:
    typer.echo(f"pelvicore: error: {' '.join(str(message).split())}", err=True)
    raise typer.Exit(2)


@contextmanager
def _session_of(
    database_url: str | None, user: str | None, session_id: str
) -> Iterator[tuple[Accounts, SessionStore, int]]:
    """The accounts, the session store and the owner of ``session_id`` (checked against ``--user`` if given)."""
    import os

    from pelvicore.accounts.cli import open_accounts
    from pelvicore.store.repository import SessionStore

    with open_accounts(database_url or os.environ.get("PELVICORE_DATABASE_URL")) as accounts:
        store = SessionStore(accounts.store.engine)
        owner = store.owner_of(session_id)
        if user is not None and (owner is None or accounts.find(user).id != owner):
            _fail(f"{user} has no session {session_id!r}")
        if owner is None:
            _fail(f"no session {session_id!r} in this database (see /history, or GET /api/sessions)")
        yield accounts, store, owner


def _label(accounts: Accounts, owner: int) -> str | None:
    user = accounts.store.get_user(owner)
    return None if user is None else user.email or None


def report_command(
    session_id: Annotated[str, typer.Argument(help="The session's id (see /history, or GET /api/sessions)")],
    out: Annotated[Path, typer.Option(help="Where to write the PDF, e.g. session.pdf")],
    database_url: DatabaseUrl = None,
    user: User = None,
) -> None:
    """Write the PDF report of a stored session: its trace, every contraction with units, the end feedback,
    and for a test (PERFECT, Glazer, cough) its results with norms, classes and sources. A4, for her records or
    her physical therapist's.

    Example:  pelvicore report 3f2a9c... --out session.pdf
    """
    from pelvicore.exports.report_pdf import session_report_pdf

    try:
        with _session_of(database_url, user, session_id) as (accounts, store, owner):
            pdf = session_report_pdf(store, session_id, owner=owner, patient_label=_label(accounts, owner))
        out.write_bytes(pdf)
    except PelvicoreError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{out}: cannot write the report: {exc.strerror or exc}")
    typer.echo(f"wrote {out} ({len(pdf) // 1024} KiB)")


def export_command(
    session_id: Annotated[
        str | None, typer.Argument(help="The session's id (see /history, or GET /api/sessions); none with --all")
    ] = None,
    format: Annotated[
        ExportFormat,
        typer.Option(
            "--format", "-f",
            help="fhir: a FHIR R4 Bundle (JSON) for a health record; edf: EDF+ with cues, contractions and sensor "
            "gaps as annotations (MNE, EDFbrowser); csv: the trace as CSV plus FILE.events.csv beside it",
        ),
    ] = ExportFormat.fhir,
    out: Annotated[
        Path | None, typer.Option(help="Where to write it (default: FHIR to standard output; EDF+ and CSV need it)")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Her whole archive (a zip, as GET /api/me/export)")] = False,
    database_url: DatabaseUrl = None,
    user: User = None,
) -> None:  # fmt: skip
    """Export a stored session in a standard format, or her whole archive with --all (which `pelvicore import`
    restores on another server).

    Examples:
      pelvicore export 3f2a9c... --format fhir --out session.fhir.json
      pelvicore export 3f2a9c... --format edf --out session.edf
      pelvicore export --all --out my-pelvicore.zip
    """
    if all_:
        if session_id is not None:
            _fail("give a session id or --all, not both")
        if out is None:
            _fail("--all needs --out FILE.zip")
        from pelvicore.exports.archive_cli import export_all

        export_all(out, user, database_url)
        return
    if session_id is None:
        _fail("give a session id (see /history, or GET /api/sessions), or --all for her whole archive")
    if out is None and format is not ExportFormat.fhir:
        _fail(f"--format {format.value} needs --out FILE")
    try:
        with _session_of(database_url, user, session_id) as (_, store, owner):
            written = _export(store, session_id, owner, format, out)
    except PelvicoreError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{out}: cannot write the export: {exc.strerror or exc}")
    for path in written:
        typer.echo(f"wrote {path}", err=out is None)


def _export(store: SessionStore, session_id: str, owner: int, format: ExportFormat, out: Path | None) -> list[Path]:
    if format is ExportFormat.fhir:
        from pelvicore.exports.fhir import session_bundle

        text = session_bundle(store, session_id, owner=owner)
        if out is None:
            sys.stdout.write(text + "\n")
            return []
        out.write_text(text, encoding="utf-8")
        return [out]
    assert out is not None
    if format is ExportFormat.edf:
        from pelvicore.exports.signals import session_edf

        out.write_bytes(session_edf(store, session_id, owner=owner))
        return [out]
    from pelvicore.exports.signals import write_session_csv

    return write_session_csv(store, session_id, owner=owner, path=out)
