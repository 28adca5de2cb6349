"""``pelvicore users`` and ``pelvicore token``: accounts and script tokens from the command line."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from pelvicore.accounts.errors import AccountError
from pelvicore.errors import PelvicoreError

if TYPE_CHECKING:
    from pelvicore.accounts.service import Accounts

DATABASE_HELP = (
    "SQLAlchemy URL, e.g. postgresql://user@host/db (default: $PELVICORE_DATABASE_URL, else SQLite in your data folder)"
)
DatabaseOption = Annotated[str | None, typer.Option(help=DATABASE_HELP)]

users_app = typer.Typer(
    help=(
        "Accounts on this server: people, clinicians and admins.\n\n"
        "Example:  echo 'a long passphrase here' |\n\n"
        "    pelvicore users create admin@clinic.example --role admin --password-stdin"
    ),
    no_args_is_help=True,
)
token_app = typer.Typer(
    help="Bearer tokens for scripts: send 'Authorization: Bearer TOKEN' with every request.",
    no_args_is_help=True,
)


def _fail(message: str) -> NoReturn:
    typer.echo(f"pelvicore: error: {message}", err=True)
    raise typer.Exit(2)


@contextmanager
def open_accounts(database_url: str | None) -> Iterator[Accounts]:
    """The accounts service on a migrated database (``Accounts``), its engine disposed afterwards."""
    from pelvicore.accounts.service import Accounts
    from pelvicore.store.accounts import AccountStore
    from pelvicore.store.db import default_database_url, make_engine, migrate

    engine = make_engine(database_url or os.environ.get("PELVICORE_DATABASE_URL") or default_database_url())
    try:
        migrate(engine)
        yield Accounts(AccountStore(engine))
    finally:
        engine.dispose()


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="Her email: she signs in with it")],
    role: Annotated[str, typer.Option(help="person, clinician or admin")] = "person",
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password (12 to 128 characters) from the first line of stdin"),
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Create an account. Without --password-stdin it has no password (sign in with `pelvicore token create`)."""
    if role not in ("person", "clinician", "admin"):
        _fail(f"--role must be person, clinician or admin, got {role!r}")
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            _fail("no password on stdin (pipe it in: echo 'your passphrase' | pelvicore users create ...)")
    try:
        with open_accounts(database_url) as accounts:
            user = accounts.create_user(email, role=role, password=password)  # type: ignore[arg-type]
    except PelvicoreError as exc:
        _fail(str(exc))
    typer.echo(f"created {user.email} ({user.role}){'' if password else ', no password yet'}")


@users_app.command("list")
def users_list(database_url: DatabaseOption = None) -> None:
    """Every account: email (or 'local' for the owner of this computer), role, password, two-step sign-in."""
    from rich.console import Console
    from rich.table import Table

    try:
        with open_accounts(database_url) as accounts:
            users = accounts.store.list_users()
    except PelvicoreError as exc:
        _fail(str(exc))
    table = Table("account", "role", "password", "two-step", "created (UTC)")
    for u in users:
        table.add_row(
            u.email or u.name, u.role, "yes" if u.has_password else "no", "on" if u.totp_enabled else "off",
            u.created_at.strftime("%Y-%m-%d %H:%M"),
        )  # fmt: skip
    Console().print(table)


@users_app.command("delete")
def users_delete(
    email: Annotated[str, typer.Argument(help="The account's email ('local' for the owner of this computer)")],
    database_url: DatabaseOption = None,
) -> None:
    """Delete an account and everything it owns (sessions, recordings, diary, plan, tokens), for good."""
    try:
        with open_accounts(database_url) as accounts:
            user = accounts.find(email)
            accounts.delete_user(user.id)
    except (AccountError, PelvicoreError) as exc:
        _fail(str(exc))
    typer.echo(f"deleted {email} and all its data")


@token_app.command("create")
def token_create(
    user: Annotated[
        str | None,
        typer.Option("--user", help="The account's email (default: the owner of this computer, made if new)"),
    ] = None,
    days: Annotated[float, typer.Option(min=0.001, max=3650, help="Days the token works")] = 90,
    label: Annotated[str, typer.Option(help="A note on what the token is for")] = "command line",
    database_url: DatabaseOption = None,
) -> None:
    """Print a new bearer token as the last word on stdout. It is shown once; keep it like a password."""
    try:
        with open_accounts(database_url) as accounts:
            owner = accounts.find(user) if user else accounts.local_owner(create=True)
            assert owner is not None
            token = accounts.create_token(owner, days=days, label=label[:100])
    except (AccountError, PelvicoreError) as exc:
        _fail(str(exc))
    typer.echo(f"token for {owner.email or owner.name} ({owner.role}), works for {days:g} days: {token}")
