"""Published reference values the assessments compare against, each with its source.

Glazer sEMG norms: Oleksy et al. 2020, Medicine 99(5):e19060 — means ± SD in uV of 96 nulliparous women aged
22-27. Absolute amplitudes depend on the device and processing (another cohort, Kasper-Jedrzejewska et al. 2025,
Med Sci Monit 31:e950086, had RMS medians of 2.40 / 6.83 / 6.99 uV), so pelvicore also reports every amplitude as
% of the person's own maximum.
Squeeze-pressure classes: Angelo et al. 2017, PLoS ONE 12(10):e0187045 (n = 288), maximum squeeze above rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GLAZER_SOURCE = "Glazer protocol: Oleksy et al. 2021, IJERPH 18(2):765"
NU_TEK_SOURCE = "Windows exclude their first second: Glazer / Nu-Tek convention (Nu-Tek Levator Elite manual)"
OLEKSY_2020 = "Oleksy et al. 2020, Medicine 99(5):e19060 (96 nulliparous women, 22-27 y)"
DEVICE_CAVEAT = (
    "Absolute sEMG amplitudes depend on device and processing (Kasper-Jedrzejewska et al. 2025, "
    "Med Sci Monit 31:e950086): compare the values normalised to the maximum"
)
ANGELO_2017 = "Angelo et al. 2017, PLoS ONE 12(10):e0187045 (maximum squeeze pressure above rest, n = 288)"
PERFECT_SOURCE = "PERFECT scheme: Laycock & Jerwood 2001, Physiotherapy 87(12):631-642"
KNACK_SOURCE = "The Knack (a pelvic-floor contraction before and during a cough): Miller et al. 1998"
DOWN_TRAINING_SOURCE = (
    "Resting tone and release time as measures of down-training: Glazer 1995 (home sEMG biofeedback, "
    "resting tension -68 %)"
)


@dataclass(frozen=True, slots=True)
class Norm:
    """A published mean ± SD, in ``unit``."""

    mean: float
    sd: float
    unit: str
    source: str

    def compare(self, value: float | None) -> dict[str, object]:
        """``value`` against the norm: z-score and whether it lies below, within or above mean ± 1 SD."""
        if value is None:
            return {"value": None, "norm_mean": self.mean, "norm_sd": self.sd, "z": None, "position": None}
        z = (value - self.mean) / self.sd
        position = "below" if z < -1 else "above" if z > 1 else "within"
        return {
            "value": round(value, 2),
            "norm_mean": self.mean,
            "norm_sd": self.sd,
            "z": round(z, 2),
            "position": position,
            "unit": self.unit,
            "source": self.source,
        }


#: Glazer phase -> normative mean ± SD, uV (Oleksy 2020). ``flicks`` is the paper's "phasic" phase.
GLAZER_NORMS_UV: dict[str, Norm] = {
    "pre_rest": Norm(6.26, 3.33, "uV", OLEKSY_2020),
    "flicks": Norm(49.76, 26.44, "uV", OLEKSY_2020),
    "tonic": Norm(37.05, 25.99, "uV", OLEKSY_2020),
    "endurance": Norm(16.10, 6.68, "uV", OLEKSY_2020),
    "post_rest": Norm(6.93, 3.99, "uV", OLEKSY_2020),
}

PowerClass = Literal["very weak", "weak", "moderate", "good", "strong"]

#: Lower bound, cmH2O above rest, of each Angelo 2017 class: 7.5-14.5 very weak, 14.6-26.5 weak,
#: 26.6-41.5 moderate, 41.6-60.5 good, > 60.6 strong. A value in a 0.1 cmH2O gap between two published
#: ranges joins the lower class.
POWER_CLASSES: tuple[tuple[float, PowerClass], ...] = (
    (60.6, "strong"),
    (41.6, "good"),
    (26.6, "moderate"),
    (14.6, "weak"),
    (7.5, "very weak"),
)
#: Below this no class applies: no measurable contraction (Angelo 2017's lowest class starts here).
MIN_MEASURABLE_CMH2O = 7.5
#: Angelo 2017 sample: mean ± SD maximum squeeze, cmH2O.
ANGELO_MEAN_CMH2O = Norm(35.1, 22.7, "cmH2O", ANGELO_2017)


def power_class(power_cmh2o: float | None) -> PowerClass | None:
    """Angelo 2017 class of a maximum squeeze above rest (cmH2O); ``None`` below 7.5 cmH2O or without one."""
    if power_cmh2o is None:
        return None
    for lower, name in POWER_CLASSES:
        if power_cmh2o >= lower:
            return name
    return None
