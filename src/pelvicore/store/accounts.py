"""``AccountStore``: accounts, signed-in browsers, tokens, the audit log and failed sign-ins, in the database.

Storage only: hashing, timeouts and throttling rules live in ``pelvicore.accounts``. Secrets are stored only as
SHA-256 digests (cookies, tokens) or Argon2id hashes (passwords), never as themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from pelvicore.store.errors import StoreError
from pelvicore.store.models import ApiToken, AuditEvent, LoginFailure, LoginSession, Role, User, utc_now
from pelvicore.store.transactions import Transactions

ROLES: tuple[Role, ...] = ("person", "clinician", "admin")
TokenKind = Literal["api", "link"]


class AccountExistsError(StoreError):
    """An account with that email (or name) exists already."""


@dataclass(frozen=True, slots=True)
class UserRecord:
    """An account as the rest of pelvicore sees it (no password hash, no second-factor secret)."""

    id: int
    name: str
    email: str | None
    role: Role
    has_password: bool
    totp_enabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LoginSessionRecord:
    """A signed-in browser; ``id`` is the digest of its cookie."""

    id: str
    user_id: int
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    address: str
    user_agent: str


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    user_id: int
    kind: TokenKind
    label: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """``actor`` did ``action`` (``detail``) to the account or data of user ``user_id``, from ``address``."""

    at: datetime
    actor: str
    action: str
    detail: str
    address: str
    by_owner: bool


class AccountStore(Transactions):
    """Each method is one short transaction; see ``SessionStore`` for the engine it needs."""

    # -- accounts -------------------------------------------------------------------------------------------------
    def create_user(self, name: str, *, email: str | None, role: Role, password_hash: str | None) -> UserRecord:
        _check_role(role)
        try:
            with self._write() as db:
                user = User(name=name, email=email, role=role, password_hash=password_hash)
                db.add(user)
                db.flush()
                return _user(user)
        except IntegrityError:
            raise AccountExistsError(f"an account called {email or name!r} exists already") from None

    def get_user(self, user_id: int) -> UserRecord | None:
        with self._read() as db:
            user = db.get(User, user_id)
            return None if user is None else _user(user)

    def find_user(self, *, email: str | None = None, name: str | None = None) -> UserRecord | None:
        """The account with this email (compared in lower case) or this name."""
        query = select(User)
        if email is not None:
            query = query.where(func.lower(User.email) == email.lower())
        elif name is not None:
            query = query.where(User.name == name)
        else:
            raise StoreError("find_user needs an email or a name")
        with self._read() as db:
            user = db.scalars(query).first()
            return None if user is None else _user(user)

    def list_users(self) -> list[UserRecord]:
        with self._read() as db:
            return [_user(u) for u in db.scalars(select(User).order_by(User.id))]

    def count_users(self, *, role: Role | None = None, with_password: bool = False) -> int:
        query = select(func.count(User.id))
        if role is not None:
            query = query.where(User.role == role)
        if with_password:
            query = query.where(User.password_hash.is_not(None))
        with self._read() as db:
            return int(db.scalar(query) or 0)

    def delete_user(self, user_id: int) -> bool:
        """Delete an account and, through the foreign keys, every row it owns."""
        with self._write() as db:
            return bool(db.execute(delete(User).where(User.id == user_id)).rowcount)  # type: ignore[attr-defined]

    def password_hash(self, user_id: int) -> str | None:
        with self._read() as db:
            return db.scalar(select(User.password_hash).where(User.id == user_id))

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._update_user(user_id, password_hash=password_hash)

    def totp_secrets(self, user_id: int) -> tuple[str | None, str | None]:
        """(confirmed secret, secret being set up) of her second factor."""
        with self._read() as db:
            row = db.execute(select(User.totp_secret, User.totp_pending).where(User.id == user_id)).first()
            return (None, None) if row is None else (row[0], row[1])

    def set_totp(self, user_id: int, *, secret: str | None, pending: str | None) -> None:
        self._update_user(user_id, totp_secret=secret, totp_pending=pending)

    def _update_user(self, user_id: int, **values: object) -> None:
        with self._write() as db:
            if not db.execute(update(User).where(User.id == user_id).values(**values)).rowcount:  # type: ignore[attr-defined]
                raise StoreError(f"unknown user id {user_id!r}")

    # -- signed-in browsers ---------------------------------------------------------------------------------------
    def add_login_session(self, record: LoginSessionRecord) -> None:
        with self._write() as db:
            db.add(
                LoginSession(
                    id=record.id,
                    user_id=record.user_id,
                    csrf_token=record.csrf_token,
                    created_at=record.created_at,
                    last_seen_at=record.last_seen_at,
                    expires_at=record.expires_at,
                    address=record.address[:64],
                    user_agent=record.user_agent[:200],
                )
            )

    def get_login_session(self, session_id: str) -> LoginSessionRecord | None:
        with self._read() as db:
            row = db.get(LoginSession, session_id)
            return None if row is None else _login(row)

    def get_login_with_user(self, session_id: str) -> tuple[LoginSessionRecord, UserRecord] | None:
        """A signed-in browser and its account, in one query (asked on every request)."""
        with self._read() as db:
            row = db.execute(
                select(LoginSession, User)
                .join(User, User.id == LoginSession.user_id)
                .where(LoginSession.id == session_id)
            ).first()
            return None if row is None else (_login(row[0]), _user(row[1]))

    def touch_login_session(self, session_id: str, at: datetime) -> None:
        with self._write() as db:
            db.execute(update(LoginSession).where(LoginSession.id == session_id).values(last_seen_at=at))

    def list_login_sessions(self, user_id: int) -> list[LoginSessionRecord]:
        with self._read() as db:
            rows = db.scalars(
                select(LoginSession).where(LoginSession.user_id == user_id).order_by(LoginSession.last_seen_at.desc())
            )
            return [_login(r) for r in rows]

    def delete_login_sessions(self, user_id: int, *, only: str | None = None, keep: str | None = None) -> int:
        """End her signed-in browsers: just ``only``, or all but ``keep``; the number ended."""
        query = delete(LoginSession).where(LoginSession.user_id == user_id)
        if only is not None:
            query = query.where(LoginSession.id == only)
        if keep is not None:
            query = query.where(LoginSession.id != keep)
        with self._write() as db:
            return int(db.execute(query).rowcount)  # type: ignore[attr-defined]

    # -- tokens ---------------------------------------------------------------------------------------------------
    def add_token(
        self, user_id: int, token_hash: str, *, kind: TokenKind, label: str, expires_at: datetime | None
    ) -> TokenRecord:
        with self._write() as db:
            if db.get(User, user_id) is None:
                raise StoreError(f"unknown user id {user_id!r}")
            row = ApiToken(user_id=user_id, token_hash=token_hash, kind=kind, label=label[:100], expires_at=expires_at)
            db.add(row)
            db.flush()
            return _token(row)

    def find_token(self, token_hash: str, kind: TokenKind) -> TokenRecord | None:
        """The token of this kind with this digest (expired or not: the caller decides)."""
        with self._read() as db:
            row = db.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.kind == kind)).first()
            return None if row is None else _token(row)

    def touch_token(self, token_id: int, at: datetime) -> None:
        with self._write() as db:
            db.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at))

    def take_token(self, token_hash: str, kind: TokenKind) -> TokenRecord | None:
        """Delete the token with this digest and return it: whoever takes it first has it (a one-time link)."""
        with self._write() as db:
            row = db.scalars(
                select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.kind == kind).with_for_update()
            ).first()
            if row is None:
                return None
            record = _token(row)
            db.delete(row)
            return record

    def list_tokens(self, user_id: int) -> list[TokenRecord]:
        with self._read() as db:
            rows = db.scalars(select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.kind == "api"))
            return [_token(r) for r in rows]

    # -- audit log ------------------------------------------------------------------------------------------------
    def add_audit(
        self, user_id: int, action: str, *, actor_id: int | None, actor: str, detail: str = "", address: str = ""
    ) -> None:
        with self._write() as db:
            db.add(
                AuditEvent(
                    user_id=user_id,
                    actor_id=actor_id,
                    actor=actor[:254],
                    action=action[:50],
                    detail=detail[:300],
                    address=address[:64],
                    at=utc_now(),
                )
            )

    def list_audit(self, user_id: int, *, limit: int = 500) -> list[AuditRecord]:
        """Her audit log, newest first: the last ``limit`` reads by others and, apart from them, the last ``limit``
        other events (sign-ins, shares, changes), so that many reads never push those out of view."""
        mine = select(AuditEvent).where(AuditEvent.user_id == user_id).order_by(AuditEvent.id.desc()).limit(limit)
        with self._read() as db:
            reads = list(db.scalars(mine.where(AuditEvent.action == "read")))
            others = list(db.scalars(mine.where(AuditEvent.action != "read")))
            rows = sorted(reads + others, key=lambda r: r.id, reverse=True)
            return [AuditRecord(r.at, r.actor, r.action, r.detail, r.address, r.actor_id == user_id) for r in rows]

    def audited_since(self, user_id: int, *, actor_id: int, action: str, detail: str, since: datetime) -> bool:
        """Whether the same event (same actor, action and detail) is in her log since ``since``."""
        with self._read() as db:
            found = db.scalar(
                select(AuditEvent.id).where(
                    AuditEvent.user_id == user_id, AuditEvent.actor_id == actor_id, AuditEvent.action == action,
                    AuditEvent.detail == detail[:300], AuditEvent.at >= since,
                ).limit(1)
            )  # fmt: skip
            return found is not None

    # -- failed sign-ins ------------------------------------------------------------------------------------------
    def add_login_failure(self, account: str, address: str, at: datetime, *, forget_before: datetime) -> None:
        with self._write() as db:
            db.execute(delete(LoginFailure).where(LoginFailure.at < forget_before))
            db.add(LoginFailure(account=account.lower()[:254], address=address[:64], at=at))

    def count_login_failures(self, *, since: datetime, account: str | None = None, address: str | None = None) -> int:
        query = select(func.count(LoginFailure.id)).where(LoginFailure.at >= since)
        if account is not None:
            query = query.where(LoginFailure.account == account.lower()[:254])
        if address is not None:
            query = query.where(LoginFailure.address == address[:64])
        with self._read() as db:
            return int(db.scalar(query) or 0)

    def forget_login_failures(self, account: str) -> None:
        with self._write() as db:
            db.execute(delete(LoginFailure).where(LoginFailure.account == account.lower()[:254]))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise StoreError(f"role must be one of {', '.join(ROLES)}, got {role!r}")


def _user(user: User) -> UserRecord:
    return UserRecord(
        id=user.id,
        name=user.name,
        email=user.email,
        role=user.role,
        has_password=user.password_hash is not None,
        totp_enabled=user.totp_secret is not None,
        created_at=user.created_at,
    )


def _login(row: LoginSession) -> LoginSessionRecord:
    return LoginSessionRecord(
        row.id, row.user_id, row.csrf_token, row.created_at, row.last_seen_at, row.expires_at, row.address,
        row.user_agent,
    )  # fmt: skip


def _token(row: ApiToken) -> TokenRecord:
    kind: TokenKind = "link" if row.kind == "link" else "api"
    return TokenRecord(row.id, row.user_id, kind, row.label, row.created_at, row.expires_at, row.last_used_at)
