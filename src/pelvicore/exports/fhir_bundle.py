"""The frame of a FHIR R4 bundle: its entries with ``urn:uuid`` full URLs, her ``Patient`` and her trainers.

Every resource is built by a ``fhir.resources.R4B`` model (``model_validate``), so a resource missing a required
field raises ``pydantic.ValidationError`` before anything is written. Entry UUIDs are derived (UUID 5) from what
each resource stands for, so exporting the same records twice gives the same bundle.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.resource import Resource

from pelvicore.devices.profiles import PROFILES
from pelvicore.exports.fhir_codes import (
    ACCOUNT_SYSTEM,
    DEVICE_PROFILE_SYSTEM,
    category,
    concept,
    local,
    quantity,
)
from pelvicore.store.repository import DeviceCalibration

#: The namespace of every entry's UUID 5 (itself a UUID 5 of pelvicore's CodeSystem host name).
ENTRY_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_DNS, "pelvicore.org")


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """What she entered about herself that a bundle may carry; nothing is guessed from it.

    Parameters
    ----------
    email : str or None
        Her account email, written as the Patient's ``telecom``.
    age_years : int or None
        Her age as she entered it in her care profile, years; written as an Observation, never as a birth date.
    """

    email: str | None = None
    age_years: int | None = None


class Entries:
    """The entries of one bundle, in order; each resource gets a ``urn:uuid`` full URL that references use."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self._entries: list[dict[str, Any]] = []
        self._urls: set[str] = set()

    def url(self, key: str) -> str:
        """The full URL of the resource that ``key`` names (whether or not it was added yet)."""
        return f"urn:uuid:{uuid.uuid5(ENTRY_NAMESPACE, f'user/{self.user_id}/{key}')}"

    def add(self, key: str, resource: Resource) -> str:
        """Add ``resource`` under ``key`` (unique in the bundle); returns its full URL for references."""
        full_url = self.url(key)
        if full_url in self._urls:
            raise ValueError(f"bundle entry {key!r} added twice")
        self._urls.add(full_url)
        self._entries.append({"fullUrl": full_url, "resource": resource})
        return full_url

    def __contains__(self, key: str) -> bool:
        return self.url(key) in self._urls

    def to_json(self, *, timestamp: datetime | None = None) -> str:
        """The bundle (type ``collection``) as FHIR R4 JSON."""
        stamp = (timestamp or datetime.now(UTC)).isoformat()
        return Bundle.model_validate(
            {"type": "collection", "timestamp": stamp, "entry": self._entries}
        ).model_dump_json()


def add_patient(entries: Entries, facts: PatientFacts | None) -> str:
    """Her ``Patient``: her account id in pelvicore's namespace and, if known, her email. No invented names, and
    no birth date (her age, if she entered it, becomes an Observation). Returns its full URL."""
    data: dict[str, Any] = {"identifier": [{"system": ACCOUNT_SYSTEM, "value": str(entries.user_id)}]}
    if facts is not None and facts.email:
        data["telecom"] = [{"system": "email", "value": facts.email}]
    patient_url = entries.add("patient", Patient.model_validate(data))
    if facts is not None and facts.age_years is not None:
        age = Observation.model_validate(
            {
                "status": "final",
                "category": category("survey"),
                "code": concept("age-reported"),
                "subject": {"reference": patient_url},
                "valueQuantity": quantity(facts.age_years, "a"),
                "note": [{"text": "Age as she entered it in her care profile; no birth date is known."}],
            }
        )
        entries.add("age", age)
    return patient_url


def device_key(source: str, profile: str | None) -> str:
    """The bundle key of the trainer a session ran on: its source kind and profile."""
    return f"device/{source}/{profile or '-'}"


def add_device(
    entries: Entries, patient_url: str, source: str, profile: str | None, calibrations: list[DeviceCalibration]
) -> str:
    """The ``Device`` a session ran on, added once per bundle; returns its full URL.

    ``source`` is the session's source kind (``simulator``, ``device``, ``browser``, ``file``); ``profile`` the
    device profile (for a simulator, the simulated person's profile). ``calibrations``: her stored calibrations;
    those of this profile are written as properties when exactly one trainer of it has one (with several, which
    one a session used is not stored, so none is written and a note says so).
    """
    key = device_key(source, profile)
    if key in entries:
        return entries.url(key)
    data: dict[str, Any] = {"patient": {"reference": patient_url}, "status": "active"}
    notes: list[str] = []
    if source == "simulator":
        data["type"] = concept("simulator")
        data["deviceName"] = [{"name": "pelvicore simulator", "type": "user-friendly-name"}]
        notes.append(f"Simulated signal (simulated person: {profile or 'default'}), not a measurement.")
    else:
        data["type"] = concept("trainer")
        known = PROFILES.get(profile or "")
        if known is not None:
            # A profile names the trainer model; it records no manufacturer, so none is written.
            data["deviceName"] = [{"name": known.title, "type": "model-name"}]
            data["identifier"] = [{"system": DEVICE_PROFILE_SYSTEM, "value": known.name}]
        elif profile:
            data["identifier"] = [{"system": DEVICE_PROFILE_SYSTEM, "value": profile}]
        notes.append(f"Signal source: {source}.")
        mine = [c for c in calibrations if c.profile == profile and c.rest is not None and c.mvc is not None]
        cal = mine[0] if len(mine) == 1 else None
        if cal is not None and cal.rest is not None and cal.mvc is not None and cal.unit:
            data["property"] = [
                {"type": {"coding": [local("calibration-rest")]}, "valueQuantity": [quantity(cal.rest, cal.unit)]},
                {"type": {"coding": [local("calibration-mvc")]}, "valueQuantity": [quantity(cal.mvc, cal.unit)]},
            ]
            when = cal.calibrated_at.isoformat() if cal.calibrated_at else "an unknown time"
            notes.append(f"Calibration as stored at export time (calibrated {when}).")
        elif len(mine) > 1:
            notes.append("Several trainers of this model are calibrated; which one a session used is not stored.")
    data["note"] = [{"text": text} for text in notes]
    return entries.add(key, Device.model_validate(data))
