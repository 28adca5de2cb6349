"""``pelvicore import FILE.zip`` and ``pelvicore export --all --out FILE.zip``: her archive, to and from a database.

Whose archive goes where:

- no ``--user``: the owner of this computer (the local owner), made when the database has no account yet;
- ``--user EMAIL``: that account; if there is none and the archive is of that very email, it is made (role person,
  no password: she signs in by ``pelvicore token create --user EMAIL`` or a link, and sets one). Any other email
  is refused, so that an archive is not imported into someone else's account by a slip of the keyboard.

An account made for an import is deleted again if the import is refused, so a refusal leaves the database as it was.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from pelvicore.errors import PelvicoreError

if TYPE_CHECKING:
    from pelvicore.accounts.service import Accounts
    from pelvicore.exports.archive_import import Archive
    from pelvicore.store.accounts import UserRecord


def _fail(message: str) -> NoReturn:
    typer.echo(f"pelvicore: error: {' '.join(message.split())}", err=True)
    raise typer.Exit(2)


def import_command(
    file: Annotated[Path, typer.Argument(help="Her archive: the zip from 'Download your data' or pelvicore export")],
    user: Annotated[
        str | None,
        typer.Option(help="Into whose account: an email (default: you, the local owner; see pelvicore import --help)"),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL (default: $PELVICORE_DATABASE_URL, else SQLite in your data folder)"),
    ] = None,
) -> None:
    """Import her archive: sessions with their signal and events, diary, care profile, plan, trainers, audit log.

    All or nothing: a damaged file, or a session, plan, profile or diary day the account already has, imports
    nothing and says why. Shares and messages are not imported (they name clinicians of the old server).
    Into --user EMAIL: that account, or a new one if the archive is that email's; default: the local owner.

    Example:  pelvicore import pelvicore-20260301.zip
    """
    from pelvicore.accounts.cli import open_accounts
    from pelvicore.exports.archive_import import import_archive, read_archive

    try:
        data = file.read_bytes()
    except OSError as exc:
        _fail(f"{file}: cannot read it: {exc.strerror or exc}")
    try:
        archive = read_archive(data)
        with open_accounts(database_url or os.environ.get("PELVICORE_DATABASE_URL")) as accounts:
            account, made = _target(accounts, archive, user)
            try:
                summary = import_archive(archive, engine=accounts.store.engine, user_id=account.id)
            except PelvicoreError:
                if made:
                    accounts.store.delete_user(account.id)
                raise
    except PelvicoreError as exc:
        _fail(f"{file}: {exc}")
    typer.echo(f"imported {file} into {account.email or account.name}{' (a new account)' if made else ''}")
    typer.echo(summary.describe())


def _target(accounts: Accounts, archive: Archive, email: str | None) -> tuple[UserRecord, bool]:
    """The account to import into, and whether it was made for this import."""
    from pelvicore.accounts.errors import AccountError

    if email is None:
        owner = accounts.local_owner(create=False)
        if owner is not None:
            return owner, False
        if accounts.store.count_users():
            raise AccountError("this database has accounts but no local owner: give --user EMAIL")
        owner = accounts.local_owner(create=True)
        assert owner is not None
        return owner, True
    try:
        return accounts.find(email), False
    except AccountError:
        if archive.email is None or archive.email.lower() != email.strip().lower():
            raise AccountError(
                f"no account {email!r} here, and the archive is of {archive.email or archive.name!r}: "
                "make the account first (pelvicore users create) or give the archive's email"
            ) from None
    return accounts.create_user(email.strip(), role="person", password=None), True


def export_all(out: Path, user: str | None, database_url: str | None) -> None:
    """``pelvicore export --all --out FILE.zip``: her whole archive, as 'Download your data' gives it."""
    from pelvicore.accounts.cli import open_accounts
    from pelvicore.care.records import CareRecords
    from pelvicore.exports.archive import build_archive
    from pelvicore.store.care import CareStore
    from pelvicore.store.plans import PlanStore
    from pelvicore.store.repository import SessionStore
    from pelvicore.training.plan_records import Plans

    try:
        with open_accounts(database_url or os.environ.get("PELVICORE_DATABASE_URL")) as accounts:
            account = accounts.find(user) if user is not None else accounts.local_owner(create=False)
            if account is None:
                _fail("no local owner on this database yet: give --user EMAIL")
            engine = accounts.store.engine
            data = build_archive(
                account, sessions=SessionStore(engine), care=CareRecords(CareStore(engine)),
                plans=Plans(PlanStore(engine)), accounts=accounts.store,
            )  # fmt: skip
            out.write_bytes(data)
            # Her log says who took her data, as it does for a download from the web.
            accounts.store.add_audit(account.id, "export", actor_id=None, actor="pelvicore export (command line)",
                                     detail=f"{len(data)} bytes")  # fmt: skip
    except PelvicoreError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{out}: cannot write the archive: {exc.strerror or exc}")
    typer.echo(f"wrote {out} ({max(1, len(data) // 1024)} KiB): everything of {account.email or account.name}")


__all__ = ["export_all", "import_command"]
