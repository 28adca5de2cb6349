"""Red-flag triage for back pain: which answers need a clinician, and how soon.

Each :class:`Rule` turns answers into a plain-words reason with its guideline sources; the result's level is
the most urgent reason's level, so a common, harmless answer (long-standing stress incontinence, age) can add
a note but never lower what another answer raised. Single red flags predict serious disease poorly, so the
wording always asks for a check ("these signs need a clinician to check") and never names a diagnosis as fact.

Red flags: NICE NG59 and NICE CKS (low back pain); NHS cauda equina syndrome and sciatica advice;
Finucane et al. 2020, JOSPT (IFOMPT framework); Downie et al. 2013, BMJ; Henschke et al. 2009.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pelvicore.care.answers import AnswerError, TriageAnswers, answers_from_json, parse_answers

Level = Literal["self-care", "routine", "soon", "emergency"]
LEVELS: tuple[Level, ...] = ("self-care", "routine", "soon", "emergency")  # least to most urgent

PERSISTENT_PAIN_WEEKS = 4  # "no improvement after 1 month" (care.md, malignancy flags)
OLDER_AGE_YEARS = 50  # "new pain after 50": noted, never more than routine on its own
FRACTURE_AGE_YEARS = 70  # "female, over 70" raises fracture risk after a fall (Henschke 2009)

NICE_CKS = "NICE CKS: Back pain - low (without radiculopathy), red flags"
NICE_NG59 = "NICE NG59: Low back pain and sciatica in over 16s"
NHS_CES = "NHS: Cauda equina syndrome"
NHS_SCIATICA = "NHS: Sciatica (sciatica on both sides: go to A&E or call 999)"
IFOMPT = "Finucane et al. 2020, JOSPT: IFOMPT international framework for red flags"
DOWNIE = "Downie et al. 2013, BMJ: red flags for fracture and malignancy in low back pain"
HENSCHKE = "Henschke et al. 2009: serious spinal pathology in primary-care low back pain"
NICE_PFMT = "NICE CG171 / QS77: supervised pelvic-floor muscle training first for stress incontinence"
COCHRANE_PFMT = "Cochrane review 2018: pelvic-floor muscle training for urinary incontinence in women"

_CHECK_NOW = (
    "With back pain, this needs a clinician to check it straight away, to rule out pressure on the nerves "
    "at the base of the spine (cauda equina syndrome)."
)
_CHECK_BONE = "This needs a clinician to check whether a bone in the spine has been weakened or broken."
_CHECK_SERIOUS = "This does not mean something serious is there, but it needs a clinician to check."
_CHECK_INFECTION = "With back pain, this needs a clinician to check for an infection."


@dataclass(frozen=True, slots=True)
class Rule:
    """One red-flag rule: when it applies, how urgent it is, what the person reads, and where it comes from.

    ``text`` may use ``{age}`` and ``{pain_weeks:g}``; they are filled from the answers.
    """

    rule: str
    flag: str
    level: Level
    text: str
    sources: tuple[str, ...]
    applies: Callable[[TriageAnswers], bool]


@dataclass(frozen=True, slots=True)
class Reason:
    """Why the result is at its level: one rule that applied to these answers."""

    rule: str
    flag: str
    level: Level
    text: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "flag": self.flag, "level": self.level, "text": self.text, "source": self.source}


@dataclass(frozen=True, slots=True)
class TriageResult:
    """The triage outcome: the level, every reason (most urgent first), what to do, and the guidelines used."""

    level: Level
    reasons: tuple[Reason, ...]
    advice: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "reasons": [r.to_dict() for r in self.reasons],
            "advice": self.advice,
            "sources": list(self.sources),
        }


def _fragile_bones(a: TriageAnswers) -> bool:
    """Osteoporosis, long-term corticosteroids or older age: a minor fall can break a spinal bone (NICE CKS)."""
    return a.osteoporosis or a.long_term_steroids or (a.age is not None and a.age > FRACTURE_AGE_YEARS)


_CES = (NICE_CKS, NHS_CES, IFOMPT)
_FRACTURE = (NICE_CKS, DOWNIE, HENSCHKE)
_MALIGNANCY = (NICE_CKS, IFOMPT, DOWNIE)
_INFECTION = (NICE_CKS, IFOMPT)

RULES: tuple[Rule, ...] = (
    # Possible cauda equina: emergency now (NICE CKS; NHS; IFOMPT).
    Rule("cauda-equina", "saddle_numbness", "emergency",
         "Numbness or changed feeling around the bottom, back passage or inner thighs (for example when "
         f"wiping). {_CHECK_NOW}", _CES, lambda a: a.saddle_numbness),
    Rule("cauda-equina", "genital_numbness", "emergency",
         f"Numbness of the genitals. {_CHECK_NOW}", _CES, lambda a: a.genital_numbness),
    Rule("cauda-equina", "new_bladder_problem", "emergency",
         "A new problem with the bladder: trouble starting or stopping peeing, not feeling when the bladder is "
         f"full, or new leaking. {_CHECK_NOW}", _CES, lambda a: a.new_bladder_problem),
    Rule("cauda-equina", "new_bowel_incontinence", "emergency",
         f"New loss of control of the bowel. {_CHECK_NOW}", _CES, lambda a: a.new_bowel_incontinence),
    Rule("cauda-equina", "leg_weakness_worsening", "emergency",
         f"Weakness or numbness in the legs that is severe or getting worse, or trouble walking. {_CHECK_NOW}",
         _CES, lambda a: a.leg_weakness_worsening),
    # care.md: "pain down both legs with any of these"; NHS: "sciatica on both sides" alone -> A&E or 999.
    Rule("cauda-equina", "pain_both_legs", "emergency",
         f"Pain going down both legs. {_CHECK_NOW}", (*_CES, NHS_SCIATICA), lambda a: a.pain_both_legs),
    # Possible fracture: see a clinician soon (NICE CKS; Downie 2013; Henschke 2009).
    Rule("fracture", "major_trauma", "soon",
         f"Back pain that began after a major injury, such as a road accident or a fall from a height. {_CHECK_BONE}",
         _FRACTURE, lambda a: a.major_trauma),
    Rule("fracture", "minor_trauma_or_fall", "soon",
         "Back pain after a minor injury or a fall, together with osteoporosis, long-term steroid medicine or an "
         f"age over {FRACTURE_AGE_YEARS}, when bones break more easily. {_CHECK_BONE}", _FRACTURE,
         lambda a: a.minor_trauma_or_fall and _fragile_bones(a)),
    Rule("fracture", "height_loss_or_stoop", "soon",
         f"Loss of height or a new stoop. {_CHECK_BONE}", _FRACTURE, lambda a: a.height_loss_or_stoop),
    Rule("fracture", "long_term_steroids", "soon",
         "Long-term steroid medicine (such as prednisolone tablets) with back pain: steroids thin the bones, and "
         f"this is one of the most telling signs of a weakened spinal bone. {_CHECK_BONE}", (DOWNIE, HENSCHKE),
         lambda a: a.long_term_steroids),
    # Possible malignancy: soon (NICE CKS; IFOMPT; Downie 2013).
    Rule("malignancy", "cancer_history", "soon",
         f"A past history of cancer, now with back pain. {_CHECK_SERIOUS}", _MALIGNANCY, lambda a: a.cancer_history),
    Rule("malignancy", "unexplained_weight_loss", "soon",
         f"Weight loss without a reason. {_CHECK_SERIOUS}", _MALIGNANCY, lambda a: a.unexplained_weight_loss),
    Rule("malignancy", "night_pain_unrelieved", "soon",
         f"Pain at night that does not ease when you change position. {_CHECK_SERIOUS}", _MALIGNANCY,
         lambda a: a.night_pain_unrelieved),
    Rule("persistent-pain", "pain_weeks", "soon",
         "Back pain for {pain_weeks:g} weeks: pain that has not got better after about a month should be checked "
         "by a clinician.", (NICE_CKS, IFOMPT),
         lambda a: a.pain_weeks is not None and a.pain_weeks >= PERSISTENT_PAIN_WEEKS),
    # Possible infection: soon (NICE CKS; IFOMPT).
    Rule("infection", "fever", "soon",
         f"Fever, chills or shivering fits. {_CHECK_INFECTION}", _INFECTION, lambda a: a.fever),
    Rule("infection", "immunosuppressed", "soon",
         f"A weakened immune system (from illness or medicines). {_CHECK_INFECTION}", _INFECTION,
         lambda a: a.immunosuppressed),
    Rule("infection", "iv_drug_use", "soon",
         f"Injecting drugs into a vein. {_CHECK_INFECTION}", _INFECTION, lambda a: a.iv_drug_use),
    # Nerve pain: soon (care.md; sciatica assessment in NICE NG59).
    Rule("radiating-pain", "radiating_leg_pain_with_numbness", "soon",
         "Pain spreading to the hips or legs with tingling or numbness: a clinician should check the nerves.",
         (NICE_NG59,), lambda a: a.radiating_leg_pain_with_numbness),
    # Common, not red flags on their own: a note at most.
    Rule("age", "age", "routine",
         "Age {age}: back pain that starts after 50 is worth mentioning at a routine appointment; on its own it "
         "is not a warning sign.", (NICE_CKS,), lambda a: a.age is not None and a.age > OLDER_AGE_YEARS),
    Rule("fracture", "minor_trauma_or_fall", "routine",
         "Back pain after a minor injury or a fall: mention it at a routine appointment, and get it checked soon "
         "if the pain is severe or does not settle.", _FRACTURE,
         lambda a: a.minor_trauma_or_fall and not _fragile_bones(a)),
    Rule("osteoporosis", "osteoporosis", "routine",
         "Osteoporosis: mention your back pain at your next appointment, and get it checked soon if it starts "
         "suddenly or is severe, since spinal bones can break with little force.", _FRACTURE,
         lambda a: a.osteoporosis),
    Rule("stress-incontinence", "stress_incontinence_longstanding", "self-care",
         "Leaking when you cough, sneeze or lift, for a long time, is common around menopause and is not a "
         "warning sign by itself; pelvic-floor training helps most women (about 3 months, supervised at first). "
         "A new change in bladder control is different and needs checking.", (NICE_CKS, NICE_PFMT, COCHRANE_PFMT),
         lambda a: a.stress_incontinence_longstanding),
)  # fmt: skip

_SAFETY_NET = (
    "If you get numbness between your legs, a new problem with your bladder or bowel, or leg weakness that is "
    "getting worse, call emergency services straight away."
)
ADVICE: dict[Level, str] = {
    "emergency": (
        "Call emergency services now (999 in the UK, 112 in Europe, 911 in the US) or go to the nearest emergency "
        "department, and tell them about the back pain and these signs. Do not wait to see if they pass."
    ),
    "soon": "Book an appointment with your GP or clinician this week and show them these answers. " + _SAFETY_NET,
    "routine": (
        "Nothing here needs urgent care. Mention these points at your next routine appointment and keep to your "
        "self-care plan. " + _SAFETY_NET
    ),
    "self-care": (
        "No warning signs in your answers: carry on with your self-care plan (keep moving, heat for stiffness, "
        "pelvic-floor training). Answer these questions again if anything new appears or the pain lasts about a "
        "month. " + _SAFETY_NET
    ),
}


def triage(answers: TriageAnswers) -> TriageResult:
    """Apply every red-flag rule to the answers; the most urgent rule that applies sets the level.

    Parameters
    ----------
    answers : TriageAnswers
        From :func:`parse_answers`; absent answers count as no.

    Returns
    -------
    TriageResult
        ``level`` is ``"self-care"`` when no rule applies. Reasons are ordered most urgent first.

    References: NICE NG59 / NICE CKS low back pain red flags; NHS cauda equina syndrome; Finucane et al. 2020
    (IFOMPT); Downie et al. 2013; Henschke et al. 2009.
    """
    fired = [r for r in RULES if r.applies(answers)]
    fired.sort(key=lambda r: -LEVELS.index(r.level))  # stable: keeps the table's order within a level
    # Weeks may come from days (30 days: 4.3 weeks): one decimal reads as a person says it.
    weeks = None if answers.pain_weeks is None else round(answers.pain_weeks, 1)
    reasons = tuple(
        Reason(r.rule, r.flag, r.level, r.text.format(age=answers.age, pain_weeks=weeks), "; ".join(r.sources))
        for r in fired
    )  # fmt: skip
    level: Level = reasons[0].level if reasons else "self-care"
    used = [s for r in fired for s in r.sources] if fired else [NICE_NG59, NICE_CKS]
    return TriageResult(level, reasons, ADVICE[level], tuple(dict.fromkeys(used)))


__all__ = [
    "ADVICE",
    "LEVELS",
    "RULES",
    "AnswerError",
    "Level",
    "Reason",
    "Rule",
    "TriageAnswers",
    "TriageResult",
    "answers_from_json",
    "parse_answers",
    "triage",
]
