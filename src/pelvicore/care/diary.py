"""The symptom diary: one short entry a day, and whether an entry reports something new that needs triage.

An entry holds pain 0-10 (NPRS), PEG-3, where it hurts (a simple body map), stiffness, leaking, sleep, any new
warning sign she ticks (the triage answer keys of :mod:`pelvicore.care.answers`) and optional instrument scores.
:func:`new_flags` compares an entry with the ones before it and builds the :class:`TriageAnswers` to run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Literal, get_args

from pelvicore.care._json import load_json, parse_date, unknown_field
from pelvicore.care._json import show as _show
from pelvicore.care.answers import YES_NO_KEYS, TriageAnswers
from pelvicore.care.instruments import InstrumentError, InstrumentScore, nprs, peg3, score_entered
from pelvicore.care.profile import CareProfile
from pelvicore.care.triage import PERSISTENT_PAIN_WEEKS
from pelvicore.errors import PelvicoreError

Region = Literal["lower_back", "mid_back", "radiating_hips_legs", "tailbone"]
Stiffness = Literal["none", "morning", "all_day"]
REGIONS: tuple[str, ...] = get_args(Region)
STIFFNESS: tuple[str, ...] = get_args(Stiffness)

# Warning signs an entry may report as new today: the triage yes/no keys that describe a change, not a history.
SIGN_LABELS: dict[str, str] = {
    "saddle_numbness": "numbness or changed feeling around the bottom or inner thighs",
    "genital_numbness": "numbness of the genitals",
    "new_bladder_problem": "a new problem with bladder control",
    "new_bowel_incontinence": "new loss of bowel control",
    "leg_weakness_worsening": "leg weakness or numbness that is getting worse",
    "pain_both_legs": "pain down both legs",
    "major_trauma": "a major injury",
    "minor_trauma_or_fall": "a minor injury or a fall",
    "height_loss_or_stoop": "loss of height or a new stoop",
    "unexplained_weight_loss": "weight loss without a reason",
    "night_pain_unrelieved": "night pain that does not ease when you change position",
    "fever": "fever, chills or shivering fits",
}

# What to ask her when an entry suggests a red flag it cannot settle alone (DiaryFlags.confirm).
CONFIRM_QUESTIONS: dict[str, str] = {
    "radiating_leg_pain_with_numbness": "Do you have tingling or numbness with the pain in your hips or legs?",
    "new_bladder_problem": (
        "Is this a new problem with your bladder: trouble starting or stopping, not feeling when it is full, "
        "or leaking that is new for you?"
    ),
}

MAX_LEAKS_PER_DAY = 100
LOOKBACK_DAYS = 28  # "new" = not reported in the previous four weeks of entries
MAX_GAP_DAYS = 7  # a pain run ends at a pain-free entry or a week without entries
IMPORTANT_CHANGE = 2  # NPRS minimal important change: a drop this large counts as getting better


class DiaryError(PelvicoreError):
    """A diary entry field of the wrong type, out of range, or unknown."""


@dataclass(frozen=True, slots=True)
class DiaryEntry:
    """One day's diary entry; every field but the date is optional.

    Parameters
    ----------
    date : datetime.date
    pain : int
        NPRS 0-10 today.
    peg : (int, int, int)
        PEG-3 items 0-10: pain, interference with enjoyment of life, with general activity (past week).
    where : tuple of str
        Any of :data:`REGIONS`: ``lower_back``, ``mid_back``, ``radiating_hips_legs``, ``tailbone``.
    stiffness : {"none", "morning", "all_day"}
    leg_tingling_or_numbness : bool
        Tingling or numbness in the hips or legs.
    leaking_episodes : int
        Times she leaked urine today, 0-100.
    sleep_hours : float
        Hours slept last night, 0-24.
    signs : tuple of str
        New warning signs today, keys of :data:`SIGN_LABELS`.
    instruments : tuple of InstrumentScore
        Entered questionnaire scores (STarT Back, MRS, ICIQ-UI SF, ODI, PFDI-20), at most one each.
    """

    date: dt.date
    pain: int | None = None
    peg: tuple[int, int, int] | None = None
    where: tuple[Region, ...] = ()
    stiffness: Stiffness | None = None
    leg_tingling_or_numbness: bool = False
    leaking_episodes: int | None = None
    sleep_hours: float | None = None
    signs: tuple[str, ...] = ()
    instruments: tuple[InstrumentScore, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.date, dt.date) or isinstance(self.date, dt.datetime):
            raise DiaryError(f"date: expected a calendar date, got {self.date!r}")
        if self.pain is not None:
            object.__setattr__(self, "pain", int(_scored("", lambda: nprs(self.pain)).value))
        if self.peg is not None:
            if not isinstance(self.peg, tuple | list) or len(self.peg) != 3:
                raise DiaryError(f"peg: expected 3 items 0-10 (pain, enjoyment, activity), got {_show(self.peg)}")
            items = self.peg
            _scored("peg.", lambda: peg3(*items))
            object.__setattr__(self, "peg", tuple(int(v) for v in items))
        object.__setattr__(self, "where", _choices("where", self.where, REGIONS))
        object.__setattr__(self, "signs", _choices("signs", self.signs, tuple(SIGN_LABELS)))
        if self.stiffness is not None and self.stiffness not in STIFFNESS:
            raise DiaryError(f"stiffness: expected one of {', '.join(STIFFNESS)}, got {_show(self.stiffness)}")
        if not isinstance(self.leg_tingling_or_numbness, bool):
            raise DiaryError(
                f"leg_tingling_or_numbness: expected true or false, got {_show(self.leg_tingling_or_numbness)}"
            )
        if self.leaking_episodes is not None:
            leaks = _check_range("leaking_episodes", self.leaking_episodes, 0, MAX_LEAKS_PER_DAY, whole=True)
            object.__setattr__(self, "leaking_episodes", int(leaks))
        if self.sleep_hours is not None:
            _check_range("sleep_hours", self.sleep_hours, 0, 24)
        if not isinstance(self.instruments, tuple) or not all(isinstance(s, InstrumentScore) for s in self.instruments):
            raise DiaryError("instruments: expected a tuple of scored instruments (see pelvicore.care.instruments)")
        keys = [s.instrument for s in self.instruments]
        if len(set(keys)) != len(keys):
            raise DiaryError(f"instruments: each instrument at most once a day, got {', '.join(keys)}")

    def is_empty(self) -> bool:
        """True when the entry says nothing but its date."""
        return self == DiaryEntry(self.date)

    def pain_score(self) -> InstrumentScore | None:
        return None if self.pain is None else nprs(self.pain)

    def peg_score(self) -> InstrumentScore | None:
        return None if self.peg is None else peg3(*self.peg)

    def instrument(self, key: str) -> InstrumentScore | None:
        return next((s for s in self.instruments if s.instrument == key), None)

    def to_dict(self) -> dict[str, object]:
        """The entry as JSON values, fields left out when empty; :func:`parse_entry` reads it back."""
        out: dict[str, object] = {"date": self.date.isoformat()}
        for f in fields(self)[1:]:
            value = getattr(self, f.name)
            if f.name == "instruments":
                value = {s.instrument: dict(s.entered) for s in value}
            if value is not None and value is not False and value != () and value != {}:  # 0 is kept: no pain
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


ENTRY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(DiaryEntry))


@dataclass(frozen=True, slots=True)
class DiaryFlags:
    """Whether a diary entry reports something new to triage, why, and the answers to triage with.

    ``confirm`` lists triage answer keys the entry suggests but cannot settle alone (new leaking might be a new
    loss of bladder control): ask her, then set them in ``answers`` before running triage.
    """

    triage: bool
    reasons: tuple[str, ...]
    answers: TriageAnswers
    confirm: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Whether to triage, why, the yes answers and numbers known, and what to ask her to confirm."""
        known = {k: v for k, v in asdict(self.answers).items() if v is not None and v is not False}
        return {
            "triage": self.triage,
            "reasons": list(self.reasons),
            "answers": known,
            "confirm": [{"key": k, "question": CONFIRM_QUESTIONS[k]} for k in self.confirm],
        }


def new_flags(
    entry: DiaryEntry, previous_entries: Iterable[DiaryEntry], *, profile: CareProfile | None = None
) -> DiaryFlags:
    """Decide whether ``entry`` reports something new that should trigger red-flag triage.

    New means: a warning sign ticked today (always); pain spreading to the hips or legs, or with tingling or
    numbness, not reported in the previous 4 weeks; leaking after 4 weeks of entries without any (unless her
    profile says it is long-standing); pain reaching about a month without a 2-point improvement (NPRS).
    The answers also carry her history from ``profile`` (age, osteoporosis, steroids, cancer).

    Red flags: NICE NG59 / NICE CKS; the persistent-pain and radiating-pain rules of :mod:`pelvicore.care.triage`.
    """
    before = sorted((e for e in previous_entries if e.date < entry.date), key=lambda e: e.date)
    recent = [e for e in before if (entry.date - e.date).days <= LOOKBACK_DAYS]
    answers = profile.triage_answers() if profile is not None else TriageAnswers()
    reasons = [f"You reported {SIGN_LABELS[s]}." for s in entry.signs]
    set_true = set(entry.signs)
    confirm: list[str] = []

    radiating = "radiating_hips_legs" in entry.where
    if radiating and entry.leg_tingling_or_numbness:
        set_true.add("radiating_leg_pain_with_numbness")
    if radiating and not any("radiating_hips_legs" in e.where for e in recent):
        reasons.append("Pain spreading to your hips or legs is new in your diary.")
        if not entry.leg_tingling_or_numbness:
            confirm.append("radiating_leg_pain_with_numbness")
    elif radiating and entry.leg_tingling_or_numbness and not any(_radiating_numb(e) for e in recent):
        reasons.append("Tingling or numbness with pain spreading to your hips or legs is new in your diary.")

    leak_days = [e.leaking_episodes for e in recent if e.leaking_episodes is not None]
    longstanding = answers.stress_incontinence_longstanding
    if entry.leaking_episodes and leak_days and not any(leak_days) and not longstanding:
        reasons.append("Leaking is new: your diary had none in the weeks before.")
        if "new_bladder_problem" not in set_true:
            confirm.append("new_bladder_problem")

    pain_weeks = _unimproved_pain_weeks([*before, entry])
    if pain_weeks is not None and pain_weeks >= PERSISTENT_PAIN_WEEKS:
        previous = _unimproved_pain_weeks(before) if before else None
        if previous is None or previous < PERSISTENT_PAIN_WEEKS:
            reasons.append(f"Back pain for {pain_weeks:.0f} weeks in your diary without getting better.")

    answers = replace(answers, **{k: True for k in set_true})
    if pain_weeks is not None:
        answers = replace(answers, pain_weeks=max(pain_weeks, answers.pain_weeks or 0.0))
    return DiaryFlags(bool(reasons), tuple(reasons), answers, tuple(confirm))


def latest_flags(entries: Sequence[DiaryEntry], *, profile: CareProfile | None = None) -> DiaryFlags | None:
    """:func:`new_flags` for the latest of ``entries`` against the rest; ``None`` for an empty diary."""
    if not entries:
        return None
    ordered = sorted(entries, key=lambda e: e.date)
    return new_flags(ordered[-1], ordered[:-1], profile=profile)


def combine_answers(*answers: TriageAnswers) -> TriageAnswers:
    """One set of answers from several: a yes anywhere is a yes; the first known age; the longest pain."""
    yes = {k: any(getattr(a, k) for a in answers) for k in YES_NO_KEYS}
    age = next((a.age for a in answers if a.age is not None), None)
    weeks = [a.pain_weeks for a in answers if a.pain_weeks is not None]
    return TriageAnswers(age=age, pain_weeks=max(weeks) if weeks else None, **yes)


def parse_entry(obj: object) -> DiaryEntry:
    """Check one decoded JSON diary entry and build it.

    Example: ``{"date": "2025-03-03", "pain": 4, "peg": [4, 3, 5], "where": ["lower_back"],
    "stiffness": "morning", "leaking_episodes": 1, "sleep_hours": 6.5, "instruments": {"odi": {"percent": 22}}}``.

    Raises
    ------
    DiaryError
        Naming the field: unknown, of the wrong type, or out of range.
    """
    if not isinstance(obj, dict):
        raise DiaryError(
            f'an entry must be a JSON object such as {{"date": "2025-03-03", "pain": 4}}, got {_show(obj)}'
        )
    for key in obj:
        if key not in ENTRY_FIELDS:
            raise DiaryError(unknown_field(key, ENTRY_FIELDS, "diary field"))
    values: dict[str, object] = {k: v for k, v in obj.items() if v is not None}
    values["date"] = parse_date("date", obj.get("date"), DiaryError)
    for key in ("peg", "where", "signs"):
        if key in values:
            if not isinstance(values[key], list):
                raise DiaryError(f"{key}: expected a list, got {_show(values[key])}")
            values[key] = tuple(values[key])  # type: ignore[arg-type]
    if "instruments" in values:
        scores = values["instruments"]
        if not isinstance(scores, dict):
            raise DiaryError(
                f'instruments: expected an object such as {{"odi": {{"percent": 22}}}}, got {_show(scores)}'
            )
        try:
            values["instruments"] = tuple(score_entered(k, v) for k, v in scores.items())
        except InstrumentError as exc:
            raise DiaryError(f"instruments: {exc}") from None
    return DiaryEntry(**values)  # type: ignore[arg-type]  # __post_init__ checks every value


def parse_diary(obj: object) -> tuple[DiaryEntry, ...]:
    """Check a decoded JSON diary (a list of entries, one per date) and return the entries by date.

    Errors name the entry (its number from 1) and the field.
    """
    if not isinstance(obj, list):
        raise DiaryError(f'a diary must be a JSON list of entries such as [{{"date": "2025-03-03"}}], got {_show(obj)}')
    entries = []
    for number, item in enumerate(obj, start=1):
        try:
            entries.append(parse_entry(item))
        except DiaryError as exc:
            raise DiaryError(f"entry {number}: {exc}") from None
    seen: set[dt.date] = set()
    for number, e in enumerate(entries, start=1):
        if e.date in seen:
            raise DiaryError(f"entry {number}: a second entry for {e.date.isoformat()} (one entry per day)")
        seen.add(e.date)
    return tuple(sorted(entries, key=lambda e: e.date))


def diary_from_json(text: str) -> tuple[DiaryEntry, ...]:
    """Parse the text of a diary file; invalid JSON raises :class:`DiaryError` with the line and column."""
    return parse_diary(load_json(text, DiaryError))


def _radiating_numb(e: DiaryEntry) -> bool:
    return "radiating_hips_legs" in e.where and e.leg_tingling_or_numbness


def pain_run(entries: Sequence[DiaryEntry]) -> list[DiaryEntry]:
    """The latest run of painful entries, newest first (empty when the latest pain score is 0 or absent).

    Going back, the run ends at a pain-free entry or a gap of more than a week; entries without a pain score are
    skipped. ``entries`` must be in date order.
    """
    scored = [e for e in entries if e.pain is not None]
    if not scored or not scored[-1].pain:
        return []
    run = [scored[-1]]
    for e in reversed(scored[:-1]):
        if not e.pain or (run[-1].date - e.date).days > MAX_GAP_DAYS:
            break
        run.append(e)
    return run


def _unimproved_pain_weeks(entries: Sequence[DiaryEntry]) -> float | None:
    """How long the latest pain run has lasted, in weeks, unless its last week is 2 points or more below its first."""
    run = pain_run(entries)
    if not run:
        return None
    first, last = run[-1].date, run[0].date
    early = [e.pain or 0 for e in run if (e.date - first).days < 7]
    late = [e.pain or 0 for e in run if (last - e.date).days < 7]
    if sum(early) / len(early) - sum(late) / len(late) >= IMPORTANT_CHANGE:
        return None
    return (last - first).days / 7


def _choices(what: str, values: object, known: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(values, tuple | list):
        raise DiaryError(f"{what}: expected a list of {', '.join(known)}, got {_show(values)}")
    for v in values:
        if not isinstance(v, str) or v not in known:
            raise DiaryError(f"{what}: unknown value {_show(v)} (known: {', '.join(known)})")
    return tuple(k for k in known if k in values)  # one order, no repeats


def _check_range(what: str, value: object, low: float, high: float, *, whole: bool = False) -> float:
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DiaryError(f"{what}: expected {kind} {low:g}-{high:g}, got {_show(value)}")
    if not low <= value <= high:  # NaN fails this too; an enormous integer is simply out of range
        raise DiaryError(f"{what}: must be {low:g}-{high:g}, got {_show(value)}")
    if whole and value != int(value):
        raise DiaryError(f"{what}: expected {kind} {low:g}-{high:g}, got {_show(value)}")
    return float(value)


def _scored(prefix: str, score: Callable[[], InstrumentScore]) -> InstrumentScore:
    try:
        return score()
    except InstrumentError as exc:
        raise DiaryError(f"{prefix}{exc}") from None


__all__ = [
    "CONFIRM_QUESTIONS",
    "ENTRY_FIELDS",
    "REGIONS",
    "SIGN_LABELS",
    "STIFFNESS",
    "DiaryEntry",
    "DiaryError",
    "DiaryFlags",
    "Region",
    "Stiffness",
    "combine_answers",
    "diary_from_json",
    "latest_flags",
    "new_flags",
    "pain_run",
    "parse_diary",
    "parse_entry",
]
