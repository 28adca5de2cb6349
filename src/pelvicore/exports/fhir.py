"""FHIR R4 export: one stored session, or a person's records over a period, as a FHIR R4 ``Bundle`` (JSON).

Typical use::

    text = session_bundle(store, session_id, owner=user_id, patient=PatientFacts(email="a@example.org"))
    text = person_bundle(store, CareRecords(CareStore(engine)), Plans(PlanStore(engine)), user_id=user_id,
                         start=date(2025, 1, 1), end=date(2025, 1, 31))
    text = code_system()  # pelvicore's local CodeSystem, for the receiving system to load

Resources are built with ``fhir.resources.R4B`` models: for Patient, Device, Observation (with SampledData),
QuestionnaireResponse, CarePlan, CodeSystem and Bundle the R4B fields pelvicore writes are those of R4, so the
JSON is valid R4 (R5 renamed ``SampledData.period``, which is why the R5 models are not used). See
docs/exports.md, "FHIR R4".
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from pelvicore.accounts.sharing import ALL_SCOPES
from pelvicore.care.records import CareRecords
from pelvicore.exports.errors import ExportError
from pelvicore.exports.fhir_bundle import Entries, PatientFacts, add_device, add_patient
from pelvicore.exports.fhir_care import add_diary_entry, add_plan
from pelvicore.exports.fhir_codes import CODE_SYSTEM_URL, LOCAL_CODES, code_system
from pelvicore.exports.fhir_session import add_session
from pelvicore.store.repository import SessionStore
from pelvicore.store.session_reads import SessionReads
from pelvicore.training.plan_records import Plans

logger = logging.getLogger(__name__)

#: What a person bundle may hold: her training (sessions, trainers, plan) and her care records (diary, age).


def session_bundle(store: SessionStore, session_id: str, *, owner: int, patient: PatientFacts | None = None) -> str:
    """One stored session of user ``owner`` as a FHIR R4 Bundle (type ``collection``), JSON.

    The bundle holds her Patient, the trainer's Device, the session's summary Observation, one Observation per
    contraction, the whole trace (``valueSampledData``, one component per channel) and, for an assessment
    routine (PERFECT, Glazer, cough test), its result. ``ExportError`` when she has no session ``session_id``.
    """
    record = store.get(session_id, owner=owner)
    if record is None:
        raise ExportError(f"no session {session_id!r} of user {owner} (it does not exist or is someone else's)")
    entries = Entries(owner)
    patient_url = add_patient(entries, patient)
    device_url = add_device(entries, patient_url, record.source, record.profile, store.list_devices(owner))
    add_session(entries, store, record, patient_url=patient_url, device_url=device_url, trace=True)
    logger.info("FHIR export of session %s of user %s", session_id, owner)
    return entries.to_json()


def person_bundle(
    store: SessionStore,
    care: CareRecords,
    plans: Plans,
    *,
    user_id: int,
    start: date,
    end: date,
    patient: PatientFacts | None = None,
    traces: bool = False,
    contractions: bool = True,
    tz: tzinfo = UTC,
    scope: Collection[str] = ALL_SCOPES,
) -> str:
    """A person's records from ``start`` to ``end`` (both days included, in ``tz``) as a FHIR R4 Bundle, JSON.

    Her Patient (and her age as she entered it in her care profile, as an Observation), the trainers her
    sessions ran on, each session's summary Observation with its assessment result and (``contractions``) one
    Observation per contraction, the traces only when ``traces`` (they are large), a QuestionnaireResponse and
    score Observations per diary entry (pain NRS LOINC 72514-3), and her training plan as a CarePlan.

    ``scope`` limits it to what she shares (a clinician's export): ``training`` (sessions, trainers, plan) and
    ``care`` (diary entries, her age from her care profile); her Patient is always in it.
    """
    if end < start:
        raise ExportError(f"the period must end on or after its start, got {start} to {end}")
    first = datetime.combine(start, time(), tz).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(), tz).astimezone(UTC)
    unknown = set(scope) - set(ALL_SCOPES)
    if unknown:
        raise ExportError(f"scope must hold only {' and '.join(sorted(ALL_SCOPES))}, got {sorted(unknown)}")
    profile = care.get_profile(user_id) if "care" in scope else None
    facts = patient or PatientFacts()
    if facts.age_years is None and profile is not None and profile.age is not None:
        facts = PatientFacts(email=facts.email, age_years=profile.age)
    entries = Entries(user_id)
    patient_url = add_patient(entries, facts)
    calibrations = store.list_devices(user_id)
    listed = []
    if "training" in scope:
        listed = [r for r in SessionReads(store.engine).since(user_id, first) if r.created_at < after]
    for listed_record in reversed(listed):  # oldest first
        record = store.get(listed_record.id, owner=user_id)  # with its cues, which an assessment needs
        if record is None:  # deleted meanwhile
            continue
        device_url = add_device(entries, patient_url, record.source, record.profile, calibrations)
        add_session(
            entries,
            store,
            record,
            patient_url=patient_url,
            device_url=device_url,
            trace=traces,
            contractions=contractions,
        )
    for entry in care.list_entries(user_id, start=start, end=end) if "care" in scope else ():
        add_diary_entry(entries, entry, patient_url=patient_url)
    stored_plan = plans.get(user_id) if "training" in scope else None
    if stored_plan is not None:
        add_plan(entries, stored_plan, patient_url=patient_url)
    logger.info("FHIR export of user %s from %s to %s: %d session(s)", user_id, start, end, len(listed))
    return entries.to_json()


__all__ = [
    "ALL_SCOPES",
    "CODE_SYSTEM_URL",
    "LOCAL_CODES",
    "ExportError",
    "PatientFacts",
    "code_system",
    "person_bundle",
    "session_bundle",
]
