"""Her side of sharing with a clinician, as pages: share and revoke (``/sharing``), accept a clinician's
invitation (``/share/accept``) and her messages with her clinicians (``/messages``).

The pages call the JSON API of ``routers/shares.py`` from ``static/sharing.js``; here they are only rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from pelvicore.accounts import AccountError, Principal
from pelvicore.accounts.sharing import DEFAULT_DAYS, MAX_DAYS
from pelvicore.store.clinic import MESSAGE_MAX_CHARS, MessageRecord
from pelvicore.store.shares import ShareRecord
from pelvicore.training.weeks import LocalClock, day_text
from pelvicore.web.deps import ClinicDep, ClockDep, CurrentUser, SharingDep, now
from pelvicore.web.routers.pages import templates

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

SCOPES = (
    ("training", "Training", "your sessions and their traces, assessments, your programme and your progress"),
    ("care", "Back care", "your diary, questionnaires, check-up results, bone screen and insights"),
)
DURATIONS = ((30, "1 month"), (90, "3 months"), (DEFAULT_DAYS, "6 months"), (365, "1 year"))
assert all(1 <= days <= MAX_DAYS for days, _ in DURATIONS)


@dataclass(frozen=True, slots=True)
class ShareRow:
    """A share as her list shows it."""

    id: str
    clinician: str
    status: str  # active | revoked | expired
    what: str
    in_clinic: bool
    since: str
    until: str


@dataclass(frozen=True, slots=True)
class Thread:
    """Her messages with one clinician, oldest first; ``can_reply`` while she shares with them."""

    clinician_id: int
    clinician: str
    messages: list[MessageRecord]
    unread: int
    can_reply: bool


def unread_messages(request: Request) -> int:
    """Her unread messages from clinicians, for the menu (0 for a clinician, or signed out)."""
    principal = getattr(request.state, "principal", None)
    clinic = getattr(request.app.state, "clinic", None)
    if not isinstance(principal, Principal) or principal.user.role == "clinician" or clinic is None:
        return 0
    return int(clinic.unread(principal.id, from_clinician=True))


def iso_day_text(iso: str) -> str:
    """An ISO day ("2026-03-05", as a clinician's change to her plan stores it) as she reads it."""
    try:
        return day_text(date.fromisoformat(iso))
    except ValueError:
        return iso


# The menu's unread count (base.html), and the day a clinician changed her plan (programme.html).
templates.env.globals["unread_messages"] = unread_messages
templates.env.filters["iso_day_text"] = iso_day_text


def what_text(share: ShareRecord) -> str:
    return " and ".join(title.lower() for name, title, _ in SCOPES if getattr(share, name))


def share_row(share: ShareRecord, clock: LocalClock) -> ShareRow:
    state = "revoked" if share.revoked_at is not None else "active" if share.active(clock.now) else "expired"
    end = share.revoked_at if share.revoked_at is not None and share.revoked_at < share.expires_at else share.expires_at
    return ShareRow(share.id, share.clinician, state, what_text(share), share.in_clinic,
                    day_label(clock, share.created_at), day_label(clock, end))  # fmt: skip


def day_label(clock: LocalClock, at: datetime) -> str:
    """A day as she reads it, in her time zone: "3 Mar 2026"."""
    day = clock.day_of(at)
    return f"{day.day} {day:%b %Y}"


@router.get("/sharing")
def sharing_page(request: Request, sharing: SharingDep, clock: ClockDep, user: CurrentUser) -> HTMLResponse:
    """Share with a clinician, see every share, revoke any."""
    rows = [share_row(s, clock) for s in sharing.of(user)]
    return templates.TemplateResponse(
        request,
        "sharing.html",
        {"shares": rows, "scopes": SCOPES, "durations": DURATIONS, "default_days": DEFAULT_DAYS},
    )


@router.get("/share/accept")
def accept_page(
    request: Request, sharing: SharingDep, at: Annotated[datetime, Depends(now)], user: CurrentUser, token: str = ""
) -> HTMLResponse:
    """A clinician's invitation: what they ask, her choices, Accept or Decline; a link that is not valid says so."""
    try:
        clinician = sharing.inviter(token, at=at) if token else None
    except AccountError:
        clinician = None
    context = {
        "clinician": None if clinician is None else clinician.email or clinician.name,
        "token": token if clinician is not None else "",
        "scopes": SCOPES,
        "durations": DURATIONS,
        "default_days": DEFAULT_DAYS,
    }
    return templates.TemplateResponse(request, "share_accept.html", context, status_code=200 if clinician else 404)


@router.get("/messages")
def messages_page(
    request: Request, sharing: SharingDep, clinic: ClinicDep, clock: ClockDep, user: CurrentUser
) -> HTMLResponse:
    """Her threads, one per clinician she shares with (or once did and wrote with), newest message last."""
    names: dict[int, str] = {}
    active: set[int] = set()
    for share in sharing.of(user):  # newest first: the newest share names the clinician
        names.setdefault(share.clinician_id, share.clinician)
        if share.active(clock.now):
            active.add(share.clinician_id)
    by_clinician: dict[int, list[MessageRecord]] = {}
    for message in clinic.messages(user, limit=1000):
        by_clinician.setdefault(message.clinician_id, []).append(message)
    threads = [
        Thread(cid, names.get(cid, "a clinician"), by_clinician.get(cid, []),
               sum(1 for m in by_clinician.get(cid, []) if m.from_clinician and m.read_at is None), cid in active)
        for cid in names
        if cid in active or by_clinician.get(cid)
    ]  # fmt: skip
    return templates.TemplateResponse(
        request,
        "messages.html",
        {"threads": threads, "clock": clock, "max_chars": MESSAGE_MAX_CHARS, "has_shares": bool(names)},
    )
