"""Her phone as the screen: the address it opens on this computer, as text and as a QR code."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import segno

from pelvicore.web.serving import base_url, is_loopback
from pelvicore.web.settings import Settings, lan_address
from pelvicore.web.tls import ca_fingerprint


@dataclass(frozen=True, slots=True)
class PhoneScreen:
    """``url``: this computer's HTTPS address on her network; ``reachable``: whether the server listens there
    (not on ``--host 127.0.0.1``); ``ca_fingerprint``: SHA-256 of the certificate her phone installs."""

    url: str
    qr_svg: str
    reachable: bool
    ca_fingerprint: str | None


def phone_url(settings: Settings) -> str:
    """The address her phone opens: the LAN address when the server listens on every address, else its own."""
    if settings.host in ("0.0.0.0", "::", ""):
        name = lan_address() or f"{socket.gethostname().lower()}.local"
        return base_url(name, settings.port, https=True)
    return base_url(settings.host, settings.port, https=True)


def phone_screen(settings: Settings) -> PhoneScreen | None:
    """What the home page's phone card shows; None unless the server serves HTTPS with its own certificate."""
    if not settings.https:
        return None
    url = phone_url(settings)
    folder = Path(settings.tls_folder) if settings.tls_folder else None
    return PhoneScreen(url, qr_svg(url), not is_loopback(settings.host), ca_fingerprint(folder))


def qr_svg(text: str) -> str:
    """``text`` as a QR code in inline SVG (no script, no style attribute: the page's CSP allows it)."""
    buffer = BytesIO()
    segno.make(text, error="m").save(
        buffer,
        kind="svg",
        scale=4,
        border=4,
        xmldecl=False,
        svgns=True,
        svgclass="qr-code",
        dark="#000",
        light="#fff",
        omitsize=True,
    )
    return buffer.getvalue().decode()
