"""The shapes of her archive's JSON files, as ``build_archive`` writes them: parsed strictly by pydantic, with the
columns' own limits, so that what passes can be stored on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from pelvicore.store.models import SessionStatus
from pelvicore.store.plans import MAX_REMINDERS

Text20 = Annotated[str, StringConstraints(min_length=1, max_length=20)]
Text50 = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Text100 = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text254 = Annotated[str, StringConstraints(min_length=1, max_length=254)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class AccountFile(StrictModel):
    name: Text200
    email: Text254 | None
    role: Literal["person", "clinician", "admin"]
    has_password: bool
    totp_enabled: bool
    created_at: AwareDatetime


class SessionEntry(StrictModel):
    id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    user_id: int
    source: Text100
    profile: Text100 | None
    routine: Text100
    speed: Annotated[float, Field(gt=0)]
    status: SessionStatus
    created_at: AwareDatetime
    ended_at: AwareDatetime | None
    fs_hz: Annotated[float, Field(gt=0, le=1e6)]
    units: Annotated[dict[Text100, Text20], Field(min_length=1)]
    summary: dict[str, Any] | None
    contraction_count: Annotated[int, Field(ge=0)]
    contractions: list[dict[str, Any]]
    seed: int | None
    end_reason: Annotated[str, StringConstraints(max_length=300)] | None
    cues: list[dict[str, Any]]
    steps: dict[str, Any] | None
    live_view: bool
    recorded_by: Text254 | None


class EventEntry(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, strict=True, allow_inf_nan=False)
    kind: Text50
    t_s: float


class SessionFile(SessionEntry):
    events: list[EventEntry]


class DeviceEntry(StrictModel):
    profile: Text100
    key: Text200
    rest: float | None
    mvc: Annotated[float, Field(gt=0)] | None
    unit: Text20 | None
    calibrated_at: AwareDatetime | None


class PlanFile(StrictModel):
    plan: dict[str, Any]
    reminders: Annotated[list[str], Field(min_length=1, max_length=MAX_REMINDERS)]
    week_started_at: AwareDatetime
    created_at: AwareDatetime
    updated_at: AwareDatetime


class AuditEntry(StrictModel):
    at: AwareDatetime
    actor: Annotated[str, StringConstraints(max_length=254)]
    action: Text50
    detail: Annotated[str, StringConstraints(max_length=300)]
    address: Annotated[str, StringConstraints(max_length=64)]
    by_owner: bool


__all__ = [
    "AccountFile",
    "AuditEntry",
    "DeviceEntry",
    "EventEntry",
    "PlanFile",
    "SessionEntry",
    "SessionFile",
    "StrictModel",
]
