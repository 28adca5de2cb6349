"""Accounts: people, clinicians and admins; passwords, second factors, signed-in browsers, tokens and the audit log.

``Accounts`` (in ``service``) is what the web app and the command line use; the rules it applies (password
length, timeouts, throttling) are in ``policy`` with their sources.
"""

from pelvicore.accounts.errors import AccountError, PasswordRejected, SignInRefused, SignInThrottled
from pelvicore.accounts.service import Accounts, Principal

__all__ = ["AccountError", "Accounts", "PasswordRejected", "Principal", "SignInRefused", "SignInThrottled"]
