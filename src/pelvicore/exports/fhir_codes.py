"""The codes pelvicore's FHIR R4 exports use: the few verified LOINC codes, pelvicore's own CodeSystem, UCUM units.

LOINC is used only where the code was checked (shared facts, clinic.md "FHIR R4 codes and shapes" [V]): pain NRS
72514-3. No LOINC or SNOMED code exists for PERFECT, vaginal squeeze pressure, the modified Oxford scale or
ICIQ-UI SF (searched, none found), so these and every other measure pelvicore makes live in one local CodeSystem,
:data:`CODE_SYSTEM_URL`, whose codes are the table :data:`LOCAL_CODES`. :func:`code_system` writes that table as a
FHIR ``CodeSystem`` resource for a receiving system to load.

Units: UCUM (``http://unitsofmeasure.org``): cmH2O is ``cm[H2O]``, mmHg ``mm[Hg]``, microvolt ``uV``, seconds ``s``,
percent ``%`` (clinic.md [V]). A trainer's uncalibrated reading is an arbitrary number on its own scale, not a
count of things, so it is written as unit text ``raw`` with no UCUM code (UCUM's ``{count}`` would claim a count).
"""

from __future__ import annotations

from typing import Any, Final

from fhir.resources.R4B.codesystem import CodeSystem

from pelvicore.care.diary import REGIONS, SIGN_LABELS, STIFFNESS
from pelvicore.care.instruments import ENTERED_KEYS

CODE_SYSTEM_URL: Final = "https://pelvicore.org/fhir/CodeSystem/pelvicore"
ACCOUNT_SYSTEM: Final = "https://pelvicore.org/fhir/sid/account"
DEVICE_PROFILE_SYSTEM: Final = "https://pelvicore.org/fhir/sid/device-profile"
LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"
CATEGORY_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/observation-category"

#: Verified LOINC codes only (clinic.md / care.md [V]). PEG-3 has no LOINC code in pelvicore's facts; ODI's
#: 97908-8 appears only in HL7 sample data and is marked [U] (unverified): both use local codes instead.
LOINC_CODES: Final[dict[str, str]] = {
    "72514-3": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}

_INSTRUMENT_NAMES: Final = {
    "start_back": "Keele STarT Back total (0-9)",
    "mrs": "Menopause Rating Scale (MRS) total (0-44)",
    "iciq_ui_sf": "ICIQ-UI Short Form total (0-21)",
    "odi": "Oswestry Disability Index (ODI) (%)",  # LOINC 97908-8 is [U] in the facts: not used
    "pfdi20": "PFDI-20 total (0-300)",
}
assert set(_INSTRUMENT_NAMES) == set(ENTERED_KEYS)

#: pelvicore's local codes, code -> display. Stable: a code once exported is never renamed or reused.
LOCAL_CODES: Final[dict[str, str]] = {
    # sessions and their measures
    "training-session": "Pelvic-floor training session (pelvicore)",
    "contraction": "Pelvic-floor contraction",
    "peak-above-rest": "Contraction peak above the pre-contraction level",
    "rest-level": "Resting level before the contraction",
    "hold": "Contraction hold time",
    "rise": "Contraction rise time",
    "release": "Contraction release time",
    "residual": "Residual after release, % of the contraction",
    "technique": "Contraction technique (pelvic-floor lift or abdominal push)",
    "technique-lift": "Lift: the pelvic floor rose without an abdominal push",
    "technique-push": "Push: abdominal pressure rose with or ahead of the pelvic floor",
    "technique-mixed": "Mixed: lift and push together",
    "technique-unknown": "Technique not measured (no abdominal reference channel)",
    "contraction-count": "Number of contractions",
    "max-peak": "Strongest contraction peak above rest",
    "longest-hold": "Longest hold",
    "lift-share": "Share of contractions that lifted",
    "session-rest-level": "Resting level measured in the session",
    "signal-trace": "Trainer signal trace",
    "pelvic-floor-signal": "Pelvic-floor pressure channel",
    "abdominal-signal": "Abdominal (reference) pressure channel",
    "pelvic-floor-emg": "Pelvic-floor surface EMG channel",
    "trainer-channel": "Other trainer channel",
    # trainers
    "trainer": "Pelvic-floor trainer (biofeedback probe)",
    "simulator": "pelvicore simulator (simulated signal, not a measurement)",
    "calibration-rest": "Trainer calibration: resting level",
    "calibration-mvc": "Trainer calibration: maximum voluntary contraction above rest",
    # PERFECT (Laycock & Jerwood 2001), squeeze pressure variant
    "perfect": "PERFECT assessment (squeeze pressure)",
    "perfect-p": "PERFECT P: power, highest contraction above rest",
    "perfect-p-class": "PERFECT P class (Angelo 2017)",
    "perfect-e": "PERFECT E: endurance",
    "perfect-r": "PERFECT R: repetitions",
    "perfect-f": "PERFECT F: fast contractions",
    # Glazer protocol (Glazer 1999; Oleksy et al. 2021, IJERPH 18:765)
    "glazer": "Glazer protocol assessment",
    "glazer-pre-rest": "Glazer pre-baseline rest: mean",
    "glazer-pre-rest-variability": "Glazer pre-baseline rest: variability",
    "glazer-flicks-peak": "Glazer phasic (quick flicks): mean peak",
    "glazer-flicks-rise": "Glazer phasic (quick flicks): rise time",
    "glazer-flicks-recovery": "Glazer phasic (quick flicks): recovery time",
    "glazer-tonic-mean": "Glazer tonic contractions: mean",
    "glazer-tonic-peak": "Glazer tonic contractions: mean peak",
    "glazer-tonic-rise": "Glazer tonic contractions: rise time",
    "glazer-tonic-recovery": "Glazer tonic contractions: recovery time",
    "glazer-endurance-mean": "Glazer endurance contraction: mean",
    "glazer-endurance-decline": "Glazer endurance contraction: decline",
    "glazer-post-rest": "Glazer post-baseline rest: mean",
    "glazer-post-rest-variability": "Glazer post-baseline rest: variability",
    # cough test (the Knack: Miller et al. 1998)
    "cough-test": "Cough test (the Knack)",
    "cough-count": "Coughs detected",
    "cough-cued": "Coughs cued",
    "knack-share": "Coughs with the Knack (pre-contraction held through the cough)",
    # diary and questionnaires
    "age-reported": "Age in years as she entered it",
    "peg3": "PEG-3 pain, enjoyment and activity (mean 0-10)",
    "diary-entry": "pelvicore symptom diary entry",
    **{key: name for key, name in _INSTRUMENT_NAMES.items()},
    "subscale": "Questionnaire subscale",
    **{f"region-{r}": r.replace("_", " ") for r in REGIONS},
    **{f"stiffness-{s}": s.replace("_", " ") for s in STIFFNESS},
    **{f"sign-{key}": label for key, label in SIGN_LABELS.items()},
    # training plan
    "training-plan": "pelvicore pelvic-floor training plan",
}

#: pelvicore unit -> UCUM code; a unit missing here is written as text only (``raw`` and any unknown one).
UCUM_UNITS: Final[dict[str, str]] = {
    "cmH2O": "cm[H2O]",
    "mmHg": "mm[Hg]",
    "kPa": "kPa",
    "Pa": "Pa",
    "uV": "uV",
    "mV": "mV",
    "s": "s",
    "ms": "ms",
    "%": "%",
    "degC": "Cel",
    "a": "a",
    "points": "{score}",
}


def local(code: str) -> dict[str, str]:
    """A ``Coding`` (as a dict) of pelvicore's CodeSystem; ``KeyError`` for a code missing from the table."""
    return {"system": CODE_SYSTEM_URL, "code": code, "display": LOCAL_CODES[code]}


def concept(code: str, text: str | None = None) -> dict[str, Any]:
    """A ``CodeableConcept`` (as a dict) of one local code, with ``text`` when given."""
    out: dict[str, Any] = {"coding": [local(code)]}
    if text is not None:
        out["text"] = text
    return out


def loinc(code: str) -> dict[str, Any]:
    """A ``CodeableConcept`` (as a dict) of one verified LOINC code."""
    return {"coding": [{"system": LOINC, "code": code, "display": LOINC_CODES[code]}]}


def category(code: str) -> list[dict[str, Any]]:
    """Observation ``category`` of the HL7 observation-category code system (``therapy``, ``exam``, ``survey``)."""
    return [{"coding": [{"system": CATEGORY_SYSTEM, "code": code}]}]


def quantity(value: float, unit: str) -> dict[str, Any]:
    """A ``Quantity`` (as a dict): UCUM-coded when ``unit`` has a UCUM code, else the unit as text only."""
    out: dict[str, Any] = {"value": value, "unit": unit}
    if unit in UCUM_UNITS:
        out |= {"system": UCUM, "code": UCUM_UNITS[unit]}
    return out


def code_system() -> str:
    """pelvicore's local CodeSystem (every code of :data:`LOCAL_CODES`) as FHIR R4 JSON."""
    resource = CodeSystem.model_validate(
        {
            "url": CODE_SYSTEM_URL,
            "name": "Pelvicore",
            "title": "pelvicore measures, assessments and diary answers",
            "status": "active",
            "content": "complete",
            "caseSensitive": True,
            "description": "Codes for what pelvicore measures and records that has no LOINC or SNOMED CT code: "
            "contraction measures, PERFECT, Glazer protocol, cough test, trainer channels, diary answers.",
            "count": len(LOCAL_CODES),
            "concept": [{"code": code, "display": display} for code, display in LOCAL_CODES.items()],
        }
    )
    return resource.model_dump_json()
