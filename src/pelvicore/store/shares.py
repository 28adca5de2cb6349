"""Storage of her shares with clinicians and of clinicians' invitation links (the rules: ``accounts.sharing``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from pelvicore.store.clinic_models import Share, ShareInvitation
from pelvicore.store.errors import StoreError
from pelvicore.store.models import LiveSession, User
from pelvicore.store.transactions import Transactions


@dataclass(frozen=True, slots=True)
class ShareRecord:
    """A share as made: whose data (``user_id``, shown as ``patient``), with whom (``clinician_id``, shown as
    ``clinician``), what, and until when."""

    id: str
    user_id: int
    patient: str
    clinician_id: int
    clinician: str
    training: bool
    care: bool
    in_clinic: bool
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def active(self, at: datetime) -> bool:
        return self.revoked_at is None and at < self.expires_at


@dataclass(frozen=True, slots=True)
class SessionAccess:
    """What decides who may read or drive a session: its owner, her live-view switch, the recording clinician."""

    owner: int
    live_view: bool
    recorded_by: str | None
    running: bool


MAX_ID = 2**31 - 1
"""The largest account id (a 32-bit INTEGER on PostgreSQL): larger ones are refused before any query."""


class ShareStore(Transactions):
    """Each method is one short transaction."""

    def create_share(
        self, user_id: int, clinician_id: int, *, training: bool, care: bool, in_clinic: bool, at: datetime,
        expires_at: datetime,
    ) -> ShareRecord:  # fmt: skip
        """A new share; any share she had with this clinician that is still active ends now (one at a time)."""
        if not (training or care):
            raise StoreError("a share needs training, care or both")
        with self._write() as db:
            for who in (user_id, clinician_id):
                if db.get(User, who) is None:
                    raise StoreError(f"unknown user id {who!r}")
            db.execute(
                update(Share)
                .where(Share.user_id == user_id, Share.clinician_id == clinician_id, Share.revoked_at.is_(None))
                .values(revoked_at=at)
            )
            share_id = uuid.uuid4().hex
            db.add(Share(id=share_id, user_id=user_id, clinician_id=clinician_id, training=training, care=care,
                         in_clinic=in_clinic, created_at=at, expires_at=expires_at))  # fmt: skip
            db.flush()
            return _records(db, Share.id == share_id)[0]

    def get(self, share_id: str) -> ShareRecord | None:
        with self._read() as db:
            found = _records(db, Share.id == share_id)
            return found[0] if found else None

    def of_user(self, user_id: int) -> list[ShareRecord]:
        """Every share she made, newest first."""
        with self._read() as db:
            return _records(db, Share.user_id == user_id)

    def of_clinician(self, clinician_id: int, *, at: datetime) -> list[ShareRecord]:
        """The clinician's active shares, one per patient, newest first."""
        with self._read() as db:
            rows = _records(db, Share.clinician_id == clinician_id, Share.revoked_at.is_(None), Share.expires_at > at)
            return rows

    def active(self, clinician_id: int, user_id: int, *, at: datetime) -> ShareRecord | None:
        """The clinician's active share of her data, if any (an id no account can have: None, unasked)."""
        if not (0 < clinician_id <= MAX_ID and 0 < user_id <= MAX_ID):
            return None
        with self._read() as db:
            found = _records(
                db, Share.clinician_id == clinician_id, Share.user_id == user_id, Share.revoked_at.is_(None),
                Share.expires_at > at,
            )  # fmt: skip
            return found[0] if found else None

    def revoke(self, share_id: str, *, owner: int, at: datetime) -> ShareRecord | None:
        """End her share now (it stays in her list as revoked); None if she has no such share."""
        with self._write() as db:
            share = db.get(Share, share_id)
            if share is None or share.user_id != owner:
                return None
            if share.revoked_at is None:
                share.revoked_at = at
            db.flush()
            return _records(db, Share.id == share_id)[0]

    # -- invitations ----------------------------------------------------------------------------------------------
    def add_invitation(self, clinician_id: int, token_hash: str, *, at: datetime, expires_at: datetime) -> None:
        with self._write() as db:
            db.add(ShareInvitation(clinician_id=clinician_id, token_hash=token_hash, created_at=at,
                                   expires_at=expires_at))  # fmt: skip

    def find_invitation(self, token_hash: str, *, at: datetime) -> int | None:
        """The inviting clinician's id for an unused, unexpired invitation."""
        with self._read() as db:
            row = db.scalars(select(ShareInvitation).where(ShareInvitation.token_hash == token_hash)).first()
            if row is None or row.used_at is not None or at >= row.expires_at:
                return None
            return row.clinician_id

    def claim_invitation(self, token_hash: str, *, at: datetime) -> int | None:
        """Mark an unused, unexpired invitation used and give its clinician's id; None if it was not (one
        conditional UPDATE: of two people opening one link at once, one gets it)."""
        with self._write() as db:
            claimed = db.execute(
                update(ShareInvitation)
                .where(ShareInvitation.token_hash == token_hash, ShareInvitation.used_at.is_(None),
                       ShareInvitation.expires_at > at)
                .values(used_at=at)
            )  # fmt: skip
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return db.scalar(select(ShareInvitation.clinician_id).where(ShareInvitation.token_hash == token_hash))

    # -- sessions -------------------------------------------------------------------------------------------------
    def set_live_view(self, session_id: str, *, owner: int, allowed: bool) -> bool:
        """Let (or stop letting) her clinicians watch this session live; False if she has no such session."""
        with self._write() as db:
            session = db.get(LiveSession, session_id)
            if session is None or session.user_id != owner:
                return False
            session.live_view = allowed
            return True

    def session_access(self, session_id: str) -> SessionAccess | None:
        """Whose session this is, whether she lets her clinicians watch it live, and which clinician records it
        with her in the clinic; None if there is no such session."""
        with self._read() as db:
            row = db.execute(
                select(LiveSession.user_id, LiveSession.live_view, LiveSession.recorded_by, LiveSession.status).where(
                    LiveSession.id == session_id
                )
            ).first()
            return None if row is None else SessionAccess(row[0], row[1], row[2], row[3] == "running")


def _records(db: Session, *where: object) -> list[ShareRecord]:
    patient, clinician = aliased(User), aliased(User)
    rows = db.execute(
        select(Share, patient.email, patient.name, clinician.email, clinician.name)
        .join(patient, patient.id == Share.user_id)
        .join(clinician, clinician.id == Share.clinician_id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(Share.created_at.desc())
    ).all()
    return [_record(s, p_email or p_name, c_email or c_name) for s, p_email, p_name, c_email, c_name in rows]


def _record(s: Share, patient: str, clinician: str) -> ShareRecord:
    return ShareRecord(
        s.id, s.user_id, patient, s.clinician_id, clinician, s.training, s.care, s.in_clinic, s.created_at,
        s.expires_at, s.revoked_at,
    )  # fmt: skip
