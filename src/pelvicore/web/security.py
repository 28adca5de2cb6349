"""The security boundary: one ASGI middleware in front of every route, page, static file and WebSocket.

In order, for each request:

1. ``Host`` must be on the allow-list (400 otherwise): a DNS-rebinding page cannot reach a loopback server.
2. Bodies are capped before they are read (413); WebSocket messages from the browser are capped too (close 1009).
3. Who is asking: ``Authorization: Bearer TOKEN`` or the sign-in cookie. Anything but the public paths needs one
   of them: API calls and WebSockets get 401, pages a redirect to the sign-in page.
4. A state-changing request or a WebSocket handshake from a foreign ``Origin`` is refused (403).
5. A state-changing request with a body must be JSON (415), except the two HTML forms (sign-in, sign-out).
6. A state-changing request signed in by the cookie must carry the page's CSRF token in ``X-CSRF-Token`` (403);
   a bearer token needs none, as no browser attaches one on its own.
7. Every answer carries the security headers: a CSP without inline script, frame-ancestors 'none', nosniff,
   no referrer to other sites, and ``Cache-Control: no-store`` on everything but static files.

OWASP ASVS 4.0.3: 3.4 (cookies), 4.2.2 (CSRF), 13.2.5 (content types), 14.4 (headers), 14.5.3 (origins).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urlsplit

import anyio.to_thread

from pelvicore.accounts import Accounts, Principal

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE: Final = "pelvicore_session"
SECURE_COOKIE: Final = "__Host-pelvicore_session"  # under HTTPS: Secure, no Domain, Path=/ (ASVS 3.4.4)
CSRF_HEADER: Final = "x-csrf-token"

# The service worker and the CA certificate hold nothing of anyone's: a signed-out browser (the sign-in page, a
# phone not yet signed in) fetches them too.
PUBLIC_PATHS: Final = frozenset({"/api/health", "/signin", "/signin/link", "/sw.js", "/pelvicore-ca.crt"})
PUBLIC_PREFIXES: Final = ("/static/",)
FORM_PATHS: Final = frozenset({"/signin", "/signout"})
"""HTML forms that post ``application/x-www-form-urlencoded``; they check their own CSRF field."""

UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS: Final = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # same-origin: no referrer leaves the site; "no-referrer" would make Chromium send "Origin: null" on forms.
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]


@dataclass(frozen=True, slots=True)
class BoundaryConfig:
    """``allowed_hosts``: host names (no port) this server answers to; ``max_body_bytes``: largest request body;
    ``max_ws_message_bytes``: largest WebSocket message a browser may send."""

    allowed_hosts: frozenset[str]
    max_body_bytes: int
    max_ws_message_bytes: int


class BodyTooLarge(Exception):
    pass


class Boundary:
    """The middleware; ``accounts`` is found on the app's state (``app.state.accounts``) once it has started."""

    def __init__(self, app: ASGIApp, config: BoundaryConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if not self._host_allowed(headers.get("host", "")):
            await _refuse(scope, receive, send, 400, f"Host {headers.get('host', '')!r} is not served here")
            return
        path = scope["path"]
        static = path.startswith(PUBLIC_PREFIXES)
        principal = None if static else await self._principal(scope, headers)  # static files: no lookup
        scope.setdefault("state", {})["principal"] = principal
        public = static or path in PUBLIC_PATHS
        if kind == "websocket":
            await self._websocket(scope, receive, send, headers, principal)
            return
        method = scope["method"]
        if principal is None and not public:
            await _unauthenticated(scope, receive, send, method)
            return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.config.max_body_bytes):
            await _refuse(scope, receive, send, 413, f"request body over {self.config.max_body_bytes} bytes")
            return
        if method in UNSAFE_METHODS:
            problem = _unsafe_problem(path, headers, principal)
            if problem is not None:
                await _refuse(scope, receive, send, *problem)
                return
        started = False
        sending = _with_headers(send, scope)

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await sending(message)

        try:
            await self.app(scope, self._capped(receive), tracking)
        except BodyTooLarge as exc:  # a chunked body that turned out too large while the app read it
            if started:
                raise
            await _refuse(scope, receive, send, 413, str(exc))

    # -- checks ---------------------------------------------------------------------------------------------------
    def _host_allowed(self, host: str) -> bool:
        name = _host_name(host)
        return name is not None and name in self.config.allowed_hosts

    async def _principal(self, scope: Scope, headers: dict[str, str]) -> Principal | None:
        accounts: Accounts | None = getattr(scope["app"].state, "accounts", None) if "app" in scope else None
        if accounts is None:
            return None
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return await anyio.to_thread.run_sync(accounts.from_bearer, token.strip()[:200])
        cookie = _cookie(headers.get("cookie", ""))
        if cookie:
            return await anyio.to_thread.run_sync(accounts.from_cookie, cookie[:200])
        return None

    async def _websocket(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str], principal: Principal | None
    ) -> None:
        if not _same_origin(headers):
            await _refuse(scope, receive, send, 403, f"WebSocket from origin {headers.get('origin')!r} refused")
            return
        if principal is None:
            await _refuse(scope, receive, send, 401, "sign in first")
            return
        cap = self.config.max_ws_message_bytes

        async def capped_receive() -> Message:
            message = await receive()
            if message["type"] == "websocket.receive":
                text = message.get("text") or ""
                # UTF-8 takes 1 to 4 bytes a character: encode only when the length alone cannot tell.
                size = len(message.get("bytes") or b"") + (len(text) if len(text) * 4 <= cap else len(text.encode()))
                if size > cap:
                    await send({"type": "websocket.close", "code": 1009, "reason": f"message over {cap} bytes"})
                    return {"type": "websocket.disconnect", "code": 1009}
            return message

        await self.app(scope, capped_receive, send)

    def _capped(self, receive: Receive) -> Receive:
        received = 0
        cap = self.config.max_body_bytes

        async def capped() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise BodyTooLarge(f"request body over {cap} bytes")
            return message

        return capped


def _unsafe_problem(path: str, headers: dict[str, str], principal: Principal | None) -> tuple[int, str] | None:
    """Why a state-changing request is refused (status and reason), or None."""
    if not _same_origin(headers):
        return 403, f"requests from origin {headers.get('origin')!r} are refused"
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    has_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
    if path in FORM_PATHS:
        if content_type not in ("application/x-www-form-urlencoded", ""):
            return 415, "this form takes application/x-www-form-urlencoded"
        return None  # the route checks the form's CSRF field
    if (has_body or content_type) and content_type != "application/json":
        return 415, f"expected Content-Type application/json, got {content_type or 'none'!r}"
    if principal is not None and principal.via == "cookie":
        sent = headers.get(CSRF_HEADER, "")
        expected = principal.login.csrf_token if principal.login else ""
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            return 403, "the page's security token is missing or out of date: reload the page and try again"
    return None


def _same_origin(headers: dict[str, str]) -> bool:
    """No ``Origin`` (a script, not a browser) or one whose host and port are this request's ``Host``."""
    origin = headers.get("origin")
    if origin is None:
        return True
    try:
        netloc = urlsplit(origin).netloc.lower()
    except ValueError:
        return False
    return bool(netloc) and netloc == headers.get("host", "").lower()


def _host_name(host: str) -> str | None:
    """The name part of a ``Host`` header (``[::1]:8000`` -> ``::1``), lower case; None if malformed."""
    host = host.strip().lower()
    if not host or any(c.isspace() or c in "/@\\" for c in host):
        return None
    if host.startswith("["):
        name, bracket, rest = host[1:].partition("]")
        return name if bracket and (not rest or rest[1:].isdigit()) else None
    name, _, port = host.partition(":")
    return name if (not port or port.isdigit()) and name else None


def _headers(scope: Scope) -> dict[str, str]:
    # Repeated headers: the first wins, except that a repeated Host is refused by leaving it out.
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name == "host" and name in headers:
            headers[name] = ""
            continue
        headers.setdefault(name, value)
    return headers


def _cookie(header: str) -> str:
    found = ""
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == SECURE_COOKIE or (name == COOKIE and not found):
            found = value.strip()
    return found


def _with_headers(send: Send, scope: Scope) -> Send:
    static = scope["path"].startswith(PUBLIC_PREFIXES)
    https = scope.get("scheme") == "https"

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            names = {name.lower() for name, _ in headers}
            headers += [h for h in HEADERS if h[0] not in names]
            if not static and b"cache-control" not in names:
                headers.append((b"cache-control", b"no-store"))
            if https:
                headers.append((b"strict-transport-security", b"max-age=31536000"))
            message["headers"] = headers
        await send(message)

    return sending


async def _unauthenticated(scope: Scope, receive: Receive, send: Send, method: str) -> None:
    path = scope["path"]
    if method in ("GET", "HEAD") and not path.startswith(("/api/", "/ws/", "/openapi")):
        query = scope.get("query_string", b"").decode("latin-1")
        target = path + ("?" + query if query else "")
        await _send(scope, send, 303, b"", [(b"location", f"/signin?next={quote(target, safe='')}".encode())])
        return
    await _refuse(scope, receive, send, 401, "sign in first, or send Authorization: Bearer TOKEN",
                  extra=[(b"www-authenticate", b"Bearer")])  # fmt: skip


async def _refuse(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    detail: str,
    *,
    extra: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        if "websocket.http.response" in scope.get("extensions", {}):
            # Refuse the handshake with a real HTTP status (ASGI's WebSocket denial response).
            body = json.dumps({"detail": detail}).encode()
            await send(
                {
                    "type": "websocket.http.response.start",
                    "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "websocket.http.response.body", "body": body})
            return
        # A server without the extension answers 403 to a close before accept; the code says why.
        await send({"type": "websocket.close", "code": 4000 + status, "reason": detail[:120]})
        return
    logger.info("refused %s %s: %s %s", scope.get("method"), scope["path"], status, detail)
    body = json.dumps({"detail": detail}).encode()
    await _send(scope, send, status, body, [(b"content-type", b"application/json"), *extra])


async def _send(scope: Scope, send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await _with_headers(send, scope)(
        {"type": "http.response.start", "status": status,
         "headers": [*headers, (b"content-length", str(len(body)).encode())]}
    )  # fmt: skip
    await send({"type": "http.response.body", "body": body})
