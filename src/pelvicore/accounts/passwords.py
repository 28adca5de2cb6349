"""Password hashing (Argon2id, ASVS 2.4.1) and the rules a new password must meet (ASVS 2.1)."""

from __future__ import annotations

from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pelvicore.accounts.errors import PasswordRejected
from pelvicore.accounts.policy import PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS

# argon2-cffi's defaults are RFC 9106's second recommended option: Argon2id, 64 MiB, 3 passes, 4 lanes.
_HASHER: Final = PasswordHasher()
_DUMMY_HASH: Final = _HASHER.hash("a password nobody has, for the same cost either way")


def check_new_password(password: str, *, email: str | None = None) -> None:
    """Raise ``PasswordRejected`` naming the rule a new password breaks.

    Any characters are allowed, spaces and emoji included (ASVS 2.1.4); nothing is trimmed (2.1.3).
    """
    if not isinstance(password, str):
        raise PasswordRejected("the password must be text")
    if len(password) < PASSWORD_MIN_CHARS:
        raise PasswordRejected(f"the password needs at least {PASSWORD_MIN_CHARS} characters, got {len(password)}")
    if len(password) > PASSWORD_MAX_CHARS:
        raise PasswordRejected(f"the password may have at most {PASSWORD_MAX_CHARS} characters, got {len(password)}")
    if len(set(password)) == 1:
        raise PasswordRejected("the password cannot be one character repeated")
    if email is not None and password.lower() == email.lower():
        raise PasswordRejected("the password cannot be the email address")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; an account without a password costs the same time and never matches,
    so timing does not tell which accounts exist."""
    if not isinstance(password, str) or len(password) > PASSWORD_MAX_CHARS:
        _safe_verify(_DUMMY_HASH, "")
        return False
    if password_hash is None:
        _safe_verify(_DUMMY_HASH, password)
        return False
    return _safe_verify(password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


def _safe_verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
