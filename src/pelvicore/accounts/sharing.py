"""Sharing she controls: she lets a clinician on this server read her training and/or care data for a set time,
sees every share, revokes any at once, and her audit log shows every time the clinician opened her data.

A clinician reads a person's data only through ``Sharing.access``: it finds an active share whose scope covers
what is asked, or raises ``NotShared`` (which the web app answers with 404, so that a clinician cannot even tell
whether someone has an account), and notes the read in her audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal, get_args

from pelvicore.accounts.errors import AccountError
from pelvicore.accounts.service import Accounts, Principal, normalize_email
from pelvicore.accounts.tokens import digest, new_secret
from pelvicore.store.accounts import UserRecord
from pelvicore.store.shares import ShareRecord, ShareStore

logger = logging.getLogger(__name__)

Scope = Literal["training", "care"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
ALL_SCOPES: frozenset[str] = frozenset(SCOPES)
"""What a share may cover; the dashboard, the reports and the FHIR exports read only what their scope names."""
DEFAULT_DAYS = 180
"""Six months: long enough for a 12-week programme and its review, short enough that a share does not outlive care."""
MAX_DAYS = 730
INVITATION_LIFETIME = timedelta(days=14)


class NotShared(AccountError):
    """She has not shared this with the clinician asking (or the share ended): answered as "not found"."""


class Sharing:
    """The sharing rules on a ``ShareStore``, with reads noted in her audit log through ``Accounts``."""

    def __init__(self, shares: ShareStore, accounts: Accounts) -> None:
        self.shares = shares
        self.accounts = accounts

    # -- her side -------------------------------------------------------------------------------------------------
    def share(
        self, owner: Principal, clinician_email: str, scope: Iterable[str], *, days: int = DEFAULT_DAYS,
        in_clinic: bool = False, at: datetime, address: str = "",
    ) -> ShareRecord:  # fmt: skip
        """Share ``scope`` of her data with the clinician whose account has ``clinician_email``, for ``days``."""
        clinician = self._clinician(clinician_email)
        return self._share(owner, clinician, scope, days=days, in_clinic=in_clinic, at=at, address=address)

    def accept(
        self, owner: Principal, invitation: str, scope: Iterable[str], *, days: int = DEFAULT_DAYS,
        in_clinic: bool = False, at: datetime, address: str = "",
    ) -> ShareRecord:  # fmt: skip
        """Share with the clinician who sent her the invitation link (used once)."""
        check_scope(scope)
        _check_days(days)
        clinician_id = self.shares.claim_invitation(digest(invitation[:200]), at=at)
        clinician = None if clinician_id is None else self.accounts.store.get_user(clinician_id)
        if clinician is None:
            raise AccountError("this invitation link is not valid: it was used, it expired, or it was mistyped")
        return self._share(owner, clinician, scope, days=days, in_clinic=in_clinic, at=at, address=address)

    def inviter(self, invitation: str, *, at: datetime) -> UserRecord:
        """The clinician who sent this invitation link (it stays unused); ``AccountError`` if it is not valid."""
        clinician_id = self.shares.find_invitation(digest(invitation[:200]), at=at)
        clinician = None if clinician_id is None else self.accounts.store.get_user(clinician_id)
        if clinician is None:
            raise AccountError("this invitation link is not valid: it was used, it expired, or it was mistyped")
        return clinician

    def of(self, user_id: int) -> list[ShareRecord]:
        """Every share she made, newest first (the ended ones too: she sees what she once shared)."""
        return self.shares.of_user(user_id)

    def revoke(self, owner: Principal, share_id: str, *, at: datetime, address: str = "") -> ShareRecord:
        """End her share now; ``NotShared`` if she has no share with that id."""
        record = self.shares.revoke(share_id[:64], owner=owner.id, at=at)
        if record is None:
            raise NotShared(f"no share {share_id!r}")
        self.accounts.audit(owner.id, owner, "share revoked", f"with {record.clinician}", address=address)
        logger.info("share %s revoked", record.id)
        return record

    # -- the clinician's side -------------------------------------------------------------------------------------
    def invite(self, clinician: Principal, *, at: datetime) -> tuple[str, datetime]:
        """A secret for an invitation link the clinician sends to a patient, and when it expires."""
        _check_clinician(clinician.user)
        secret = new_secret()
        expires = at + INVITATION_LIFETIME
        self.shares.add_invitation(clinician.id, digest(secret), at=at, expires_at=expires)
        return secret, expires

    def patients(self, clinician: Principal, *, at: datetime) -> list[ShareRecord]:
        """The clinician's active shares, one per patient, newest first."""
        return self.shares.of_clinician(clinician.id, at=at)

    def access(
        self, reader: Principal, patient_id: int, scope: Scope, what: str, *, at: datetime, address: str = "",
        audit: bool = True,
    ) -> ShareRecord:  # fmt: skip
        """The active share that lets ``reader`` read ``scope`` of patient ``patient_id``'s data, with the read
        noted in her audit log (``what``: what was opened); ``NotShared`` otherwise."""
        share = self.shares.active(reader.id, patient_id, at=at)
        if share is None or reader.user.role != "clinician" or scope not in scope_of(share):
            raise NotShared(f"no patient {patient_id!r}")
        if audit:
            self.accounts.audit_read(patient_id, reader, what, address=address)
        return share

    def recording(self, reader: Principal, patient_id: int, *, at: datetime) -> ShareRecord | None:
        """The share that lets ``reader`` record sessions with her in the clinic (training and in_clinic), if any."""
        share = self.shares.active(reader.id, patient_id, at=at)
        if share is None or reader.user.role != "clinician" or not (share.training and share.in_clinic):
            return None
        return share

    # -- her sessions, seen by a clinician ---------------------------------------------------------------------------
    def session_owner(
        self, reader: Principal, session_id: str, what: str, *, at: datetime, live: bool = False, address: str = "",
        audit: bool = True,
    ) -> tuple[int, bool] | None:  # fmt: skip
        """Whose session ``session_id`` is, if ``reader`` is a clinician who may read it, and whether they drive it.

        A clinician reads a patient's session through an active training share — while it runs (or ``live``,
        watching its stream) only with her live-view switch on for it — or drives it (pause, stop, stream her
        trainer) as the clinician who records it with her in the clinic. The read is noted in her audit log
        (unless ``audit`` is False: a check that an open live view may go on). None for anyone else.
        """
        found = self.shares.session_access(session_id[:64])
        if found is None or found.owner == reader.id or reader.user.role != "clinician":
            return None
        driving = found.recorded_by == reader.label and self.recording(reader, found.owner, at=at) is not None
        if (live or found.running) and not (found.live_view or driving):
            return None
        try:
            self.access(reader, found.owner, "training", f"session {session_id} ({what})", at=at, address=address,
                        audit=audit)  # fmt: skip
        except NotShared:
            return None
        return found.owner, driving

    # -- rules ----------------------------------------------------------------------------------------------------
    def _clinician(self, email: str) -> UserRecord:
        user = self.accounts.store.find_user(email=normalize_email(email))
        if user is None or user.role != "clinician":
            raise AccountError(f"there is no clinician account {email.strip()!r} on this server: ask your clinician "
                               "which email they sign in with, or for an invitation link")  # fmt: skip
        return user

    def _share(
        self, owner: Principal, clinician: UserRecord, scope: Iterable[str], *, days: int, in_clinic: bool,
        at: datetime, address: str,
    ) -> ShareRecord:  # fmt: skip
        _check_clinician(clinician)
        wanted = check_scope(scope)
        _check_days(days)
        if clinician.id == owner.id:
            raise AccountError("you cannot share with yourself")
        record = self.shares.create_share(
            owner.id, clinician.id, training="training" in wanted, care="care" in wanted, in_clinic=in_clinic,
            at=at, expires_at=at + timedelta(days=days),
        )  # fmt: skip
        what = " and ".join(s for s in SCOPES if s in wanted)
        detail = f"{what} with {record.clinician} for {days} days" + (", sessions in the clinic" if in_clinic else "")
        self.accounts.audit(owner.id, owner, "shared", detail, address=address)
        logger.info("share %s made (%s)", record.id, what)
        return record


def check_scope(scope: Iterable[str]) -> frozenset[Scope]:
    """The scope as a set; ``AccountError`` unless it is a non-empty list of ``training`` and ``care``."""
    if isinstance(scope, str):
        raise AccountError(f"scope must be a list of {', '.join(SCOPES)}, got {scope!r}")
    items = list(scope)
    bad = [s for s in items if s not in SCOPES]
    if bad or not items:
        raise AccountError(f"scope must be a non-empty list of {' and '.join(SCOPES)}, got {items!r}")
    return frozenset(items)  # type: ignore[arg-type]


def scope_of(share: ShareRecord) -> frozenset[Scope]:
    return frozenset(s for s in SCOPES if getattr(share, s))


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise AccountError(f"days must be a whole number from 1 to {MAX_DAYS}, got {days!r}")


def _check_clinician(user: UserRecord) -> None:
    if user.role != "clinician":
        raise AccountError(f"{user.email or user.name} is not a clinician account")
