"""The exceptions the storage layer raises."""

from __future__ import annotations

from pelvicore.errors import PelvicoreError


class StoreError(PelvicoreError):
    """A record cannot be stored or read: bad values, a session in the wrong state, unreadable data."""


class UnknownSessionError(StoreError):
    """No session has the given id (it never existed or was deleted)."""


class SessionNotHeld(StoreError):
    """A server process writes to a session it no longer runs: the session ended or was deleted, or another
    process took it over (its worker was taken for dead and the session resumed elsewhere)."""
