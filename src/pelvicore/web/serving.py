"""What ``pelvicore serve`` settles before it listens: who can sign in, the address to print and open, and how
often the process collects garbage."""

from __future__ import annotations

import gc
from dataclasses import dataclass

from pelvicore.accounts.errors import AccountError
from pelvicore.accounts.service import Accounts
from pelvicore.store.accounts import AccountStore
from pelvicore.store.db import default_database_url, make_engine, migrate
from pelvicore.web.settings import LOOPBACK_HOSTS, Settings, https_names, this_computer_names


@dataclass(frozen=True, slots=True)
class StartUp:
    """``lines`` to print; ``open_url``: what a browser on this computer should open (the sign-in link if any)."""

    lines: list[str]
    open_url: str


#: Container objects allocated (net) between two young-generation collections; Python's default is 700.
GC_YOUNG_THRESHOLD = 300_000


def collect_garbage_less_often() -> None:
    """Live sessions allocate many short-lived objects that form no reference cycles (frames, messages), so the
    default thresholds make the collector run hundreds of times a second and, now and then, walk every object of
    every session at once: at 200 sessions those pauses held frames back by up to 250 ms
    (``bench/live_latency.py``: the slowest frame fell to about 100 ms with these thresholds, at the same CPU).
    Cycles are still collected, less often."""
    gc.set_threshold(GC_YOUNG_THRESHOLD, 50, 100)


def is_loopback(host: str) -> bool:
    return host.strip("[]").lower() in LOOPBACK_HOSTS


def prepare_accounts(settings: Settings) -> StartUp:
    """Migrate the database, then make sure someone can sign in.

    On a loopback bind the first start (no accounts at all) creates the local owner; whenever she exists, a fresh
    one-time sign-in link is made for her. A network bind refuses to start (``AccountError``) until an admin
    with a password exists, naming the command that creates one.
    """
    url = settings.database_url or default_database_url()
    engine = make_engine(url)
    try:
        migrate(engine)
        accounts = Accounts(AccountStore(engine))
        base = base_url(settings.host, settings.port, https=settings.https)
        if not is_loopback(settings.host):
            if accounts.store.count_users(role="admin", with_password=True) == 0:
                option = f" --database-url '{settings.database_url}'" if settings.database_url else ""
                raise AccountError(
                    f"--host {settings.host} serves the network, so pelvicore needs an admin account first. Create one "
                    f"with:  pelvicore users create you@example.org --role admin --password-stdin{option}  "
                    "(type the password, 12 or more characters, then Enter)"
                )
            listening = _listening(settings.host, settings.port, https=settings.https)
            lines = [
                f"pelvicore is listening on {listening} (Ctrl-C to stop)",
                "It answers to: " + ", ".join(sorted(settings.hosts())) + " (add names with --allowed-host)",
            ]
            return StartUp(lines, base)
        owner = accounts.local_owner(create=accounts.store.count_users() == 0)
        lines = [f"pelvicore is running at {base} (Ctrl-C to stop)"]
        if owner is None:
            return StartUp([*lines, "Sign in with your email and password."], base)
        link = f"{base}signin/link?token={accounts.create_signin_link(owner)}"
        lines += ["To sign in, open this link (it works once, within an hour):", f"    {link}"]
        return StartUp(lines, link)
    finally:
        engine.dispose()


def base_url(host: str, port: int, *, https: bool = False) -> str:
    name = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else host
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    return f"{'https' if https else 'http'}://{name}:{port}/"


def _listening(host: str, port: int, *, https: bool) -> str:
    if host in ("0.0.0.0", "::"):
        scheme = "https" if https else "http"
        names = sorted(https_names(this_computer_names()) if https else this_computer_names())
        return f"every network address, port {port}: " + ", ".join(f"{scheme}://{n}:{port}/" for n in names)
    return base_url(host, port, https=https)
