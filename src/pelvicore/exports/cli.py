"""``pelvicore report SESSION_ID --out FILE.pdf``: the PDF report of a stored session."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from pelvicore.errors import PelvicoreError


def _fail(message: str) -> NoReturn:
    typer.echo(f"pelvicore: error: {message}", err=True)
    raise typer.Exit(2)


def report_command(
    session_id: Annotated[str, typer.Argument(help="The session's id (see /history, or GET /api/sessions)")],
    out: Annotated[Path, typer.Option(help="Where to write the PDF, e.g. session.pdf")],
    database_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL (default: $PELVICORE_DATABASE_URL, else SQLite in your data folder)"),
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="Whose session: her account's email (default: you, the local owner)")
    ] = None,
) -> None:
    """Write the PDF report of a stored session: its trace, every contraction with units, the end feedback,
    and for a test (PERFECT, Glazer, cough) its results with norms, classes and sources. A4, for her records or
    her physical therapist's.

    Example:  pelvicore report 3f2a9c... --out session.pdf
    """
    import os

    from pelvicore.accounts.cli import open_accounts
    from pelvicore.exports.report_pdf import session_report_pdf
    from pelvicore.store.repository import SessionStore

    try:
        with open_accounts(database_url or os.environ.get("PELVICORE_DATABASE_URL")) as accounts:
            account = accounts.find(user) if user is not None else accounts.local_owner(create=False)
            if account is None:
                _fail("no local owner on this database yet: give --user EMAIL")
            label = account.email or (None if user is None else account.name)
            pdf = session_report_pdf(
                SessionStore(accounts.store.engine), session_id, owner=account.id, patient_label=label
            )
        out.write_bytes(pdf)
    except PelvicoreError as exc:
        _fail(" ".join(str(exc).split()))
    except OSError as exc:
        _fail(f"{out}: cannot write the report: {exc.strerror or exc}")
    typer.echo(f"wrote {out} ({len(pdf) // 1024} KiB)")
