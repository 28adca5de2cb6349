"""Her side of sharing: share with a clinician, see and revoke her shares, let a clinician watch a session live,
and her messages with the clinicians she shares with."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from pelvicore.accounts import AccountError
from pelvicore.accounts.sharing import DEFAULT_DAYS, MAX_DAYS, NotShared, Scope, scope_of
from pelvicore.store.clinic import MESSAGE_MAX_CHARS, MessageRecord
from pelvicore.store.errors import StoreError
from pelvicore.store.shares import MAX_ID, ShareRecord
from pelvicore.web.deps import ClinicDep, PrincipalDep, SharingDep, client_address, now

router = APIRouter(tags=["sharing"])
Now = Annotated[datetime, Depends(now)]


class ShareRequest(BaseModel):
    """Share with a clinician on this server: by the email they sign in with, or by their invitation link's token."""

    clinician_email: str | None = Field(None, max_length=254)
    invitation: str | None = Field(None, max_length=200, description="The token of a clinician's invitation link")
    scope: list[Scope] = Field(
        ["training", "care"], min_length=1, max_length=2,
        description="training: sessions, traces, assessments, plan, progress; care: diary, questionnaires, triage "
        "results, bone screen, insight",
    )  # fmt: skip
    days: int = Field(DEFAULT_DAYS, ge=1, le=MAX_DAYS, description="How long the share lasts (default 6 months)")
    in_clinic: bool = Field(False, description="Also let the clinician record sessions with her in the clinic")


class LiveView(BaseModel):
    allowed: bool


class MessageRequest(BaseModel):
    clinician_id: int = Field(ge=1, le=MAX_ID)
    text: str = Field(min_length=1, max_length=MESSAGE_MAX_CHARS)


class ReadRequest(BaseModel):
    clinician_id: int = Field(ge=1, le=MAX_ID)


def share_dict(share: ShareRecord, at: datetime) -> dict[str, Any]:
    state = "revoked" if share.revoked_at is not None else ("active" if share.active(at) else "expired")
    return {
        "id": share.id,
        "clinician": share.clinician,
        "clinician_id": share.clinician_id,
        "patient": share.patient,
        "scope": sorted(scope_of(share)),
        "in_clinic": share.in_clinic,
        "created_at": share.created_at.isoformat(),
        "expires_at": share.expires_at.isoformat(),
        "revoked_at": None if share.revoked_at is None else share.revoked_at.isoformat(),
        "status": state,
    }


def message_dict(m: MessageRecord) -> dict[str, Any]:
    return {"id": m.id, "from_clinician": m.from_clinician, "text": m.text, "at": m.at.isoformat(),
            "read": m.read_at is not None}  # fmt: skip


@router.post("/api/shares", status_code=status.HTTP_201_CREATED)
def create_share(
    body: ShareRequest, request: Request, sharing: SharingDep, principal: PrincipalDep, at: Now
) -> dict[str, Any]:
    if (body.clinician_email is None) == (body.invitation is None):
        raise HTTPException(422, "give clinician_email or invitation (one of them)")
    address = client_address(request)
    try:
        if body.invitation is not None:
            share = sharing.accept(principal, body.invitation, body.scope, days=body.days, in_clinic=body.in_clinic,
                                   at=at, address=address)  # fmt: skip
        else:
            share = sharing.share(principal, body.clinician_email or "", body.scope, days=body.days,
                                  in_clinic=body.in_clinic, at=at, address=address)  # fmt: skip
    except AccountError as exc:
        raise HTTPException(422, str(exc)) from None
    return share_dict(share, at)


@router.get("/api/shares")
def list_shares(sharing: SharingDep, principal: PrincipalDep, at: Now) -> list[dict[str, Any]]:
    """Every share she made, newest first, with its status (active, revoked or expired)."""
    return [share_dict(s, at) for s in sharing.of(principal.id)]


@router.delete("/api/shares/{share_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_share(share_id: str, request: Request, sharing: SharingDep, principal: PrincipalDep, at: Now) -> Response:
    """End a share at once: from now on the clinician gets "not found" for everything of hers."""
    try:
        sharing.revoke(principal, share_id, at=at, address=client_address(request))
    except NotShared:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no share {share_id!r}") from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/shares/invitation")
def invitation(token: str, sharing: SharingDep, at: Now) -> dict[str, str]:
    """Who sent this invitation link (before she accepts it)."""
    try:
        clinician = sharing.inviter(token, at=at)
    except AccountError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return {"clinician": clinician.email or clinician.name}


@router.put("/api/sessions/{session_id}/live-view")
def set_live_view(session_id: str, body: LiveView, sharing: SharingDep, principal: PrincipalDep) -> dict[str, bool]:
    """Let (or stop letting) the clinicians she shares training with watch this session live."""
    if not sharing.shares.set_live_view(session_id[:64], owner=principal.id, allowed=body.allowed):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no session {session_id!r}")
    return {"live_view": body.allowed}


# -- her messages -----------------------------------------------------------------------------------------------
@router.get("/api/messages")
def her_messages(sharing: SharingDep, clinic: ClinicDep, principal: PrincipalDep, at: Now) -> dict[str, Any]:
    """Her threads: one per clinician she shares with now or wrote with before."""
    names = {s.clinician_id: s.clinician for s in sharing.of(principal.id)}
    active = {s.clinician_id for s in sharing.of(principal.id) if s.active(at)}
    messages = clinic.messages(principal.id)
    ids = list(dict.fromkeys([*active, *(m.clinician_id for m in messages)]))
    threads = [
        {
            "clinician_id": cid,
            "clinician": names.get(cid, "a clinician"),
            "can_reply": cid in active,
            "messages": [message_dict(m) for m in messages if m.clinician_id == cid],
        }
        for cid in ids
    ]
    return {"threads": threads, "unread": sum(1 for m in messages if m.from_clinician and m.read_at is None)}


@router.post("/api/messages", status_code=status.HTTP_201_CREATED)
def send_message(
    body: MessageRequest, sharing: SharingDep, clinic: ClinicDep, principal: PrincipalDep, at: Now
) -> dict[str, Any]:
    """Write to a clinician she shares with now."""
    if not any(s.clinician_id == body.clinician_id and s.active(at) for s in sharing.of(principal.id)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "you share nothing with that clinician now")
    try:
        message = clinic.add_message(principal.id, body.clinician_id, body.text, from_clinician=False, at=at)
    except StoreError as exc:
        raise HTTPException(422, str(exc)) from None
    return message_dict(message)


@router.post("/api/messages/read")
def mark_read(body: ReadRequest, clinic: ClinicDep, principal: PrincipalDep, at: Now) -> dict[str, int]:
    return {"marked": clinic.mark_read(principal.id, body.clinician_id, from_clinician=True, at=at)}
