"""``pelvicore serve``: the web app, as one process on this computer or as several workers sharing PostgreSQL
and Redis (a clinic's server behind Caddy, ``deploy/``)."""

from __future__ import annotations

import os
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from pelvicore.errors import PelvicoreError

if TYPE_CHECKING:
    from pelvicore.web.settings import Settings


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


BLE_HELP = (
    "Bluetooth backend for trainers: 'bleak' (this computer's adapter), a Bumble transport such as 'usb:0', "
    "'virtual' (one simulated trainer of every kind, no hardware needed), or 'none'"
)


def _fail(message: str) -> NoReturn:
    typer.echo(f"pelvicore: error: {message}", err=True)
    raise typer.Exit(2)


def check_scale_out(workers: int, database_url: str, redis_url: str) -> str | None:
    """Why these options cannot run, in one line, or None.

    Several processes share their state only through PostgreSQL (SQLite is one process's file) and their live
    sessions only through Redis; a Redis URL means this process is one of several, so it needs PostgreSQL too.
    """
    postgres = database_url.startswith(("postgresql:", "postgresql+"))
    if workers > 1 and not postgres:
        return (
            f"--workers {workers} needs PostgreSQL, which all workers share: add "
            "--database-url postgresql://USER@HOST/DB (SQLite serves one process)"
        )
    if workers > 1 and not redis_url:
        return (
            f"--workers {workers} needs Redis to carry live sessions between workers: add --redis-url "
            "redis://HOST:6379/0 (or set PELVICORE_REDIS_URL)"
        )
    if redis_url and not postgres:
        return "--redis-url joins this server to others, which must share PostgreSQL: add --database-url postgresql://…"
    return None


def check_redis(url: str) -> str | None:
    """Why Redis at ``url`` cannot carry live sessions, in one line, or None (also when there is none)."""
    if not url:
        return None
    import redis
    from redis.exceptions import RedisError

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    except ValueError as exc:
        return f"--redis-url {url!r} is not a Redis address ({exc}); e.g. redis://127.0.0.1:6379/0"
    try:
        client.ping()
    except (RedisError, OSError) as exc:
        return f"cannot reach Redis at {url}: {exc}"
    finally:
        client.close()
    return None


def serve_command(
    host: Annotated[
        str | None,
        typer.Option(help="Address to listen on (127.0.0.1 = this computer only; default: 0.0.0.0 with --https)"),
    ] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port")] = 8000,
    database_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL, e.g. postgresql://user@host/db (default: SQLite in your data folder)"),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Worker processes (more than 1 needs --database-url postgresql://… and --redis-url)"
        ),
    ] = 1,
    redis_url: Annotated[
        str | None,
        typer.Option(
            help="Redis that carries live sessions between workers and servers, e.g. redis://127.0.0.1:6379/0 "
            "(default: $PELVICORE_REDIS_URL; none: this process only)"
        ),
    ] = None,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open the app in a web browser")] = False,
    ble: Annotated[str, typer.Option("--ble", help=BLE_HELP)] = "bleak",
    ble_speed: Annotated[float, typer.Option(min=0.1, max=100, help="Playback speed of virtual trainers")] = 1.0,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(help="A host name this server is reached by, besides localhost (repeat for several)"),
    ] = None,
    log_level: Annotated[
        LogLevel, typer.Option(help="What the server logs: each session's start and end at info, problems at warning")
    ] = LogLevel.info,
    https: Annotated[
        bool,
        typer.Option(
            "--https",
            help="Serve HTTPS with a certificate from pelvicore's own certificate authority, so your phone on this "
            "network can be the screen (docs/phone.md); listens on 0.0.0.0 unless --host is given",
        ),
    ] = False,
) -> None:
    """Run the web app: live sessions with the simulator, summaries and history.

    On this computer only (the default, 127.0.0.1) nobody needs a password: pelvicore prints a one-time sign-in
    link (and opens it with --open). Listening on a network (--host 0.0.0.0) needs an admin account first.
    A clinic runs several workers on PostgreSQL and Redis behind Caddy: see docs/deploy.md.
    """
    import logging
    import threading

    import uvicorn

    from pelvicore.web.serving import collect_garbage_less_often, prepare_accounts
    from pelvicore.web.settings import Settings

    defaults = Settings()
    host_given = host is not None
    host = host or ("0.0.0.0" if https else "127.0.0.1")  # her phone reaches the computer over the network
    settings = Settings(
        host=host,
        port=port,
        database_url=database_url or defaults.database_url,
        redis_url=redis_url or defaults.redis_url,
        ble=os.environ.get("PELVICORE_BLE", ble) if ble == "bleak" else ble,
        ble_speed=ble_speed,
        allowed_hosts=[*defaults.allowed_hosts, *(allowed_host or [])],
        https=https,
        tls_folder=defaults.tls_folder,
    )
    problem = check_scale_out(workers, settings.database_url, settings.redis_url) or check_redis(settings.redis_url)
    if problem:
        _fail(problem)
    logging.basicConfig(level=log_level.value.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # not a line per migration step at every start
    try:
        start = prepare_accounts(settings)
    except PelvicoreError as exc:
        _fail(f"{exc} (or add --host 127.0.0.1 to serve this computer only)" if https and not host_given else str(exc))
    tls = _https_options(settings) if https else {}
    for line in start.lines:
        typer.echo(line)
    if workers > 1:
        typer.echo(f"{workers} workers share {_without_password(settings.database_url)} and {settings.redis_url}")
    if open_browser:
        # Opened once the server answers, so the browser never meets a refused connection.
        threading.Thread(target=_open_when_up, args=(start.open_url, port), daemon=True).start()
    collect_garbage_less_often()
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level.value if log_level != LogLevel.info else "warning",  # info: no line per request
        "ws_max_size": settings.max_ws_message_bytes,
        # Frames are small and many: compressing each costs more CPU than the bytes it saves on a LAN.
        "ws_per_message_deflate": False,
        **tls,
    }
    try:
        if workers > 1:
            # Each worker process builds its app from the environment (uvicorn imports the factory by name).
            os.environ.update(settings.to_environment())
            # A worker's start (imports, the migration check, Redis) can take longer than uvicorn's 5 s on a busy
            # machine, and a worker that misses it is killed and started again, over and over.
            uvicorn.run(
                "pelvicore.web.app:app_from_environment",
                factory=True,
                workers=workers,
                timeout_worker_healthcheck=60,
                **options,
            )
        else:
            from pelvicore.web.app import create_app

            uvicorn.run(create_app(settings), **options)
    except PelvicoreError as exc:
        _fail(str(exc))


def _https_options(settings: Settings) -> dict[str, str]:
    """uvicorn's TLS options: the server certificate for this computer's names, made or reused (``web/tls.py``)."""
    from pathlib import Path

    from pelvicore.web.settings import https_names, this_computer_names
    from pelvicore.web.tls import ensure_certificate

    names = https_names(this_computer_names() | settings.hosts())
    try:
        cert = ensure_certificate(names, folder=Path(settings.tls_folder) if settings.tls_folder else None)
    except PelvicoreError as exc:
        _fail(str(exc))
    if cert.issued:
        typer.echo(f"A new HTTPS certificate for this computer, valid until {cert.not_after:%Y-%m-%d}.")
    if cert.left_out:
        typer.echo(
            f"Not in the certificate: {', '.join(sorted(cert.left_out))} (pelvicore's certificate authority vouches "
            "only for home-network names such as NAME.local and for private addresses; a public name needs a proxy "
            "such as Caddy, docs/deploy.md)."
        )
    typer.echo(f"Your phone trusts it once it has pelvicore's certificate: {cert.ca_certfile} (see docs/phone.md)")
    return {"ssl_certfile": str(cert.certfile), "ssl_keyfile": str(cert.keyfile)}


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _open_when_up(url: str, port: int, timeout_s: float = 30.0) -> None:
    import socket
    import time
    import webbrowser

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    webbrowser.open(url)
