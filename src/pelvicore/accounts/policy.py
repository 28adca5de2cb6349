"""The rules accounts follow, each with its source.

OWASP Application Security Verification Standard 4.0.3, level 2 (ASVS): 2.1.1-2.1.2 password length, 2.2.1
anti-automation, 2.4.1 password hashing, 3.3.2 timeouts. NIST SP 800-63B section 7.2 (AAL2): re-authenticate at
least every 12 hours, and after 30 minutes of inactivity.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from pelvicore.store.models import Role

PASSWORD_MIN_CHARS: Final = 12  # ASVS 2.1.1
PASSWORD_MAX_CHARS: Final = 128  # ASVS 2.1.2 asks to allow at least 64

# ASVS 2.2.1 allows at most 100 failed attempts an hour on one account. Ten in a quarter of an hour is at most
# 40 an hour per account; an address may try more accounts (a shared clinic network), but not without bound.
FAILURE_WINDOW: Final = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT: Final = 10
MAX_FAILURES_PER_ADDRESS: Final = 30
FAILURES_KEPT: Final = timedelta(hours=1)


def idle_timeout(role: Role) -> timedelta:
    """How long a signed-in browser may sit unused. A person on her own computer: two weeks, as a home app
    expects; clinicians and admins, who reach many people's data: 30 minutes (NIST SP 800-63B, AAL2)."""
    return timedelta(days=14) if role == "person" else timedelta(minutes=30)


def absolute_timeout(role: Role) -> timedelta:
    """How long a sign-in lasts however busy it is: 30 days for a person, 12 hours otherwise (NIST AAL2)."""
    return timedelta(days=30) if role == "person" else timedelta(hours=12)


API_TOKEN_DAYS: Final = 90
"""Default life of a script's bearer token (``pelvicore token create --days``)."""

SIGNIN_LINK_LIFETIME: Final = timedelta(hours=1)
"""A one-time sign-in link printed at start-up works once, within this time."""

#: The same read of her data by the same person within this time is one line of her audit log (ASVS 7.1: logs
#: that are complete enough to follow, not so noisy that what matters drowns).
AUDIT_READ_MERGE: Final = timedelta(hours=1)
