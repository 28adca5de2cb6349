"""JSON API of the back-pain and menopause companion: profile, diary, instrument scores, triage, bone, plan, insight.

Bodies are read as raw JSON and checked by the strict parsers of :mod:`pelvicore.care`, so every mistake — a
wrong type, an unknown key, NaN, a body that is not JSON at all — is a 422 whose detail names the key.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse

from pelvicore.care._json import load_json, parse_date
from pelvicore.care.answers import ANSWER_KEYS, AnswerError, parse_answers
from pelvicore.care.bone import BoneInputError, screen_bone_risk
from pelvicore.care.diary import DiaryError
from pelvicore.care.instruments import InstrumentError, score_entered
from pelvicore.care.profile import ProfileError
from pelvicore.care.triage import triage
from pelvicore.errors import PelvicoreError
from pelvicore.web.care_data import (
    CareDep,
    insight_for,
    needs_of,
    plan_for,
    profile_of,
    save_entry,
    save_profile,
    unprocessable,
)
from pelvicore.web.deps import CurrentUser, StoreDep

router = APIRouter(
    prefix="/api/care", tags=["care"], default_response_class=JSONResponse
)  # also inside the page router

MAX_BODY_BYTES = 64 * 1024  # a diary entry with every questionnaire is under 2 KiB


def _body(example: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI text for a raw JSON object body (it is checked by pelvicore's own parsers, not by pydantic)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}, "example": example}},
        }
    }


async def read_json(request: Request, error: type[PelvicoreError]) -> object:
    """The request body as decoded JSON; too large, not UTF-8 or not JSON is a 422 (``error`` names the problem)."""
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"the request body is {len(raw)} bytes; at most {MAX_BODY_BYTES}"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the request body must be UTF-8 JSON") from None
    try:
        return load_json(text, error)
    except PelvicoreError as exc:
        raise unprocessable(exc) from None


@router.get("/profile")
def get_profile(care: CareDep, user: CurrentUser) -> dict[str, object]:
    """Her profile (``{}`` before she saves one) and, per feature, the fields it still needs."""
    profile = profile_of(care, user)
    return {"profile": profile.to_dict(), "needs": needs_of(profile)}


@router.put(
    "/profile",
    openapi_extra=_body({"age": 58, "weight_kg": 64, "menopause_status": "post", "goals": ["less_back_pain"]}),
)
async def put_profile(request: Request, care: CareDep, user: CurrentUser) -> dict[str, object]:
    """Save (replace) her profile; every field is optional. Triage runs on the history it gives."""
    profile, result = save_profile(care, user, await read_json(request, ProfileError))
    return {"profile": profile.to_dict(), "needs": needs_of(profile), "triage": result.to_dict()}


@router.delete("/profile", status_code=status.HTTP_204_NO_CONTENT)
def delete_profile(care: CareDep, user: CurrentUser) -> Response:
    """Forget her profile."""
    care.delete_profile(user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/diary")
def list_diary(
    care: CareDep,
    user: CurrentUser,
    start: Annotated[dt.date | None, Query(description="First day, e.g. 2025-03-01")] = None,
    end: Annotated[dt.date | None, Query(description="Last day, included")] = None,
) -> list[dict[str, object]]:
    """Her diary entries, oldest first."""
    return [e.to_dict() for e in care.list_entries(user, start=start, end=end)]


@router.post(
    "/diary",
    openapi_extra=_body({"date": "2025-03-03", "pain": 4, "peg": [4, 3, 5], "where": ["lower_back"]}),
)
async def post_diary(request: Request, care: CareDep, user: CurrentUser) -> dict[str, object]:
    """Save a diary entry (replacing that day's). When it reports something new, triage runs at once."""
    return save_entry(care, user, await read_json(request, DiaryError)).to_dict()


@router.post("/diary/{day}/notice-seen", status_code=status.HTTP_204_NO_CONTENT)
def notice_seen(day: dt.date, care: CareDep, user: CurrentUser) -> Response:
    """She has read the warning her entry of ``day`` raised: the home page and care overview stop showing it."""
    if not care.mark_notice_seen(user, day):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no diary entry for {day.isoformat()}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/diary/{day}", status_code=status.HTTP_204_NO_CONTENT)
def delete_diary(day: str, care: CareDep, user: CurrentUser) -> Response:
    """Delete the entry of one day (``YYYY-MM-DD``)."""
    try:
        date = parse_date("day", day, DiaryError)
    except PelvicoreError as exc:
        raise unprocessable(exc) from None
    if not care.delete_entry(user, date):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no diary entry for {date.isoformat()}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/instruments/{key}", openapi_extra=_body({"total": 12}))
async def score_instrument(key: str, request: Request) -> dict[str, object]:
    """Score one entered questionnaire (start_back, mrs, iciq_ui_sf, odi, pfdi20): its value, band and sources."""
    obj = await read_json(request, InstrumentError)
    try:
        return score_entered(key, obj).to_dict()
    except PelvicoreError as exc:
        raise unprocessable(exc) from None


@router.post(
    "/triage",
    openapi_extra=_body({"age": 58, "pain_weeks": 2, "fever": False}),
    description="Red-flag triage of the answers, as `pelvicore care triage --json`: level, reasons, advice, "
    f"sources. Keys, all optional (absent = no): {', '.join(ANSWER_KEYS)}.",
)
async def post_triage(request: Request) -> dict[str, object]:
    """Red-flag triage of the answers."""
    try:
        answers = parse_answers(await read_json(request, AnswerError))
    except PelvicoreError as exc:
        raise unprocessable(exc) from None
    return triage(answers).to_dict()


@router.get("/bone")
def get_bone(
    age: Annotated[int, Query(description="Age in whole years, 18-120")],
    weight_kg: Annotated[float, Query(description="Body weight, kg, 25-300")],
    estrogen: Annotated[bool, Query(description="Takes oestrogen now (menopausal hormone therapy)")] = False,
    black: Annotated[bool | None, Query(description="For SCORE: Black ethnicity")] = None,
    rheumatoid_arthritis: Annotated[bool | None, Query(description="For SCORE")] = None,
    fractures_after_45: Annotated[int | None, Query(description="For SCORE: wrist, hip or rib fractures")] = None,
    ever_estrogen: Annotated[bool | None, Query(description="For SCORE: ever used oestrogen")] = None,
) -> dict[str, object]:
    """Bone-risk screen: OST with its OSTA band, ORAI, and SCORE when its inputs are given; a link to FRAX."""
    try:
        risk = screen_bone_risk(
            age,
            weight_kg,
            estrogen_now=estrogen,
            black=black,
            rheumatoid_arthritis=rheumatoid_arthritis,
            fractures_after_45=fractures_after_45,
            ever_estrogen=ever_estrogen,
        )
    except BoneInputError as exc:
        raise unprocessable(exc) from None
    return risk.to_dict()


@router.get("/plan")
def get_plan(care: CareDep, store: StoreDep, user: CurrentUser) -> dict[str, object]:
    """Her self-care plan today, headed by any triage advice, with the plan's week and next review."""
    return plan_for(care, store, user, today=dt.date.today()).to_dict()


@router.get("/insight")
def get_insight(care: CareDep, store: StoreDep, user: CurrentUser) -> dict[str, object]:
    """Weekly pain, leaking, function and strength against training, with each estimate and its interval."""
    return insight_for(care, store, user).to_dict()
