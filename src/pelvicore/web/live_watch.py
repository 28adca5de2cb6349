"""What the live page needs to know about sharing: whether a clinician is watching her session (read-only) or
recording it with her in the clinic (with every control), and whether she may let her clinicians watch it (she
has an active share of her training)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pelvicore.accounts import Principal
from pelvicore.accounts.sharing import Sharing


@dataclass(frozen=True, slots=True)
class LiveWatch:
    """``watching``: a clinician opened her session read-only (``patient``: her name); ``recording``: the clinician
    records it with her in the clinic; ``can_share``: she may turn on live view (``live_view``: it is on)."""

    watching: bool
    patient: str
    can_share: bool
    live_view: bool
    recording: bool = False


def live_watch(sharing: Sharing, session_id: str, *, owner: int, viewer: Principal, at: datetime) -> LiveWatch:
    """The live page's sharing state for ``viewer`` looking at ``owner``'s session ``session_id``."""
    if owner != viewer.id:
        share = sharing.shares.active(viewer.id, owner, at=at)
        found = sharing.shares.session_access(session_id[:64])
        recording = found is not None and found.recorded_by == viewer.label
        recording = recording and sharing.recording(viewer, owner, at=at) is not None
        return LiveWatch(not recording, share.patient if share else "her", False, False, recording)
    can_share = any(s.training and s.active(at) for s in sharing.of(owner))
    found = sharing.shares.session_access(session_id[:64])
    return LiveWatch(False, "", can_share, bool(found and found.live_view))
