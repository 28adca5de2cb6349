"""Her care profile: age, body, menopause, history, goals and trainer — every field optional.

A feature that needs a field says so: :meth:`CareProfile.needs` lists what is missing (bone screening needs age
and weight; body-mass index needs weight and height). Values are checked on construction, so a profile can never
hold an absurd number; :func:`parse_profile` also checks the JSON types and names the field of any mistake.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Literal, get_args

from pelvicore.care._json import load_json, unknown_field
from pelvicore.care._json import show as _show
from pelvicore.care.answers import TriageAnswers
from pelvicore.errors import PelvicoreError

MenopauseStatus = Literal["pre", "peri", "post", "unsure"]
Goal = Literal[
    "less_back_pain", "less_leaking", "stronger_pelvic_floor", "bone_health", "better_sleep", "healthy_weight",
    "stay_active",
]  # fmt: skip
Feature = Literal["bone", "bmi", "plan", "triage", "diary", "insight"]

MENOPAUSE_STATUSES: tuple[str, ...] = get_args(MenopauseStatus)
GOALS: tuple[str, ...] = get_args(Goal)
OTHER_DEVICES = ("simulator", "none")

# The same adult ranges as bone screening (pelvicore.care.bone), so any complete profile can be screened.
AGE_YEARS = (18, 120)
WEIGHT_KG = (25.0, 300.0)
HEIGHT_CM = (100.0, 250.0)
CALCIUM_MG_PER_DAY = (0.0, 10_000.0)
VITAMIN_D_IU_PER_DAY = (0.0, 100_000.0)
SITTING_HOURS_PER_DAY = (0.0, 24.0)
DRINKS_L_PER_DAY = (0.0, 15.0)

FEATURE_NEEDS: dict[Feature, tuple[str, ...]] = {
    "bone": ("age", "weight_kg"),  # OST and ORAI (care.bone)
    "bmi": ("weight_kg", "height_cm"),
    "plan": (),  # tailored by whatever is known
    "triage": (),  # absent answers count as no
    "diary": (),
    "insight": (),
}


class ProfileError(PelvicoreError):
    """A profile field of the wrong type or out of its range, or an unknown field."""


@dataclass(frozen=True, slots=True)
class CareProfile:
    """Everything pelvicore may know about her, each field optional (``None`` = not given).

    Parameters
    ----------
    age : int
        Whole years, 18-120.
    weight_kg, height_cm : float
        Body weight 25-300 kg; height 100-250 cm.
    menopause_status : {"pre", "peri", "post", "unsure"}
    hormone_therapy : bool
        Takes menopausal hormone therapy (oestrogen) now.
    osteoporosis, fractures, steroids, cancer : bool
        History: osteoporosis; a bone broken in a minor fall or injury as an adult; long-term corticosteroid
        tablets; cancer at any time.
    stress_incontinence_longstanding : bool
        Has leaked on coughing, sneezing or lifting for a long time (not new).
    goals : tuple of str
        Any of :data:`GOALS`.
    device : str
        Her trainer's profile name (``perifit``, ``elvie``...), ``simulator`` or ``none``.
    calcium_mg_per_day, vitamin_d_iu_per_day, sitting_hours_per_day, drinks_l_per_day : float
        Her own estimates, used to tailor the self-care plan.
    """

    age: int | None = None
    weight_kg: float | None = None
    height_cm: float | None = None
    menopause_status: MenopauseStatus | None = None
    hormone_therapy: bool | None = None
    osteoporosis: bool | None = None
    fractures: bool | None = None
    steroids: bool | None = None
    cancer: bool | None = None
    stress_incontinence_longstanding: bool | None = None
    goals: tuple[Goal, ...] = ()
    device: str | None = None
    calcium_mg_per_day: float | None = None
    vitamin_d_iu_per_day: float | None = None
    sitting_hours_per_day: float | None = None
    drinks_l_per_day: float | None = None

    def __post_init__(self) -> None:
        if self.age is not None:
            _check_number("age", self.age, AGE_YEARS, whole=True)
            object.__setattr__(self, "age", int(self.age))  # 58.0 from JSON is 58
        for name, limits in _NUMBER_FIELDS.items():
            _check_number(name, getattr(self, name), limits)
        for name in _YES_NO_FIELDS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                raise ProfileError(f"{name}: expected true or false, got {_show(value)}")
        if self.menopause_status is not None and self.menopause_status not in MENOPAUSE_STATUSES:
            raise ProfileError(
                f"menopause_status: expected one of {', '.join(MENOPAUSE_STATUSES)}, got {_show(self.menopause_status)}"
            )
        _check_goals(self.goals)
        if self.device is not None:
            _check_device(self.device)

    def bmi(self) -> float | None:
        """Body-mass index, kg/m², when weight and height are known."""
        if self.weight_kg is None or self.height_cm is None:
            return None
        return self.weight_kg / (self.height_cm / 100) ** 2

    def needs(self, feature: Feature) -> list[str]:
        """The fields ``feature`` needs that this profile does not have yet (empty when it can run)."""
        if feature not in FEATURE_NEEDS:
            raise ProfileError(f"unknown feature {_show(feature)} (known: {', '.join(FEATURE_NEEDS)})")
        return [name for name in FEATURE_NEEDS[feature] if getattr(self, name) is None]

    def triage_answers(self) -> TriageAnswers:
        """Her history as red-flag answers (age, osteoporosis, steroids, cancer, long-standing leaking)."""
        return TriageAnswers(
            age=self.age,
            osteoporosis=bool(self.osteoporosis),
            long_term_steroids=bool(self.steroids),
            cancer_history=bool(self.cancer),
            stress_incontinence_longstanding=bool(self.stress_incontinence_longstanding),
        )

    def to_dict(self) -> dict[str, object]:
        """The given fields as JSON values (``None`` fields left out); :func:`parse_profile` reads it back."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and value != ():
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


PROFILE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(CareProfile))
_NUMBER_FIELDS: dict[str, tuple[float, float]] = {
    "weight_kg": WEIGHT_KG,
    "height_cm": HEIGHT_CM,
    "calcium_mg_per_day": CALCIUM_MG_PER_DAY,
    "vitamin_d_iu_per_day": VITAMIN_D_IU_PER_DAY,
    "sitting_hours_per_day": SITTING_HOURS_PER_DAY,
    "drinks_l_per_day": DRINKS_L_PER_DAY,
}
_YES_NO_FIELDS = (
    "hormone_therapy",
    "osteoporosis",
    "fractures",
    "steroids",
    "cancer",
    "stress_incontinence_longstanding",
)


def parse_profile(obj: object) -> CareProfile:
    """Check a decoded JSON profile (an object of known fields; ``null`` = not given) and build it.

    Raises
    ------
    ProfileError
        Naming the field: an unknown field, a wrong type (``"62"`` for the age), or an absurd value.
    """
    if not isinstance(obj, dict):
        raise ProfileError(f'a profile must be a JSON object such as {{"age": 58, "weight_kg": 64}}, got {_show(obj)}')
    values: dict[str, object] = {}
    for key, value in obj.items():
        if not isinstance(key, str) or key not in PROFILE_FIELDS:
            raise ProfileError(unknown_field(key, PROFILE_FIELDS, "profile field"))
        if value is None:
            continue
        if key == "goals":
            if not isinstance(value, list):
                raise ProfileError(f'goals: expected a list such as ["less_back_pain"], got {_show(value)}')
            value = tuple(value)
        values[key] = value
    return CareProfile(**values)  # type: ignore[arg-type]  # __post_init__ checks every value


def profile_from_json(text: str) -> CareProfile:
    """Parse the text of a profile file; invalid JSON raises :class:`ProfileError` with the line and column."""
    return parse_profile(load_json(text, ProfileError))


def _check_number(name: str, value: object, limits: tuple[float, float], *, whole: bool = False) -> None:
    if value is None:
        return
    low, high = limits
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProfileError(f"{name}: expected {kind} {low:g}-{high:g}, got {_show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ProfileError(f"{name}: expected a finite number {low:g}-{high:g}, got {_show(value)}")
    if not low <= value <= high:
        raise ProfileError(f"{name}: must be {low:g}-{high:g}, got {_show(value)}")
    if whole and value != int(value):
        raise ProfileError(f"{name}: expected whole years such as 58, got {_show(value)}")


def _check_goals(goals: object) -> None:
    if not isinstance(goals, tuple):
        raise ProfileError(f"goals: expected a list of goals, got {_show(goals)}")
    for goal in goals:
        if not isinstance(goal, str) or goal not in GOALS:
            raise ProfileError(f"goals: unknown goal {_show(goal)} (known: {', '.join(GOALS)})")
    if len(set(goals)) != len(goals):
        raise ProfileError("goals: each goal only once")


def _check_device(device: object) -> None:
    from pelvicore.devices.profiles import PROFILES  # only when a device is given: keeps profile imports light

    known = (*PROFILES, *OTHER_DEVICES)
    if not isinstance(device, str) or device not in known:
        raise ProfileError(f"device: expected one of {', '.join(known)}, got {_show(device)}")


__all__ = [
    "FEATURE_NEEDS",
    "GOALS",
    "MENOPAUSE_STATUSES",
    "PROFILE_FIELDS",
    "CareProfile",
    "Feature",
    "Goal",
    "MenopauseStatus",
    "ProfileError",
    "parse_profile",
    "profile_from_json",
]
