"""Signing in and out, her account page, and her control over her data (export, delete, audit log)."""

from __future__ import annotations

import hmac
from dataclasses import asdict
from datetime import UTC, datetime
from io import BytesIO
from typing import Annotated, Any
from urllib.parse import parse_qs

import anyio.to_thread
import segno
from fastapi import APIRouter, Body, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from pelvicore.accounts import AccountError, Accounts, PasswordRejected, Principal, SignInRefused, SignInThrottled
from pelvicore.accounts.policy import PASSWORD_MAX_CHARS, absolute_timeout, idle_timeout
from pelvicore.accounts.service import SignIn
from pelvicore.accounts.tokens import new_secret
from pelvicore.care.records import CareRecords
from pelvicore.exports.archive import build_archive
from pelvicore.store.care import CareStore
from pelvicore.web.deps import AccountsDep, PlansDep, PrincipalDep, StoreDep, client_address
from pelvicore.web.routers.pages import templates
from pelvicore.web.security import COOKIE, SECURE_COOKIE
from pelvicore.web.serving import is_loopback

router = APIRouter()

SIGNIN_CSRF_COOKIE = "pelvicore_signin"
_FORM_MAX_FIELD = 1000


# -- signing in and out ---------------------------------------------------------------------------------------------
@router.get("/signin", response_class=HTMLResponse, include_in_schema=False)
def signin_page(request: Request, next: str = "/") -> Response:
    if isinstance(getattr(request.state, "principal", None), Principal):
        return RedirectResponse(_safe_next(next), status.HTTP_303_SEE_OTHER)
    return _signin_form(request, next=next)


@router.post("/signin", response_class=HTMLResponse, include_in_schema=False)
async def signin(request: Request, accounts: AccountsDep) -> Response:
    form = await _form(request)
    next_path = _safe_next(form.get("next", "/"))
    if not _form_token_ok(form.get("csrf_token", ""), request.cookies.get(SIGNIN_CSRF_COOKIE, "")):
        return _signin_form(request, next=next_path, error="The form was out of date: please try again.", code=400)
    try:
        signed_in = await anyio.to_thread.run_sync(
            lambda: accounts.sign_in(
                form.get("email", ""),
                form.get("password", ""),
                code=form.get("code") or None,
                address=client_address(request),
                user_agent=request.headers.get("user-agent", ""),
            )
        )
    except SignInThrottled as exc:
        response = _signin_form(request, next=next_path, error=f"{str(exc).capitalize()}.", code=429)
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    except SignInRefused:
        error = "That email, password or code is not right. Please check them and try again."
        return _signin_form(request, next=next_path, error=error, email=form.get("email", ""), code=401)
    return _signed_in(request, signed_in, next_path)


@router.get("/signin/link", include_in_schema=False)
async def signin_link(request: Request, accounts: AccountsDep, token: str = "") -> Response:
    """Follow the one-time link pelvicore prints when it starts on this computer."""
    try:
        signed_in = await anyio.to_thread.run_sync(
            lambda: accounts.sign_in_with_link(
                token[:200], address=client_address(request), user_agent=request.headers.get("user-agent", "")
            )
        )
    except SignInRefused as exc:
        return _signin_form(request, next="/", error=f"{str(exc).capitalize()}.", code=400)
    return _signed_in(request, signed_in, "/")


@router.post("/signout", include_in_schema=False)
async def signout(request: Request, principal: PrincipalDep, accounts: AccountsDep) -> Response:
    form = await _form(request)
    expected = principal.login.csrf_token if principal.login else ""
    if principal.via == "cookie" and not _form_token_ok(form.get("csrf_token", ""), expected):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the page's security token is out of date: reload and retry")
    everywhere = form.get("everywhere") == "1"
    await anyio.to_thread.run_sync(
        lambda: accounts.sign_out(principal, everywhere=everywhere, address=client_address(request))
    )
    response = RedirectResponse("/signin?signed_out=1", status.HTTP_303_SEE_OTHER)
    _clear_cookie(request, response)
    return response


def _signin_form(
    request: Request, *, next: str, error: str | None = None, email: str = "", code: int = 200
) -> HTMLResponse:
    token = new_secret()
    settings = request.app.state.settings
    context = {
        "next": _safe_next(next),
        "error": error,
        "email": email[:254],
        "csrf_token": token,
        "signed_out": request.query_params.get("signed_out") == "1",
        "loopback": is_loopback(settings.host),
    }
    response = templates.TemplateResponse(request, "signin.html", context, status_code=code)
    response.set_cookie(
        SIGNIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict", secure=_https(request), path="/"
    )
    return response


def _signed_in(request: Request, signed_in: SignIn, next_path: str) -> Response:
    response = RedirectResponse(next_path, status.HTTP_303_SEE_OTHER)
    _clear_cookie(request, response)  # a new cookie at every sign-in (ASVS 3.2.1)
    https = _https(request)
    response.set_cookie(
        SECURE_COOKIE if https else COOKIE,
        signed_in.cookie,
        max_age=int(absolute_timeout(signed_in.user.role).total_seconds()),
        httponly=True,
        samesite="lax",
        secure=https,
        path="/",
    )
    response.delete_cookie(SIGNIN_CSRF_COOKIE, path="/")
    return response


def _clear_cookie(request: Request, response: Response) -> None:
    for name in (COOKIE, SECURE_COOKIE):
        if name in request.cookies:
            response.delete_cookie(name, path="/", secure=name == SECURE_COOKIE, httponly=True, samesite="lax")


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def _safe_next(target: str) -> str:
    """Only a path on this server: never ``//elsewhere`` or ``https://elsewhere`` (an open redirect)."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or any(c in target for c in "\r\n\t"):
        return "/"
    return target[:500]


def _form_token_ok(sent: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


async def _form(request: Request) -> dict[str, str]:
    """A urlencoded form's fields (the boundary has capped its size), the first value of each."""
    body = (await request.body()).decode("utf-8", "replace")
    return {k: v[0][:_FORM_MAX_FIELD] for k, v in parse_qs(body, keep_blank_values=True, max_num_fields=20).items()}


# -- her account page -----------------------------------------------------------------------------------------------
@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, principal: PrincipalDep, accounts: AccountsDep) -> HTMLResponse:
    logins = accounts.store.list_login_sessions(principal.id)
    context = {
        "user": principal.user,
        "logins": logins,
        "this_login": principal.login.id if principal.login else None,
        "tokens": accounts.tokens(principal.id),
        "idle": idle_timeout(principal.user.role),
        "absolute": absolute_timeout(principal.user.role),
        "password_max": PASSWORD_MAX_CHARS,
    }
    return templates.TemplateResponse(request, "account.html", context)


@router.get("/account/audit", response_class=HTMLResponse)
def audit_page(request: Request, principal: PrincipalDep, accounts: AccountsDep) -> HTMLResponse:
    events = accounts.store.list_audit(principal.id)
    return templates.TemplateResponse(request, "account_audit.html", {"events": events, "user": principal.user})


# -- her account, as an API -----------------------------------------------------------------------------------------
class PasswordChange(BaseModel):
    current_password: str | None = Field(None, max_length=PASSWORD_MAX_CHARS, description="Not needed if none is set")
    new_password: str = Field(max_length=PASSWORD_MAX_CHARS * 4, description="12 to 128 characters")


class PasswordConfirm(BaseModel):
    password: str | None = Field(None, max_length=PASSWORD_MAX_CHARS, description="Her password, when she has one")


class TotpCode(BaseModel):
    code: str = Field(max_length=12, description="The 6 digits her authenticator app shows")


@router.get("/api/me")
def get_me(principal: PrincipalDep) -> dict[str, Any]:
    """Who is signed in: account, role, whether a password and two-step sign-in are set."""
    user = principal.user
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "has_password": user.has_password,
        "two_step": user.totp_enabled,
        "created_at": user.created_at,
    }


@router.put("/api/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: PasswordChange, request: Request, principal: PrincipalDep, accounts: AccountsDep) -> None:
    """Set a new password (the current one is needed when she has one); her other browsers are signed out."""
    try:
        accounts.change_password(principal, body.current_password, body.new_password, address=client_address(request))
    except SignInRefused as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    except PasswordRejected as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/api/me/logins")
def list_logins(principal: PrincipalDep, accounts: AccountsDep) -> list[dict[str, Any]]:
    """Her signed-in browsers, most recently used first; ``current`` marks the one asking."""
    current = principal.login.id if principal.login else None
    return [
        {
            "id": login.id,
            "created_at": login.created_at,
            "last_seen_at": login.last_seen_at,
            "expires_at": login.expires_at,
            "address": login.address,
            "user_agent": login.user_agent,
            "current": login.id == current,
        }
        for login in accounts.store.list_login_sessions(principal.id)
    ]


@router.delete("/api/me/logins/{login_id}", status_code=status.HTTP_204_NO_CONTENT)
def end_login(login_id: str, principal: PrincipalDep, accounts: AccountsDep) -> None:
    """Sign out one of her browsers."""
    if not accounts.end_login(principal, login_id[:64]):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such signed-in browser")


@router.delete("/api/me/logins", status_code=status.HTTP_204_NO_CONTENT)
def end_all_logins(request: Request, principal: PrincipalDep, accounts: AccountsDep) -> None:
    """Sign out everywhere: every browser of hers, this one included."""
    accounts.sign_out(principal, everywhere=True, address=client_address(request))


@router.post("/api/me/two-step")
def start_two_step(principal: PrincipalDep, accounts: AccountsDep) -> dict[str, str]:
    """Begin two-step sign-in: a secret (and its QR code, SVG) for an authenticator app; confirm with a code."""
    uri = accounts.start_totp(principal)
    buffer = BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
    secret = uri.split("secret=", 1)[1].split("&", 1)[0]
    return {"uri": uri, "secret": secret, "qr_svg": buffer.getvalue().decode()}


@router.put("/api/me/two-step", status_code=status.HTTP_204_NO_CONTENT)
def confirm_two_step(body: TotpCode, request: Request, principal: PrincipalDep, accounts: AccountsDep) -> None:
    """Turn two-step sign-in on with a code from the app (it proves the app has the secret)."""
    try:
        accounts.confirm_totp(principal, body.code, address=client_address(request))
    except SignInRefused as exc:
        raise HTTPException(422, str(exc)) from None
    except AccountError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.delete("/api/me/two-step", status_code=status.HTTP_204_NO_CONTENT)
def disable_two_step(body: PasswordConfirm, request: Request, principal: PrincipalDep, accounts: AccountsDep) -> None:
    """Turn two-step sign-in off (her password is needed when she has one)."""
    try:
        accounts.disable_totp(principal, body.password, address=client_address(request))
    except SignInRefused as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None


@router.get("/api/me/audit")
def get_audit(principal: PrincipalDep, accounts: AccountsDep) -> list[dict[str, Any]]:
    """Her audit log, newest first: who (``actor``), what (``action``, ``detail``), when (``at``), from where."""
    return [asdict(e) for e in accounts.store.list_audit(principal.id)]


@router.get("/api/me/export", response_class=Response, responses={200: {"content": {"application/zip": {}}}})
def export_archive(
    request: Request, principal: PrincipalDep, accounts: AccountsDep, store: StoreDep, plans: PlansDep
) -> Response:
    """A zip of everything she owns: JSON records, a CSV per session's trace, and a README saying what is what."""
    data = build_archive(
        principal.user, sessions=store, care=CareRecords(CareStore(store.engine)), plans=plans, accounts=accounts.store
    )
    accounts.audit(principal.id, principal, "export", f"{len(data)} bytes", address=client_address(request))
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="pelvicore-{stamp}.zip"'},
    )


@router.delete("/api/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(
    request: Request,
    principal: PrincipalDep,
    accounts: AccountsDep,
    body: Annotated[PasswordConfirm | None, Body()] = None,
) -> Response:
    """Delete her account and everything she owns. From a page, her password is needed again (ASVS 3.7.1);
    a bearer token is proof enough for a script. Her tokens and sign-ins stop working at once."""
    if principal.via == "cookie":
        try:
            await anyio.to_thread.run_sync(_confirm, accounts, principal, body)
        except SignInRefused as exc:
            raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    store = request.app.state.store
    running = await anyio.to_thread.run_sync(lambda: store.list_sessions(principal.id, limit=100_000))
    await request.app.state.manager.cancel([r.id for r in running if r.status == "running"])
    await anyio.to_thread.run_sync(accounts.delete_user, principal.id)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    _clear_cookie(request, response)
    return response


def _confirm(accounts: Accounts, principal: Principal, body: PasswordConfirm | None) -> None:
    accounts.confirm_password(principal, None if body is None else body.password)
