"""How refusals read: JSON for the API, an HTML page with the way back for a person's pages.

A page that does not exist, a session that is not hers, a form she cannot send twice: she sees a page in the
app's own look that says what happened in plain words and links home, never raw JSON. API calls, WebSockets
and files keep their JSON ``{"detail": ...}`` so programs can read them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any, Final

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from pelvicore.sessions import ServerBusy
from pelvicore.store.errors import StoreError, UnknownSessionError

_templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

_WHOSE: Final = re.compile(r"^user \d+: ")

#: Paths that answer programs, not people.
MACHINE_PREFIXES: Final = ("/api/", "/ws/", "/static/", "/openapi.json")

#: What each refusal means for her, in plain words.
PLAIN_WORDS: Final = {
    400: "Something in that request could not be read.",
    403: "That is not yours to see.",
    404: "There is nothing here — the page may have moved, or the link is wrong.",
    405: "That page cannot be used this way.",
    409: "That cannot be done right now.",
    413: "That is too large to send.",
    422: "Some of what you entered could not be used.",
    503: "pelvicore is busy right now. Please try again in a minute.",
}


def wants_page(request: Request) -> bool:
    """True for a person's page: a GET of a page address, or a browser's form sent to one (it accepts HTML).

    False for the API, WebSockets and static files, and for a page script's own ``fetch`` (it reads
    ``detail`` from JSON).
    """
    if request.url.path.startswith(MACHINE_PREFIXES):
        return False
    return request.method in ("GET", "HEAD") or "text/html" in request.headers.get("accept", "")


def error_response(request: Request, code: int, detail: Any, headers: Mapping[str, str] | None = None) -> Response:
    """``detail`` as JSON for a program, or as an HTML page for a person."""
    if not wants_page(request):
        return JSONResponse({"detail": detail}, code, headers=headers)
    # Whose record it was ("user 3: ...") is for the log, not for her screen.
    reason = _WHOSE.sub("", detail) if isinstance(detail, str) else ""
    context = {
        "code": code,
        "title": _phrase(code),
        "plain": PLAIN_WORDS.get(code, "Something went wrong with that request."),
        "reason": reason[:300],
    }
    return _templates.TemplateResponse(request, "error.html", context, status_code=code, headers=headers)


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


def install_error_pages(app: FastAPI) -> None:
    """Answer every refusal as JSON or as a page, by who asked."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # 422 naming the field, also when the bad value itself cannot be written as JSON (1e400 is infinite).
        errors = _json_safe(jsonable_encoder(exc.errors()))
        if wants_page(request):
            fields = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) or "request" for e in errors)
            return error_response(request, status.HTTP_422_UNPROCESSABLE_CONTENT, f"Please check: {fields}.")
        return JSONResponse({"detail": errors}, status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(ServerBusy)
    async def busy(request: Request, exc: ServerBusy) -> Response:
        return error_response(request, status.HTTP_503_SERVICE_UNAVAILABLE, str(exc), {"Retry-After": "60"})

    @app.exception_handler(StoreError)
    async def refused_by_store(request: Request, exc: StoreError) -> Response:
        # The store checks what it is given (lengths, finite numbers, known sessions) for every caller: a value
        # it refuses is the request's fault, never a 500.
        code = status.HTTP_404_NOT_FOUND if isinstance(exc, UnknownSessionError) else 422
        return error_response(request, code, str(exc)[:300])


def _json_safe(value: Any) -> Any:
    """``value`` with infinite and NaN floats written as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value
