"""Symptom instruments: scoring, ranges and severity bands, each with its source.

Free instruments (NPRS, PEG-3, Keele STarT Back) are scored from their answers. Licensed ones (MRS, ICIQ-UI SF,
ODI, PFDI-20) are entered as scores only: pelvicore ships none of their item text, and takes either the item or
section scores a person read off her own form, or the total. :func:`score_entered` checks a decoded JSON entry
such as ``{"odi": {"sections": [2, 1, null, 3, 2, 2, 1, 0, 2, 1]}}`` and names the field of any mistake.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from pelvicore.care import sources
from pelvicore.care.answers import _show
from pelvicore.errors import PelvicoreError

InstrumentKey = Literal["nprs", "peg3", "start_back", "mrs", "iciq_ui_sf", "odi", "pfdi20"]
EnteredKey = Literal["start_back", "mrs", "iciq_ui_sf", "odi", "pfdi20"]
ENTERED_KEYS: tuple[EnteredKey, ...] = ("start_back", "mrs", "iciq_ui_sf", "odi", "pfdi20")

NPRS_IMPORTANT_CHANGE = 2  # minimal important change, points
BOTHERSOME: tuple[str, ...] = ("not at all", "slightly", "moderately", "very much", "extremely")
ODI_MIN_SECTIONS = 8  # pelvicore's rule: a percentage from fewer answered sections is not comparable over time
ICIQ_AMOUNTS = (0, 2, 4, 6)
PFDI_SCALES: dict[str, tuple[str, int]] = {"udi6": ("UDI-6", 6), "cradi8": ("CRADI-8", 8), "popdi6": ("POPDI-6", 6)}

# Keele asks that this statement stay with the tool, unmodified (Keele University STarT Back legal statement).
START_BACK_NOTICE = (
    "The copyright (©2007) of the STarT Back Screening Tool and associated materials is owned by Keele University, "
    "the development of which was part funded by Arthritis Research UK: i) the tool is designed for use by health "
    "care practitioners, with appropriate treatment packages for each of the stratified groups; ii) the tool is not "
    "intended to recommend the use of any particular product. No license is required for non-commercial use. If you "
    "would like to incorporate the tool in any way into commercial product materials, please contact Keele "
    "University for further advice."
)
# Item 9 is the one item whose wording pelvicore's care facts give; items 1-8 are agree/disagree.
START_BACK_ITEM_9 = "Overall, how bothersome has your back pain been in the last 2 weeks?"
START_BACK_DOMAINS = (
    "leg pain", "pain elsewhere (shoulder or neck)", "walking", "dressing",
    "fear of activity", "worry", "expectations", "low mood",
)  # fmt: skip

ICIQ_CAVEAT = (
    "The ICIQ's owners say a total has no absolute meaning: the bands are a rough guide; watch how your score "
    "changes over time."
)
MRS_CAVEAT = "Approximate: the MRS names four categories, but its cut-offs come from secondary sources."


class InstrumentError(PelvicoreError):
    """Instrument answers or scores of the wrong type, out of range, or inconsistent."""


@dataclass(frozen=True, slots=True)
class Subscale:
    name: str
    value: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class InstrumentScore:
    """A scored instrument: the value within its range, its band (``None`` where none is validated), sources.

    ``entered`` holds the checked input, so the score can be stored and rebuilt with :func:`score_entered`.
    ``notice`` is a statement that must be shown with the tool (Keele's copyright statement for STarT Back).
    """

    instrument: InstrumentKey
    name: str
    value: float
    low: float
    high: float
    unit: str
    sources: tuple[str, ...]
    band: str | None = None
    caveat: str | None = None
    subscales: tuple[Subscale, ...] = ()
    entered: Mapping[str, object] = field(default_factory=dict)
    notice: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "instrument": self.instrument,
            "name": self.name,
            "value": round(self.value, 2),
            "range": [self.low, self.high],
            "unit": self.unit,
            "band": self.band,
            "caveat": self.caveat,
            "subscales": [
                {"name": s.name, "value": round(s.value, 2), "range": [s.low, s.high]} for s in self.subscales
            ],
            "sources": list(self.sources),
            "entered": dict(self.entered),
            "notice": self.notice,
        }


def nprs(pain: object) -> InstrumentScore:
    """Numeric Pain Rating Scale: a whole number 0-10; 0 no pain, 1-3 mild, 4-6 moderate, 7-10 severe."""
    value = _whole("pain", pain, 0, 10)
    band = "no pain" if value == 0 else "mild" if value <= 3 else "moderate" if value <= 6 else "severe"
    return InstrumentScore(
        "nprs", "Pain 0-10 (NPRS)", value, 0, 10, "points", (sources.NPRS,), band=band, entered={"pain": value}
    )


def important_pain_change(before: float, after: float) -> bool:
    """Whether a change in NPRS pain reaches the minimal important change of 2 points."""
    return abs(after - before) >= NPRS_IMPORTANT_CHANGE


def peg3(pain: object, enjoyment: object, activity: object) -> InstrumentScore:
    """PEG-3: the mean of three 0-10 items (pain, interference with enjoyment of life and with general activity).

    No severity bands are validated: the score is for following a trend (Krebs et al. 2009).
    """
    items = [_whole(name, v, 0, 10) for name, v in (("pain", pain), ("enjoyment", enjoyment), ("activity", activity))]
    return InstrumentScore(
        "peg3", "PEG-3 pain and interference", sum(items) / 3, 0, 10, "points", (sources.PEG,),
        caveat="No validated bands: follow the trend.", entered={"items": items},
    )  # fmt: skip


def start_back(items: object, bothersome: object) -> InstrumentScore:
    """Keele STarT Back: items 1-8 agree (true) / disagree (false); item 9 one of :data:`BOTHERSOME`.

    Total 0-9 (item 9 counts 1 for "very much" or "extremely"); psychosocial subscale = items 5-9 (0-5).
    Risk: total 3 or less low; otherwise subscale 3 or less medium, 4 or more high.
    """
    if not isinstance(items, list | tuple) or len(items) != 8 or not all(isinstance(i, bool) for i in items):
        raise InstrumentError(f"start_back.items: expected 8 answers, true (agree) or false, got {_show(items)}")
    if bothersome not in BOTHERSOME:
        raise InstrumentError(
            f"start_back.bothersome: expected one of {', '.join(BOTHERSOME)}; got {_show(bothersome)}"
        )
    item9 = int(bothersome in ("very much", "extremely"))
    total = sum(items) + item9
    psychosocial = sum(items[4:8]) + item9
    risk = "low" if total <= 3 else "medium" if psychosocial <= 3 else "high"
    return InstrumentScore(
        "start_back", "Keele STarT Back", total, 0, 9, "points", (sources.START_BACK,), band=f"{risk} risk",
        subscales=(Subscale("psychosocial", psychosocial, 0, 5),),
        entered={"items": list(items), "bothersome": bothersome}, notice=START_BACK_NOTICE,
    )  # fmt: skip


def mrs(*, items: object = None, total: object = None) -> InstrumentScore:
    """Menopause Rating Scale from 11 item scores (0-4 each) or the total (0-44).

    Subscales from items: somatic 1-3 and 11, psychological 4-7, urogenital 8-10. Bands (approximate, from
    secondary sources): 0-4 none or little, 5-8 mild, 9-15 moderate, 16+ severe.
    """
    subscales: tuple[Subscale, ...] = ()
    entered: dict[str, object]
    if _exactly_one("mrs", items=items, total=total) == "items":
        values = _whole_list("mrs.items", items, 11, 0, 4)
        subscales = (
            Subscale("somatic", sum(values[0:3]) + values[10], 0, 16),
            Subscale("psychological", sum(values[3:7]), 0, 16),
            Subscale("urogenital", sum(values[7:10]), 0, 12),
        )
        value = sum(values)
        entered = {"items": values}
    else:
        value = _whole("mrs.total", total, 0, 44)
        entered = {"total": value}
    band = "none or little" if value <= 4 else "mild" if value <= 8 else "moderate" if value <= 15 else "severe"
    return InstrumentScore(
        "mrs", "Menopause Rating Scale (MRS)", value, 0, 44, "points", (sources.MRS, sources.MRS_BANDS),
        band=band, caveat=MRS_CAVEAT, subscales=subscales, entered=entered,
    )  # fmt: skip


def iciq_ui_sf(
    *, frequency: object = None, amount: object = None, interference: object = None, total: object = None
) -> InstrumentScore:
    """ICIQ-UI Short Form: frequency 0-5 + amount 0/2/4/6 + interference 0-10 (= 0-21), or the total.

    Bands (Klovning et al. 2009): 1-5 slight, 6-12 moderate, 13-18 severe, 19-21 very severe; always shown
    with the owners' caveat that a total has no absolute meaning.
    """
    parts = (frequency, amount, interference)
    if total is not None and any(p is not None for p in parts):
        raise InstrumentError("iciq_ui_sf: give either frequency, amount and interference, or total, not both")
    if total is not None:
        value = _whole("iciq_ui_sf.total", total, 0, 21)
        entered: dict[str, object] = {"total": value}
    elif all(p is not None for p in parts):
        f = _whole("iciq_ui_sf.frequency", frequency, 0, 5)
        a = _whole("iciq_ui_sf.amount", amount, 0, 6)
        if a not in ICIQ_AMOUNTS:
            raise InstrumentError(f"iciq_ui_sf.amount: must be 0, 2, 4 or 6, got {a}")
        i = _whole("iciq_ui_sf.interference", interference, 0, 10)
        if f == 0 and a > 0:
            raise InstrumentError(f"iciq_ui_sf.amount: must be 0 when frequency is 0 (never leaks), got {a}")
        value = f + a + i
        entered = {"frequency": f, "amount": a, "interference": i}
    else:
        raise InstrumentError("iciq_ui_sf: give frequency, amount and interference, or total")
    band = None if value == 0 else next(name for upper, name in _ICIQ_BANDS if value <= upper)
    return InstrumentScore(
        "iciq_ui_sf", "ICIQ-UI Short Form", value, 0, 21, "points", (sources.ICIQ, sources.ICIQ_BANDS),
        band=band, caveat=ICIQ_CAVEAT, entered=entered,
    )  # fmt: skip


def odi(*, sections: object = None, percent: object = None) -> InstrumentScore:
    """Oswestry Disability Index from 10 section scores (0-5, ``None`` = skipped) or the percentage.

    Percentage = total / (5 x sections answered) x 100, so skipped sections do not count as zero; at least
    :data:`ODI_MIN_SECTIONS` must be answered. Bands: 0-20 minimal, 21-40 moderate, 41-60 severe,
    61-80 crippled, 81-100 bed-bound.
    """
    if _exactly_one("odi", sections=sections, percent=percent) == "sections":
        if not isinstance(sections, list | tuple) or len(sections) != 10:
            raise InstrumentError(
                f"odi.sections: expected 10 section scores (0-5, null if skipped), got {_show(sections)}"
            )
        values = [None if s is None else _whole(f"odi.sections[{k}]", s, 0, 5) for k, s in enumerate(sections)]
        answered = [v for v in values if v is not None]
        if len(answered) < ODI_MIN_SECTIONS:
            raise InstrumentError(
                f"odi.sections: at least {ODI_MIN_SECTIONS} of 10 must be answered, got {len(answered)}"
            )
        value = 100 * sum(answered) / (5 * len(answered))
        entered: dict[str, object] = {"sections": values}
    else:
        value = _number("odi.percent", percent, 0, 100)
        entered = {"percent": value}
    band = next(name for upper, name in _ODI_BANDS if value <= upper)
    return InstrumentScore(
        "odi", "Oswestry Disability Index (ODI)", value, 0, 100, "%", (sources.ODI,), band=band, entered=entered
    )


_ICIQ_BANDS = ((5, "slight"), (12, "moderate"), (18, "severe"), (21, "very severe"))
_ODI_BANDS = ((20, "minimal"), (40, "moderate"), (60, "severe"), (80, "crippled"), (100, "bed-bound"))


def pfdi20(
    *, udi6: object = None, cradi8: object = None, popdi6: object = None, total: object = None
) -> InstrumentScore:
    """PFDI-20 from its three scales, each as item answers (0 = no, 1-4 = yes and how bothersome) or as its
    0-100 score; or the total alone (0-300). Scale score = mean of its items x 25. No severity bands exist."""
    scales = {"udi6": udi6, "cradi8": cradi8, "popdi6": popdi6}
    if total is not None:
        if any(v is not None for v in scales.values()):
            raise InstrumentError("pfdi20: give either the three scales or total, not both")
        value = _number("pfdi20.total", total, 0, 300)
        return InstrumentScore("pfdi20", "PFDI-20", value, 0, 300, "points", (sources.PFDI,), entered={"total": value})
    missing = [name for name, v in scales.items() if v is None]
    if missing:
        raise InstrumentError(
            f"pfdi20: give all three scales (udi6, cradi8, popdi6) or total; missing {', '.join(missing)}"
        )
    subscales: list[Subscale] = []
    entered: dict[str, object] = {}
    for name, v in scales.items():
        if isinstance(v, list | tuple):
            items = _whole_list(f"pfdi20.{name}", v, PFDI_SCALES[name][1], 0, 4)
            score = 25 * sum(items) / len(items)
            entered[name] = items
        else:
            score = _number(f"pfdi20.{name}", v, 0, 100)
            entered[name] = score
        subscales.append(Subscale(PFDI_SCALES[name][0], score, 0, 100))
    total_value = sum(s.value for s in subscales)
    return InstrumentScore(
        "pfdi20", "PFDI-20", total_value, 0, 300, "points", (sources.PFDI,), subscales=tuple(subscales), entered=entered
    )


_SCORERS: dict[str, tuple[Callable[..., InstrumentScore], tuple[str, ...]]] = {
    "start_back": (start_back, ("items", "bothersome")),
    "mrs": (mrs, ("items", "total")),
    "iciq_ui_sf": (iciq_ui_sf, ("frequency", "amount", "interference", "total")),
    "odi": (odi, ("sections", "percent")),
    "pfdi20": (pfdi20, ("udi6", "cradi8", "popdi6", "total")),
}


def score_entered(key: object, obj: object) -> InstrumentScore:
    """Score one entered instrument from decoded JSON: ``key`` is one of :data:`ENTERED_KEYS`, ``obj`` an object
    of that instrument's fields (``{"total": 12}``, ``{"items": [...]}``...).

    Raises
    ------
    InstrumentError
        For an unknown instrument or field, a value of the wrong type, out of range, or inconsistent.
    """
    if not isinstance(key, str) or key not in _SCORERS:
        raise InstrumentError(f"unknown instrument {_show(key)} (known: {', '.join(ENTERED_KEYS)})")
    if not isinstance(obj, dict):
        raise InstrumentError(f"{key}: expected an object of fields, got {_show(obj)}")
    scorer, fields = _SCORERS[str(key)]
    unknown = [k for k in obj if k not in fields]
    if unknown:
        raise InstrumentError(f"{key}: unknown field {_show(unknown[0])} (expected: {', '.join(fields)})")
    return scorer(**{k: obj.get(k) for k in fields})


def _exactly_one(what: str, **options: object) -> str:
    given = [name for name, value in options.items() if value is not None]
    if len(given) != 1:
        raise InstrumentError(f"{what}: give exactly one of {' or '.join(options)}, got {len(given)}")
    return given[0]


def _whole(what: str, value: object, low: int, high: int) -> int:
    number = _number(what, value, low, high, kind="a whole number")
    if number != int(number):
        raise InstrumentError(f"{what}: expected a whole number {low}-{high}, got {_show(value)}")
    return int(number)


def _number(what: str, value: object, low: float, high: float, *, kind: str = "a number") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InstrumentError(f"{what}: expected {kind} {low:g}-{high:g}, got {_show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InstrumentError(f"{what}: expected a finite number {low:g}-{high:g}, got {_show(value)}")
    if not low <= value <= high:  # compared before any float conversion: an enormous integer is just out of range
        raise InstrumentError(f"{what}: must be {low:g}-{high:g}, got {_show(value)}")
    return float(value)


def _whole_list(what: str, values: object, n: int, low: int, high: int) -> list[int]:
    if not isinstance(values, list | tuple) or len(values) != n:
        raise InstrumentError(f"{what}: expected {n} whole numbers {low}-{high}, got {_show(values)}")
    return [_whole(f"{what}[{k}]", v, low, high) for k, v in enumerate(values)]


__all__ = [
    "BOTHERSOME",
    "ENTERED_KEYS",
    "START_BACK_ITEM_9",
    "START_BACK_NOTICE",
    "InstrumentError",
    "InstrumentKey",
    "InstrumentScore",
    "Subscale",
    "iciq_ui_sf",
    "important_pain_change",
    "mrs",
    "nprs",
    "odi",
    "peg3",
    "pfdi20",
    "score_entered",
    "start_back",
]
