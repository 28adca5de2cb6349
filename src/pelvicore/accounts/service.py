"""``Accounts``: make accounts, sign people in and out, check cookies and tokens, keep the audit log.

Cookies and tokens are random secrets of 256 bits; only their SHA-256 digests are stored, so a copy of the
database signs nobody in. Every sign-in gets a new cookie (ASVS 3.2.1) and a new CSRF token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import pyotp

from pelvicore.accounts import policy
from pelvicore.accounts.errors import AccountError, SignInRefused, SignInThrottled
from pelvicore.accounts.passwords import check_new_password, hash_password, needs_rehash, verify_password
from pelvicore.accounts.tokens import digest, new_secret
from pelvicore.store.accounts import AccountStore, LoginSessionRecord, TokenRecord, UserRecord
from pelvicore.store.models import Role, utc_now

logger = logging.getLogger(__name__)

LOCAL_OWNER = "local"
"""The name of the account of the person who runs pelvicore on her own computer (no email, no password)."""

_EMAIL_MAX = 254


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: the account, and whether a browser cookie or a bearer token proved it."""

    user: UserRecord
    via: Literal["cookie", "bearer"]
    login: LoginSessionRecord | None = None

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def label(self) -> str:
        return self.user.email or self.user.name


@dataclass(frozen=True, slots=True)
class SignIn:
    """A new signed-in browser: ``cookie`` goes to the browser, ``login`` is what the server keeps."""

    cookie: str
    login: LoginSessionRecord
    user: UserRecord


class Accounts:
    """The account rules on an ``AccountStore``."""

    def __init__(self, store: AccountStore) -> None:
        self.store = store

    # -- accounts -------------------------------------------------------------------------------------------------
    def create_user(self, email: str, *, role: Role, password: str | None) -> UserRecord:
        """An account signed in by ``email`` and ``password`` (checked against the password rules)."""
        email = normalize_email(email)
        if password is not None:
            check_new_password(password, email=email)
        user = self.store.create_user(
            email, email=email, role=role, password_hash=None if password is None else hash_password(password)
        )
        logger.info("account %s created (%s)", email, role)
        return user

    def local_owner(self, *, create: bool) -> UserRecord | None:
        """The local owner's account (created when ``create`` and missing)."""
        user = self.store.find_user(name=LOCAL_OWNER)
        if user is None and create:
            user = self.store.create_user(LOCAL_OWNER, email=None, role="person", password_hash=None)
            logger.info("local owner account created")
        return user

    def find(self, email: str) -> UserRecord:
        user = self.store.find_user(email=email.strip()) or (
            self.store.find_user(name=LOCAL_OWNER) if email.strip() == LOCAL_OWNER else None
        )
        if user is None:
            raise AccountError(f"no account {email!r}")
        return user

    def delete_user(self, user_id: int) -> None:
        """Delete the account and everything it owns: sessions, traces, care records, plans, tokens, audit log."""
        user = self.store.get_user(user_id)
        if user is None:
            raise AccountError(f"no account with id {user_id}")
        self.store.delete_user(user_id)
        if user.email:
            self.store.forget_login_failures(user.email)
        logger.info("account %s deleted with all its data", user.email or user.name)

    def change_password(self, principal: Principal, current: str | None, new: str, *, address: str = "") -> None:
        """Set a new password after checking the current one (the local owner, who has none, just sets one).

        Every other signed-in browser of hers is signed out (ASVS 3.3.3).
        """
        user = principal.user
        if user.has_password and not verify_password(self.store.password_hash(user.id), current or ""):
            raise SignInRefused("the current password is wrong")
        check_new_password(new, email=user.email)
        self.store.set_password_hash(user.id, hash_password(new))
        keep = principal.login.id if principal.login else None
        self.store.delete_login_sessions(user.id, keep=keep)
        self.audit(user.id, principal, "password-changed", "other browsers signed out", address=address)

    def confirm_password(self, principal: Principal, password: str | None) -> None:
        """Re-authentication before something that cannot be undone (ASVS 3.7.1)."""
        if principal.user.has_password and not verify_password(self.store.password_hash(principal.id), password or ""):
            raise SignInRefused("the password is wrong")

    # -- second factor (TOTP, RFC 6238) ---------------------------------------------------------------------------
    def start_totp(self, principal: Principal) -> str:
        """A new secret to scan; it protects sign-in only once ``confirm_totp`` sees a code made from it."""
        secret = pyotp.random_base32()
        confirmed, _ = self.store.totp_secrets(principal.id)
        self.store.set_totp(principal.id, secret=confirmed, pending=secret)
        return pyotp.TOTP(secret).provisioning_uri(name=principal.label, issuer_name="pelvicore")

    def confirm_totp(self, principal: Principal, code: str, *, address: str = "") -> None:
        _, pending = self.store.totp_secrets(principal.id)
        if pending is None:
            raise AccountError("start setting up two-step sign-in first")
        if not _code_ok(pending, code):
            raise SignInRefused("that code does not match: check the time on your phone and try the next code")
        self.store.set_totp(principal.id, secret=pending, pending=None)
        self.audit(principal.id, principal, "two-step-on", address=address)

    def disable_totp(self, principal: Principal, password: str | None, *, address: str = "") -> None:
        self.confirm_password(principal, password)
        self.store.set_totp(principal.id, secret=None, pending=None)
        self.audit(principal.id, principal, "two-step-off", address=address)

    # -- signing in and out ---------------------------------------------------------------------------------------
    def sign_in(
        self, email: str, password: str, *, code: str | None = None, address: str = "", user_agent: str = ""
    ) -> SignIn:
        """Check email, password (and code, when she has two-step sign-in on) and open a signed-in browser.

        Raises ``SignInThrottled`` after too many failures (ASVS 2.2.1) without checking anything, and
        ``SignInRefused`` with one message for every kind of mistake.
        """
        account = normalize_email(email, strict=False)
        now = utc_now()
        since = now - policy.FAILURE_WINDOW
        by_account = self.store.count_login_failures(since=since, account=account)
        by_address = self.store.count_login_failures(since=since, address=address)
        if by_account >= policy.MAX_FAILURES_PER_ACCOUNT or by_address >= policy.MAX_FAILURES_PER_ADDRESS:
            minutes = int(policy.FAILURE_WINDOW.total_seconds() // 60)
            raise SignInThrottled(
                f"too many failed sign-ins: please wait {minutes} minutes and try again",
                int(policy.FAILURE_WINDOW.total_seconds()),
            )
        user = self.store.find_user(email=account) if account else None
        password_hash = self.store.password_hash(user.id) if user else None
        ok = verify_password(password_hash, password)
        if ok and user is not None and user.totp_enabled:
            secret, _ = self.store.totp_secrets(user.id)
            ok = secret is not None and _code_ok(secret, code or "")
        if not ok or user is None or password_hash is None:
            self.store.add_login_failure(account, address, now, forget_before=now - policy.FAILURES_KEPT)
            if user is not None:
                self.store.add_audit(user.id, "sign-in-failed", actor_id=None, actor="", address=address)
            raise SignInRefused("the email, password or code is wrong")
        if needs_rehash(password_hash):
            self.store.set_password_hash(user.id, hash_password(password))
        self.store.forget_login_failures(account)
        return self._open(user, address=address, user_agent=user_agent, how="password")

    def sign_in_with_link(self, link: str, *, address: str = "", user_agent: str = "") -> SignIn:
        """Follow a one-time sign-in link (it stops working once used)."""
        token = self.store.take_token(digest(link), "link")
        expired = token is not None and token.expires_at is not None and token.expires_at <= utc_now()
        user = None if token is None or expired else self.store.get_user(token.user_id)
        if user is None:
            raise SignInRefused("this sign-in link has been used or has expired: restart pelvicore for a new one")
        return self._open(user, address=address, user_agent=user_agent, how="one-time link")

    def _open(self, user: UserRecord, *, address: str, user_agent: str, how: str) -> SignIn:
        cookie, now = new_secret(), utc_now()
        login = LoginSessionRecord(
            id=digest(cookie),
            user_id=user.id,
            csrf_token=new_secret(),
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.absolute_timeout(user.role),
            address=address,
            user_agent=user_agent,
        )
        self.store.add_login_session(login)
        self.store.add_audit(user.id, "sign-in", actor_id=user.id, actor=user.email or user.name, detail=how,
                             address=address)  # fmt: skip
        return SignIn(cookie, login, user)

    def sign_out(self, principal: Principal, *, everywhere: bool = False, address: str = "") -> int:
        """End this browser's sign-in, or every one of hers (``everywhere``); the number ended."""
        if everywhere:
            ended = self.store.delete_login_sessions(principal.id)
        elif principal.login is not None:
            ended = self.store.delete_login_sessions(principal.id, only=principal.login.id)
        else:
            ended = 0
        self.audit(principal.id, principal, "sign-out", "everywhere" if everywhere else "", address=address)
        return ended

    def end_login(self, principal: Principal, login_id: str) -> bool:
        return bool(self.store.delete_login_sessions(principal.id, only=login_id))

    # -- proving who is asking ------------------------------------------------------------------------------------
    def from_cookie(self, cookie: str) -> Principal | None:
        """The account a browser's cookie signs in, if it is known and neither idle nor too old (ASVS 3.3.2)."""
        found = self.store.get_login_with_user(digest(cookie))
        if found is None:
            return None
        login, user = found
        now = utc_now()
        if now >= login.expires_at or now - login.last_seen_at >= policy.idle_timeout(user.role):
            self.store.delete_login_sessions(login.user_id, only=login.id)
            return None
        if now - login.last_seen_at > timedelta(minutes=1):  # one write a minute at most
            self.store.touch_login_session(login.id, now)
        return Principal(user, "cookie", login)

    def from_bearer(self, token: str) -> Principal | None:
        record, now = self.store.find_token(digest(token), "api"), utc_now()
        if record is None or (record.expires_at is not None and record.expires_at <= now):
            return None
        if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
            self.store.touch_token(record.id, now)  # one write a minute at most
        user = self.store.get_user(record.user_id)
        return None if user is None else Principal(user, "bearer")

    # -- tokens ---------------------------------------------------------------------------------------------------
    def create_token(self, user: UserRecord, *, days: float | None = policy.API_TOKEN_DAYS, label: str = "") -> str:
        """A new bearer token for scripts (shown once; only its digest is kept)."""
        token = new_secret("pc_")
        expires = None if days is None else utc_now() + timedelta(days=days)
        self.store.add_token(user.id, digest(token), kind="api", label=label or "command line", expires_at=expires)
        return token

    def create_signin_link(self, user: UserRecord) -> str:
        """A secret for a one-time sign-in link, valid for ``policy.SIGNIN_LINK_LIFETIME``."""
        secret = new_secret()
        expires = utc_now() + policy.SIGNIN_LINK_LIFETIME
        self.store.add_token(user.id, digest(secret), kind="link", label="sign-in link", expires_at=expires)
        return secret

    def tokens(self, user_id: int) -> list[TokenRecord]:
        return self.store.list_tokens(user_id)

    # -- audit log ------------------------------------------------------------------------------------------------
    def audit(
        self, owner_id: int, actor: Principal | None, action: str, detail: str = "", *, address: str = ""
    ) -> None:
        """Note in her audit log that ``actor`` did ``action`` to her account or data."""
        self.store.add_audit(
            owner_id,
            action,
            actor_id=None if actor is None else actor.id,
            actor="" if actor is None else actor.label,
            detail=detail,
            address=address,
        )

    def audit_read(self, owner_id: int, reader: Principal, what: str, *, address: str = "") -> None:
        """Note a read of her data by anyone but her (a clinician she shares with, an admin); her own reads are
        not noted, as they are hers. The same read again within ``policy.AUDIT_READ_MERGE`` is noted once, so a
        page reloaded all day is one line of her log, not a flood."""
        if reader.id == owner_id:
            return
        since = utc_now() - policy.AUDIT_READ_MERGE
        if not self.store.audited_since(owner_id, actor_id=reader.id, action="read", detail=what, since=since):
            self.audit(owner_id, reader, "read", what, address=address)


def normalize_email(email: str, *, strict: bool = True) -> str:
    """``email`` trimmed and in lower case; with ``strict``, ``AccountError`` unless it looks like one."""
    if not isinstance(email, str):
        raise AccountError("the email must be text")
    email = email.strip().lower()
    if strict:
        local, at, domain = email.partition("@")
        if not at or not local or "." not in domain or len(email) > _EMAIL_MAX or any(c.isspace() for c in email):
            raise AccountError(f"{email!r} is not an email address (name@example.org, at most {_EMAIL_MAX} characters)")
    return email[:_EMAIL_MAX]


def _code_ok(secret: str, code: str) -> bool:
    code = "".join(str(code).split())
    # One 30-second step either side allows for a phone's clock being a little off.
    return len(code) == 6 and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)
