"""Bone-risk screening without lab data: OST (with the OSTA band), ORAI and SCORE.

These tools estimate whether low bone density is likely enough to discuss a bone-density (DXA) scan; they do not
measure bone. The US Preventive Services Task Force names them as similarly, moderately accurate ways to choose
younger postmenopausal women for screening (USPSTF 2018, updated January 2025). FRAX's algorithm is not public:
pelvicore links to it and does not imitate it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from pelvicore.errors import PelvicoreError

OstaBand = Literal["high", "moderate", "low"]

FRAX_URL = "https://frax.shef.ac.uk/FRAX/"
MIN_AGE_YEARS, MAX_AGE_YEARS = 18, 120
MIN_WEIGHT_KG, MAX_WEIGHT_KG = 25.0, 300.0
MAX_FRACTURES = 50
OST_DXA_BELOW = 2.0
ORAI_REFER_FROM = 9
SCORE_REFER_FROM = 6
USPSTF_SCREEN_FROM_AGE = 65
KG_PER_LB = 0.45359237

USPSTF = "USPSTF 2018 (updated January 2025): osteoporosis screening in women; names OST, ORAI, SCORE and OSIRIS"
UW_OST = "University of Washington osteoporosis education tools: OST below 2 -> bone-density screening"
KOH = "Koh et al. 2001: OST / OSTA bands (high below -4, moderate -4 to -1, low above -1)"
CADARETTE = "Cadarette et al. 2000, CMAJ: ORAI (9 or more -> bone-density test)"
LYDICK = "Lydick et al. 1998: SCORE (6 or more -> bone-density test)"
FRAX = f"FRAX, University of Sheffield: 10-year fracture probability, {FRAX_URL}"


class BoneInputError(PelvicoreError):
    """Bone-screening inputs out of range, not finite, or contradicting each other."""


@dataclass(frozen=True, slots=True)
class BoneRisk:
    """The screening result: each tool's number and verdict, plain-words explanation, advice and sources."""

    age_years: int
    weight_kg: float
    ost: float
    ost_recommend_dxa: bool
    osta_band: OstaBand
    orai: int
    orai_refer: bool
    score: int | None
    score_refer: bool | None
    discuss_dxa: bool
    explanation: tuple[str, ...]
    advice: str
    sources: tuple[str, ...]
    frax_url: str = FRAX_URL

    def to_dict(self) -> dict[str, object]:
        return {
            "age_years": self.age_years,
            "weight_kg": self.weight_kg,
            "ost": round(self.ost, 3),  # clears float noise only; OST itself is never truncated
            "ost_recommend_dxa": self.ost_recommend_dxa,
            "osta_band": self.osta_band,
            "orai": self.orai,
            "orai_refer": self.orai_refer,
            "score": self.score,
            "score_refer": self.score_refer,
            "discuss_dxa": self.discuss_dxa,
            "explanation": list(self.explanation),
            "advice": self.advice,
            "sources": list(self.sources),
            "frax_url": self.frax_url,
        }


def ost(age_years: int, weight_kg: float) -> float:
    """Osteoporosis Self-assessment Tool: 0.2 x (weight kg - age years), not truncated.

    >>> ost(62, 55)
    -1.4

    References: Koh et al. 2001 (OST/OSTA); USPSTF 2018, updated 2025.
    """
    return (weight_kg - age_years) / 5


def osta_band(age_years: int, weight_kg: float) -> OstaBand:
    """OSTA risk band: high when OST < -4, low when OST > -1, moderate from -4 to -1 inclusive (Koh et al. 2001).

    Compared on ``weight - age`` (OST x 5) so that the boundaries are exact.
    """
    diff = weight_kg - age_years
    if diff < -20:
        return "high"
    return "low" if diff > -5 else "moderate"


def orai(age_years: int, weight_kg: float, *, estrogen_now: bool) -> int:
    """Osteoporosis Risk Assessment Instrument, 0-26 points (Cadarette et al. 2000, CMAJ).

    Age 75+: 15, 65-74: 9, 55-64: 5, under 55: 0; weight under 60 kg: 9, 60-69.9 kg: 3, 70 kg or more: 0;
    not currently taking oestrogen: 2. Built for women aged 45 and over.

    >>> orai(62, 55, estrogen_now=False)
    16
    """
    age_points = 15 if age_years >= 75 else 9 if age_years >= 65 else 5 if age_years >= 55 else 0
    weight_points = 9 if weight_kg < 60 else 3 if weight_kg < 70 else 0
    return age_points + weight_points + (0 if estrogen_now else 2)


def score(
    age_years: int,
    weight_kg: float,
    *,
    black: bool,
    rheumatoid_arthritis: bool,
    fractures_after_45: int,
    ever_estrogen: bool,
) -> int:
    """Simple Calculated Osteoporosis Risk Estimation (Lydick et al. 1998).

    +5 if not Black; +4 for rheumatoid arthritis; +4 per wrist, hip or rib fracture after 45 without major
    injury (at most 12); +3 x the decade of age (62 -> 6); +1 if oestrogen was never used; minus weight in
    pounds / 10, truncated.

    >>> score(62, 55, black=False, rheumatoid_arthritis=False, fractures_after_45=0, ever_estrogen=False)
    12
    """
    weight_lb = weight_kg / KG_PER_LB
    return (
        (0 if black else 5)
        + (4 if rheumatoid_arthritis else 0)
        + 4 * min(fractures_after_45, 3)
        + 3 * (age_years // 10)
        + (0 if ever_estrogen else 1)
        - math.floor(weight_lb / 10)
    )


def screen_bone_risk(
    age_years: int,
    weight_kg: float,
    *,
    estrogen_now: bool = False,
    black: bool | None = None,
    rheumatoid_arthritis: bool | None = None,
    fractures_after_45: int | None = None,
    ever_estrogen: bool | None = None,
) -> BoneRisk:
    """Run OST, OSTA, ORAI and, when all its inputs are known, SCORE; explain them and advise.

    Parameters
    ----------
    age_years : int
        Age, whole years, 18-120.
    weight_kg : float
        Body weight, kg, 25-300.
    estrogen_now : bool
        Currently taking oestrogen (menopausal hormone therapy): ORAI.
    black, rheumatoid_arthritis, fractures_after_45, ever_estrogen : optional
        SCORE's other inputs; ``None`` = unknown, and SCORE is then left out. ``estrogen_now`` implies
        ``ever_estrogen``.

    Raises
    ------
    BoneInputError
        For an age or weight out of range or not finite, a negative fracture count, fractures after 45 in someone
        younger than 45, or oestrogen taken now but "never used".
    """
    _check(age_years, weight_kg, fractures_after_45)
    if estrogen_now and ever_estrogen is False:
        raise BoneInputError("oestrogen: taken now, so it cannot also be 'never used'")
    if estrogen_now:
        ever_estrogen = True
    ost_value = ost(age_years, weight_kg)
    ost_dxa = weight_kg - age_years < OST_DXA_BELOW * 5  # OST < 2, compared exactly on weight - age
    orai_value = orai(age_years, weight_kg, estrogen_now=estrogen_now)
    score_value = _score_if_known(age_years, weight_kg, black, rheumatoid_arthritis, fractures_after_45, ever_estrogen)
    score_ref = None if score_value is None else score_value >= SCORE_REFER_FROM
    partial = BoneRisk(
        age_years=age_years,
        weight_kg=float(weight_kg),
        ost=ost_value,
        ost_recommend_dxa=ost_dxa,
        osta_band=osta_band(age_years, weight_kg),
        orai=orai_value,
        orai_refer=orai_value >= ORAI_REFER_FROM,
        score=score_value,
        score_refer=score_ref,
        discuss_dxa=ost_dxa or orai_value >= ORAI_REFER_FROM or bool(score_ref) or age_years >= USPSTF_SCREEN_FROM_AGE,
        explanation=(),
        advice="",
        sources=(KOH, UW_OST, USPSTF, CADARETTE, *([LYDICK] if score_value is not None else []), FRAX),
    )
    return replace(partial, explanation=_explain(partial), advice=_advise(partial))


def _score_if_known(
    age_years: int,
    weight_kg: float,
    black: bool | None,
    rheumatoid_arthritis: bool | None,
    fractures_after_45: int | None,
    ever_estrogen: bool | None,
) -> int | None:
    if black is None or rheumatoid_arthritis is None or fractures_after_45 is None or ever_estrogen is None:
        return None
    return score(
        age_years,
        weight_kg,
        black=black,
        rheumatoid_arthritis=rheumatoid_arthritis,
        fractures_after_45=fractures_after_45,
        ever_estrogen=ever_estrogen,
    )


def _explain(r: BoneRisk) -> tuple[str, ...]:
    """Each tool's number and what it means, in plain words.

    The OSTA band (Koh 2001, drawn for Asian women) stays in the data for her clinician but is not said here: its
    "low" band reaches down to -1, where the OST cut-off of 2 already advises a scan, and two verdicts on one
    number that disagree help nobody.
    """
    lines = [
        f"OST {r.ost:.1f}: {'below' if r.ost_recommend_dxa else 'not below'} 2, the level under which a "
        "bone-density (DXA) scan is advised.",
        f"ORAI {r.orai} of 26 points: {_verdict(r.orai_refer, ORAI_REFER_FROM)}",
    ]
    if r.score is None:
        lines.append(
            "SCORE not calculated: it also needs ethnicity (Black or not), rheumatoid arthritis, "
            "fractures after 45 and whether you ever used oestrogen."
        )
    else:
        lines.append(f"SCORE {r.score} points: {_verdict(r.score_refer, SCORE_REFER_FROM)}")
    if r.age_years >= USPSTF_SCREEN_FROM_AGE:
        lines.append("At 65 or over, bone-density screening is recommended for every woman (USPSTF).")
    if r.age_years < 45:
        lines.append("These tools were built for women around and after menopause (ORAI from 45): they say less now.")
    lines.append(
        "These scores estimate the chance of low bone density from age and weight; only a DXA scan measures it."
    )
    return tuple(lines)


def _verdict(refer: bool | None, threshold: int) -> str:
    if refer:
        return f"{threshold} or more, so a DXA scan is advised."
    return f"under {threshold}, the level from which a DXA scan is advised."


def _advise(r: BoneRisk) -> str:
    if r.discuss_dxa:
        return "Discuss a bone-density (DXA) scan with your GP or clinician, and show them these results."
    return (
        "These tools do not point to low bone density now. Discuss a bone-density (DXA) scan with your "
        "clinician if you break a bone in a minor fall, take long-term steroid tablets, lose height, or "
        "reach 65."
    )


def _check(age_years: object, weight_kg: object, fractures_after_45: object) -> None:
    if isinstance(age_years, bool) or not isinstance(age_years, int):
        raise BoneInputError(f"age: expected whole years such as 62, got {age_years!r}")
    if not MIN_AGE_YEARS <= age_years <= MAX_AGE_YEARS:
        raise BoneInputError(f"age: must be {MIN_AGE_YEARS}-{MAX_AGE_YEARS} years, got {age_years}")
    if isinstance(weight_kg, bool) or not isinstance(weight_kg, int | float) or not math.isfinite(weight_kg):
        raise BoneInputError(f"weight: expected a finite number of kilograms such as 55, got {weight_kg!r}")
    if not MIN_WEIGHT_KG <= weight_kg <= MAX_WEIGHT_KG:
        raise BoneInputError(f"weight: must be {MIN_WEIGHT_KG:g}-{MAX_WEIGHT_KG:g} kg, got {weight_kg:g}")
    if fractures_after_45 is None:
        return
    if isinstance(fractures_after_45, bool) or not isinstance(fractures_after_45, int):
        raise BoneInputError(f"fractures after 45: expected a whole count such as 0 or 1, got {fractures_after_45!r}")
    if not 0 <= fractures_after_45 <= MAX_FRACTURES:
        raise BoneInputError(f"fractures after 45: must be 0-{MAX_FRACTURES}, got {fractures_after_45}")
    if fractures_after_45 > 0 and age_years < 45:
        raise BoneInputError(f"fractures after 45: {fractures_after_45} given, but the age is {age_years}")


__all__ = [
    "FRAX_URL",
    "BoneInputError",
    "BoneRisk",
    "OstaBand",
    "orai",
    "ost",
    "osta_band",
    "score",
    "screen_bone_risk",
]
