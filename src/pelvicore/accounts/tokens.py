"""Random secrets for cookies, tokens and links, and the digests under which they are stored."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str = "") -> str:
    """256 random bits, URL-safe (``prefix`` marks what it is for, e.g. ``pc_`` for a bearer token)."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The SHA-256 of a secret, in hex: what the database keeps (a stolen copy signs nobody in)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
