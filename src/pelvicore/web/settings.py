"""Server settings, from arguments or ``PELVICORE_*`` environment variables."""

from __future__ import annotations

import json
import socket
from typing import Final

from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_HOSTS: Final = ("localhost", "127.0.0.1", "::1")


class Settings(BaseSettings):
    """``database_url`` empty means the embedded default: SQLite in the user's data directory."""

    model_config = SettingsConfigDict(env_prefix="PELVICORE_")

    database_url: str = ""
    #: Redis that carries live sessions between worker processes (``redis://host:6379/0``); empty: this
    #: process only. Needs PostgreSQL, which the processes share.
    redis_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    #: Seconds of samples the recorder may hold before writing them (at most about 1 s at risk in a crash).
    flush_s: float = 1.0
    #: Bluetooth backend for trainers: ``bleak`` (this computer's adapter), a Bumble transport such as
    #: ``usb:0``, ``virtual`` (simulated trainers of every kind, no hardware), or ``none``.
    ble: str = "bleak"
    #: Playback speed of ``virtual`` trainers.
    ble_speed: float = 1.0
    #: Host names the server answers to (``Host`` header, no port), against DNS rebinding. The loopback names
    #: are always allowed; a server on a network adds its own names (``serve --allowed-host``).
    allowed_hosts: list[str] = []
    #: Live sessions this server runs at once (503 beyond it).
    max_live_sessions: int = 500
    #: Largest request body read, bytes (413 beyond it).
    max_body_bytes: int = 1_000_000
    #: Largest WebSocket message a browser may send, bytes (a Web Bluetooth payload is a few dozen).
    max_ws_message_bytes: int = 16_384
    #: Served over HTTPS with pelvicore's own certificate authority (``serve --https``): her phone can be the screen.
    https: bool = False
    #: Where that authority's files live (``web/tls.py``); empty: pelvicore's data folder.
    tls_folder: str = ""

    def to_environment(self) -> dict[str, str]:
        """These settings as ``PELVICORE_*`` variables, for worker processes that build their own."""
        return {
            f"PELVICORE_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
            for name, value in self.model_dump().items()
        }

    def hosts(self) -> frozenset[str]:
        """Every host name allowed: the loopback names, ``host`` when it is a specific address, and the extras."""
        names = {*LOOPBACK_HOSTS, *(h.strip().lower().strip("[]") for h in self.allowed_hosts if h.strip())}
        if self.host in ("0.0.0.0", "::"):
            names |= this_computer_names()
        elif self.host:
            names.add(self.host.lower().strip("[]"))
        return frozenset(names)


def this_computer_names() -> set[str]:
    """This computer's host name (also as ``NAME.local``, as phones find it) and its IPv4 addresses."""
    name = socket.gethostname().lower()
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(name, None, socket.AF_INET)}
    except OSError:
        addresses = set()
    lan = lan_address()
    return {name, f"{name}.local", *addresses, *([lan] if lan else [])}


def https_names(names: set[str] | frozenset[str]) -> set[str]:
    """``names`` less this computer's bare host name: HTTPS serves it as ``NAME.local`` and by its addresses, as
    phones find it; a certificate authority limited to home use vouches for no bare name (``web/tls.py``)."""
    return set(names) - {socket.gethostname().lower()}


def lan_address() -> str | None:
    """The IPv4 address this computer reaches its network from (what a phone on the same Wi-Fi uses), or None.

    The host name alone often resolves to a loopback address (127.0.1.1 on Debian). Connecting a UDP socket only
    picks the route: no packet is sent.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address
