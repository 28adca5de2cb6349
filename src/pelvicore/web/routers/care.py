"""Pages of the back-pain and menopause companion: profile, diary, triage, bone, plan, insight and learn.

Forms post JSON (the same bodies as the JSON API in :mod:`care_api`) to ``POST /care/...`` twins that answer
with an HTML fragment for the page to show; a mistake answers 422 with the message naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse

from pelvicore.care import sources as src
from pelvicore.care.answers import AnswerError, parse_answers
from pelvicore.care.bone import CADARETTE, FRAX, KOH, LYDICK, USPSTF, UW_OST, BoneInputError, BoneRisk, screen_bone_risk
from pelvicore.care.diary import CONFIRM_QUESTIONS, SIGN_LABELS, DiaryError
from pelvicore.care.insight import MIN_WEEKS
from pelvicore.care.instruments import (
    BOTHERSOME,
    START_BACK_DOMAINS,
    START_BACK_ITEM_9,
    START_BACK_NOTICE,
    InstrumentError,
    score_entered,
)
from pelvicore.care.profile import CareProfile, ProfileError
from pelvicore.care.triage import (
    COCHRANE_PFMT,
    DOWNIE,
    HENSCHKE,
    IFOMPT,
    NHS_CES,
    NHS_SCIATICA,
    NICE_CKS,
    NICE_NG59,
    NICE_PFMT,
    triage,
)
from pelvicore.devices.profiles import PROFILES
from pelvicore.errors import PelvicoreError
from pelvicore.web import care_labels as labels
from pelvicore.web.care_data import (
    MAX_BACKDATE_DAYS,
    CareDep,
    insight_for,
    needs_of,
    open_notice,
    plan_for,
    profile_of,
    save_entry,
    save_profile,
    unprocessable,
)
from pelvicore.web.deps import CurrentUser, StoreDep
from pelvicore.web.routers import care_api
from pelvicore.web.routers.pages import templates

router = APIRouter(default_response_class=HTMLResponse)
router.include_router(care_api.router)

RECENT_ENTRIES = 14
LEARN_TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "menopause": (
        "How menopause affects the back and the pelvic floor",
        (src.SEED_ARTICLE, src.IOM_2011, NICE_CKS, NICE_PFMT, COCHRANE_PFMT, src.NICE_CG171),
    ),
    "back-pain": (
        "Types of back pain, and when to get checked",
        (NICE_NG59, NICE_CKS, NHS_CES, IFOMPT, DOWNIE, HENSCHKE, src.SEED_ARTICLE),
    ),
    "what-helps": (
        "What helps: seven things to do at home, and the pelvic floor",
        (src.ACP_2017, src.SEED_ARTICLE, src.IOM_2011, src.BHOF, src.EFSA_WATER, src.IOM_WATER, src.WHO_BMI,
         src.NICE_CG171, COCHRANE_PFMT, src.SELFBACK),
    ),
}  # fmt: skip
PAGE_SOURCES: dict[str, tuple[str, ...]] = {
    "home": (NICE_NG59, NICE_CKS, src.ACP_2017, src.NICE_CG171, USPSTF, src.SELFBACK),
    "profile": (KOH, CADARETTE, src.WHO_BMI, NICE_CKS),
    "diary": (src.NPRS, src.PEG, src.START_BACK, src.MRS, src.MRS_BANDS, src.ICIQ, src.ICIQ_BANDS, src.ODI, src.PFDI,
              NICE_CKS),
    "triage": (NICE_NG59, NICE_CKS, NHS_CES, NHS_SCIATICA, IFOMPT, DOWNIE, HENSCHKE),
    "bone": (KOH, UW_OST, USPSTF, CADARETTE, LYDICK, FRAX),
    "insight": (src.NPRS, src.PEG, src.NICE_CG171),
}  # fmt: skip
DEVICES: dict[str, str] = {
    **{name: profile.title for name, profile in PROFILES.items()},
    "simulator": "The pelvicore simulator",
    "none": "No trainer",
}


def _page(
    request: Request, name: str, context: dict[str, Any], *, sources: str | None = None, status_code: int = 200
) -> HTMLResponse:
    context = {"labels": labels, "page_sources": PAGE_SOURCES[sources] if sources else (), **context}
    return templates.TemplateResponse(request, name, context, status_code=status_code)


@router.get("/care")
def care_home(request: Request, care: CareDep, user: CurrentUser) -> HTMLResponse:
    profile = care.get_profile(user)
    notice = open_notice(care, user, today=dt.date.today())
    return _page(request, "care_home.html", {"has_profile": profile is not None, "notice": notice}, sources="home")


# -- profile ---------------------------------------------------------------------------------------------------------
@router.get("/care/profile")
def profile_page(request: Request, care: CareDep, user: CurrentUser) -> HTMLResponse:
    profile = profile_of(care, user)
    context = {"profile": profile, "needs": needs_of(profile), "devices": DEVICES}
    return _page(request, "care_profile.html", context, sources="profile")


@router.post("/care/profile", include_in_schema=False)
async def profile_saved(request: Request, care: CareDep, user: CurrentUser) -> HTMLResponse:
    profile, result = save_profile(care, user, await care_api.read_json(request, ProfileError))
    return _page(request, "care_profile_saved.html", {"profile": profile, "needs": needs_of(profile), "result": result})


# -- diary -----------------------------------------------------------------------------------------------------------
@router.get("/care/diary")
def diary_page(request: Request, care: CareDep, user: CurrentUser) -> HTMLResponse:
    entries = care.list_entries(user)[-RECENT_ENTRIES:][::-1]
    context = {
        "today": dt.date.today(),
        "earliest": dt.date.today() - dt.timedelta(days=MAX_BACKDATE_DAYS),
        "entries": entries,
        "signs": SIGN_LABELS,
        "start_back": {
            "domains": START_BACK_DOMAINS,
            "item_9": START_BACK_ITEM_9,
            "bothersome": BOTHERSOME,
            "notice": START_BACK_NOTICE,
        },
    }
    return _page(request, "care_diary.html", context, sources="diary")


@router.post("/care/diary", include_in_schema=False)
async def diary_saved(request: Request, care: CareDep, user: CurrentUser) -> HTMLResponse:
    saved = save_entry(care, user, await care_api.read_json(request, DiaryError))
    return _page(request, "care_diary_saved.html", {"saved": saved, "confirm_questions": CONFIRM_QUESTIONS})


@router.post("/care/diary/score/{key}", include_in_schema=False)
async def score_fragment(key: str, request: Request) -> HTMLResponse:
    obj = await care_api.read_json(request, InstrumentError)
    try:
        score = score_entered(key, obj)
    except PelvicoreError as exc:
        raise unprocessable(exc) from None
    return _page(request, "care_score.html", {"score": score})


# -- triage ----------------------------------------------------------------------------------------------------------
@router.get("/care/triage")
def triage_page(request: Request, care: CareDep, user: CurrentUser) -> HTMLResponse:
    known = profile_of(care, user).triage_answers()
    return _page(request, "care_triage.html", {"known": known}, sources="triage")


@router.post("/care/triage", include_in_schema=False)
async def triage_result(request: Request) -> HTMLResponse:
    try:
        answers = parse_answers(await care_api.read_json(request, AnswerError))
    except PelvicoreError as exc:
        raise unprocessable(exc) from None
    return _page(request, "care_triage_result.html", {"result": triage(answers)})


# -- bone ------------------------------------------------------------------------------------------------------------
@router.get("/care/bone")
def bone_page(request: Request, care: CareDep, user: CurrentUser) -> HTMLResponse:
    profile = profile_of(care, user)
    query = request.query_params
    risk: BoneRisk | None = None
    error: str | None = None
    try:
        inputs = _bone_inputs(query, profile)
        if inputs["age_years"] is not None and inputs["weight_kg"] is not None:
            risk = screen_bone_risk(**inputs)
    except (BoneInputError, _QueryError) as exc:
        error = str(exc)
    context = {"profile": profile, "risk": risk, "error": error, "query": query, "needs": profile.needs("bone")}
    code = status.HTTP_422_UNPROCESSABLE_CONTENT if error else status.HTTP_200_OK
    return _page(request, "care_bone.html", context, sources="bone", status_code=code)


class _QueryError(PelvicoreError):
    """A bone-page form value that is not a number or a yes/no answer."""


def _bone_inputs(query: Any, profile: CareProfile) -> dict[str, Any]:
    """The screen's inputs from the page's form, falling back to her profile for age, weight and oestrogen."""

    def number(name: str, kind: type[int] | type[float]) -> int | float | None:
        text = (query.get(name) or "").strip()
        if not text:
            return None
        try:
            return kind(text)
        except ValueError:
            what = "whole number" if kind is int else "number"
            raise _QueryError(f"{name}: expected a {what}, got {text[:40]!r}") from None

    def yes_no(name: str) -> bool | None:
        text = query.get(name) or ""
        if text not in ("", "yes", "no"):
            raise _QueryError(f"{name}: expected yes or no, got {text[:40]!r}")
        return None if not text else text == "yes"

    age, weight = number("age", int), number("weight_kg", float)
    estrogen = yes_no("estrogen")
    return {
        "age_years": profile.age if age is None else age,
        "weight_kg": profile.weight_kg if weight is None else weight,
        "estrogen_now": bool(profile.hormone_therapy) if estrogen is None else estrogen,
        "black": yes_no("black"),
        "rheumatoid_arthritis": yes_no("rheumatoid_arthritis"),
        "fractures_after_45": number("fractures_after_45", int),
        "ever_estrogen": yes_no("ever_estrogen"),
    }


# -- plan, insight ---------------------------------------------------------------------------------------------------
@router.get("/care/plan")
def plan_page(request: Request, care: CareDep, store: StoreDep, user: CurrentUser) -> HTMLResponse:
    view = plan_for(care, store, user, today=dt.date.today())
    return _page(request, "care_plan.html", {"view": view, "confirm_questions": CONFIRM_QUESTIONS})


@router.get("/care/insight")
def insight_page(request: Request, care: CareDep, store: StoreDep, user: CurrentUser) -> HTMLResponse:
    insight = insight_for(care, store, user)
    estimates = [
        ("Pain and training", insight.pain),
        ("Leaking and training", insight.leaking),
        ("Function (PEG-3) and training", insight.function),
        ("Strength over time", insight.strength),
    ]
    context = {"insight": insight, "estimates": estimates, "min_weeks": MIN_WEEKS}
    return _page(request, "care_insight.html", context, sources="insight")


# -- learn -----------------------------------------------------------------------------------------------------------
@router.get("/care/learn")
def learn_page(request: Request) -> HTMLResponse:
    everything = dict.fromkeys(s for _, sources in LEARN_TOPICS.values() for s in sources)
    return _page(request, "care_learn.html", {"topics": LEARN_TOPICS, "all_sources": list(everything)})


@router.get("/care/learn/{topic}")
def learn_topic(request: Request, topic: str) -> HTMLResponse:
    if topic not in LEARN_TOPICS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such page")
    title, sources = LEARN_TOPICS[topic]
    return _page(request, f"care_learn_{topic.replace('-', '_')}.html", {"title": title, "sources": sources})
