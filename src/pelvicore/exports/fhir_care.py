"""Her symptom diary and training plan as FHIR R4 resources.

Each diary entry becomes a ``QuestionnaireResponse`` (her answers, one item per field, linkIds as the diary's own
field names) and Observations (category ``survey``, as FHIR R4 uses for scores) for what has a score: pain NRS with
LOINC 72514-3 and ``valueInteger`` (clinic.md [V]); PEG-3 and the entered questionnaire totals with pelvicore's
local codes, since none of them has a verified LOINC code (ODI's 97908-8 is unverified [U] in the facts).
Each Observation is ``derivedFrom`` the entry's QuestionnaireResponse. No ``questionnaire`` canonical is written:
pelvicore publishes no Questionnaire resource for the diary yet.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from pelvicore.care.diary import DiaryEntry
from pelvicore.care.instruments import InstrumentScore
from pelvicore.exports.fhir_bundle import Entries
from pelvicore.exports.fhir_codes import category, concept, local, loinc, quantity
from pelvicore.training.plan_records import StoredPlan

NPRS_LOINC = "72514-3"


def add_diary_entry(entries: Entries, entry: DiaryEntry, *, patient_url: str) -> list[str]:
    """Add the entry's QuestionnaireResponse and score Observations; returns their full URLs, response first."""
    day = entry.date.isoformat()
    key = f"diary/{day}"
    response = QuestionnaireResponse.model_validate(
        {
            "status": "completed",
            "subject": {"reference": patient_url},
            "authored": day,
            "item": _items(entry),
        }
    )
    response_url = entries.add(key, response)
    base = {
        "status": "final",
        "category": category("survey"),
        "subject": {"reference": patient_url},
        "effectiveDateTime": day,
        "derivedFrom": [{"reference": response_url}],
    }
    urls = [response_url]
    if entry.pain is not None:
        nprs = base | {"code": loinc(NPRS_LOINC), "valueInteger": entry.pain}
        urls.append(entries.add(f"{key}/nprs", Observation.model_validate(nprs)))
    if entry.peg is not None:
        peg = base | {"code": concept("peg3"), "valueQuantity": quantity(round(sum(entry.peg) / 3, 2), "points")}
        urls.append(entries.add(f"{key}/peg3", Observation.model_validate(peg)))
    for score in entry.instruments:
        urls.append(entries.add(f"{key}/{score.instrument}", Observation.model_validate(base | _score(score))))
    return urls


def _score(score: InstrumentScore) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": concept(score.instrument, text=score.name),
        "valueQuantity": quantity(round(score.value, 2), score.unit),
        "referenceRange": [{"low": quantity(score.low, score.unit), "high": quantity(score.high, score.unit)}],
    }
    if score.band is not None:
        data["interpretation"] = [{"text": score.band}]
    if score.subscales:
        data["component"] = [
            {"code": concept("subscale", text=s.name), "valueQuantity": quantity(round(s.value, 2), score.unit)}
            for s in score.subscales
        ]
    notes = [text for text in (score.caveat, score.notice, *score.sources) if text]
    if notes:
        data["note"] = [{"text": text} for text in notes]
    return data


def _items(entry: DiaryEntry) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []

    def item(link: str, text: str, *answers: dict[str, Any]) -> None:
        items.append({"linkId": link, "text": text, "answer": list(answers)})

    if entry.pain is not None:
        item("pain", "Pain today, 0-10", {"valueInteger": entry.pain})
    if entry.peg is not None:
        texts = ("PEG: pain, 0-10", "PEG: interference with enjoyment of life, 0-10", "PEG: general activity, 0-10")
        items.append(
            {
                "linkId": "peg",
                "text": "PEG-3 (past week)",
                "item": [
                    {"linkId": f"peg.{i + 1}", "text": t, "answer": [{"valueInteger": v}]}
                    for i, (t, v) in enumerate(zip(texts, entry.peg, strict=True))
                ],
            }
        )
    if entry.where:
        item("where", "Where it hurts", *({"valueCoding": local(f"region-{r}")} for r in entry.where))
    if entry.stiffness is not None:
        item("stiffness", "Stiffness", {"valueCoding": local(f"stiffness-{entry.stiffness}")})
    item(
        "leg_tingling_or_numbness",
        "Tingling or numbness in the hips or legs",
        {"valueBoolean": entry.leg_tingling_or_numbness},
    )
    if entry.leaking_episodes is not None:
        item("leaking_episodes", "Times you leaked urine today", {"valueInteger": entry.leaking_episodes})
    if entry.sleep_hours is not None:
        item("sleep_hours", "Hours slept last night", {"valueDecimal": entry.sleep_hours})
    if entry.signs:
        item("signs", "New warning signs today", *({"valueCoding": local(f"sign-{s}")} for s in entry.signs))
    if entry.instruments:
        items.append(
            {
                "linkId": "instruments",
                "text": "Questionnaire scores entered",
                "item": [
                    {
                        "linkId": f"instruments.{s.instrument}",
                        "text": s.name,
                        "answer": [{"valueDecimal": round(s.value, 2)}],
                    }
                    for s in entry.instruments
                ],
            }
        )
    return items


def add_plan(entries: Entries, stored: StoredPlan, *, patient_url: str) -> str:
    """Her training plan as a ``CarePlan``: its goal, stage and week, from its start for its planned weeks."""
    plan = stored.plan
    description = f"Goal: {plan.goal}; stage: {plan.stage}; week {plan.week} of {plan.total_weeks}."
    care_plan = CarePlan.model_validate(
        {
            "status": "completed" if plan.finished else "active",
            "intent": "plan",
            "category": [concept("training-plan")],
            "title": "Pelvic-floor training plan",
            "description": description,
            "subject": {"reference": patient_url},
            "period": {"start": plan.start.isoformat()},
            "created": stored.created_at.isoformat(),
        }
    )
    return entries.add("plan", care_plan)
