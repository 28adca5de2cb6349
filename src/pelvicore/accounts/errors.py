"""What can go wrong with an account, each with a message a person can act on."""

from __future__ import annotations

from pelvicore.errors import PelvicoreError


class AccountError(PelvicoreError):
    """An account cannot be made, changed or found as asked."""


class PasswordRejected(AccountError):
    """A new password breaks the rules (length, same as the email...); the message says which."""


class SignInRefused(AccountError):
    """Wrong email, password or code. The message never says which, so it cannot be used to find accounts."""


class SignInThrottled(AccountError):
    """Too many failed sign-ins lately for this account or this address; ``retry_after_s`` says how long to wait."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
