"""A real ``pelvicore serve --https`` process, trusted through its own certificate authority."""

from __future__ import annotations

import contextlib
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from web_server import free_port, wait_until_healthy

from pelvicore.accounts import Accounts
from pelvicore.store.accounts import AccountStore
from pelvicore.store.db import make_engine, migrate

ADMIN = "admin@example.org"
ADMIN_PASSWORD = "a calm long password 42"


@dataclass(frozen=True, slots=True)
class HttpsServer:
    """``url``: https://127.0.0.1:PORT; ``ca_file``: the certificate authority's certificate (trust it to connect);
    ``output``: what the process printed."""

    url: str
    ca_file: Path
    database_url: str
    output: Path

    def trust(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def lines(self) -> list[str]:
        return self.output.read_text().splitlines()

    def admin_signin_path(self) -> str:
        """A one-time sign-in link's path for the admin (a network bind has no local owner)."""
        engine = make_engine(self.database_url)
        try:
            accounts = Accounts(AccountStore(engine))
            admin = accounts.store.find_user(email=ADMIN)
            assert admin is not None
            return f"/signin/link?token={accounts.create_signin_link(admin)}"
        finally:
            engine.dispose()


def create_admin(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        Accounts(AccountStore(engine)).create_user(ADMIN, role="admin", password=ADMIN_PASSWORD)
    finally:
        engine.dispose()


@contextlib.contextmanager
def served_https(folder: Path, *extra: str) -> Iterator[HttpsServer]:
    """``pelvicore serve --https`` on every address (an admin is made first), its data folder in ``folder``."""
    database_url = f"sqlite:///{folder / 'db.sqlite3'}"
    create_admin(database_url)
    port = free_port()
    output = folder / "server.log"
    # platformdirs puts pelvicore's data folder, and so its certificate authority, under XDG_DATA_HOME.
    env = {**os.environ, "XDG_DATA_HOME": str(folder / "data")}
    command = [sys.executable, "-m", "pelvicore", "serve", "--https", "--port", str(port), "--ble", "none"]
    with open(output, "wb") as log:
        proc = subprocess.Popen([*command, "--database-url", database_url, *extra], stdout=log, stderr=log, env=env)
    server = HttpsServer(f"https://127.0.0.1:{port}", folder / "data" / "pelvicore" / "pelvicore-ca.crt",
                         database_url, output)  # fmt: skip
    try:
        _wait_until_up(server, proc)
        yield server
    finally:
        proc.terminate()
        proc.wait(10)


def _wait_until_up(server: HttpsServer, proc: subprocess.Popen[bytes]) -> None:
    wait_until_healthy(proc, server.url, log=server.output, ready=server.ca_file.exists, verify=server.trust)
