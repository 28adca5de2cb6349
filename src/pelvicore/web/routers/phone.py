"""Her phone as the screen: a one-time sign-in link for it, the certificate it trusts, and the service worker
that makes pelvicore an installable app."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import anyio.to_thread
from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel

from pelvicore.accounts.policy import SIGNIN_LINK_LIFETIME
from pelvicore.store.models import utc_now
from pelvicore.web.deps import AccountsDep, PrincipalDep, client_address
from pelvicore.web.phone_screen import phone_url, qr_svg
from pelvicore.web.settings import Settings
from pelvicore.web.tls import ca_certificate_der

router = APIRouter()

SERVICE_WORKER: Final = Path(__file__).parents[1] / "static" / "sw.js"


class PhoneLink(BaseModel):
    """A one-time sign-in link for her phone: ``url`` on this computer's network address, the same as a QR code,
    and when it stops working (it works once, before then)."""

    url: str
    qr_svg: str
    expires_at: str
    lifetime_min: int


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.post("/api/me/phone-link", status_code=status.HTTP_201_CREATED)
async def make_phone_link(request: Request, principal: PrincipalDep, accounts: AccountsDep) -> PhoneLink:
    """Sign her phone in: a link that works once. Only over HTTPS, so the sign-in never crosses her Wi-Fi in clear."""
    settings = _settings(request)
    if not settings.https:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the phone link needs HTTPS: start pelvicore serve --https")

    def make() -> str:
        secret = accounts.create_signin_link(principal.user)
        accounts.audit(principal.id, principal, "phone-link-made", address=client_address(request))
        return secret

    expires = utc_now() + SIGNIN_LINK_LIFETIME  # before the link is made: never later than its real end
    secret = await anyio.to_thread.run_sync(make)
    url = f"{phone_url(settings)}signin/link?token={secret}"
    return PhoneLink(
        url=url,
        qr_svg=qr_svg(url),
        expires_at=expires.isoformat(),
        lifetime_min=int(SIGNIN_LINK_LIFETIME.total_seconds() // 60),
    )


@router.get("/pelvicore-ca.crt", include_in_schema=False)
async def ca_certificate(request: Request) -> Response:
    """The certificate of pelvicore's own certificate authority, for her phone to trust; public, as every
    certificate is (its private key never leaves this computer)."""
    settings = _settings(request)
    if not settings.https:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this server does not serve HTTPS with its own certificate")
    folder = Path(settings.tls_folder) if settings.tls_folder else None
    der = await anyio.to_thread.run_sync(lambda: ca_certificate_der(folder))
    if der is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "pelvicore's certificate is missing: restart with --https")
    return Response(
        der,
        media_type="application/x-x509-ca-cert",
        headers={"Content-Disposition": 'attachment; filename="pelvicore-ca.crt"'},
    )


@router.get("/sw.js", include_in_schema=False)
async def service_worker() -> Response:
    """The service worker, at the root so its scope is the whole app; ``no-cache``: a browser asks for a new one
    at each visit, so an updated pelvicore takes over at once."""
    return Response(SERVICE_WORKER.read_bytes(), media_type="text/javascript", headers={"Cache-Control": "no-cache"})
