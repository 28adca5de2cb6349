"""Payloads a trainer would send for a pressure, per profile: the inverse of each profile's ``decode``.

Virtual trainers use these to serve recorded-looking bytes from a simulated session. Each raw device gets a
plausible scale (counts per cmH2O and a resting offset) inside the range its protocol notes report: Perifit up
to about 0x1400, kGoal Boost 0-2000, Elvie about 9-21 in use. femfit and the open profile have real units.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass

from pelvicore.devices.profiles import open, perifit

PA_PER_CMH2O = 98.0665
ATMOSPHERE_PA = 101_325.0


@dataclass(frozen=True, slots=True)
class RawScale:
    """counts = offset + per_cmh2o x pressure, clipped to ``top`` (the sensor saturates there)."""

    offset: float
    per_cmh2o: float
    top: int

    def counts(self, cmh2o: float) -> int:
        value = self.offset + self.per_cmh2o * cmh2o
        return int(min(self.top, max(0, round(value)))) if math.isfinite(value) else 0


PERIFIT = RawScale(300.0, 40.0, perifit.SATURATION)
KGOAL = RawScale(200.0, 20.0, 0xFFFF)
KGOAL_BOOST = RawScale(100.0, 15.0, 2000)
ELVIE = RawScale(9.0, 0.25, 0xFF)
MAGIC_MOTION = RawScale(100.0, 15.0, 0xFFFF)


def _u16(value: int) -> bytes:
    return value.to_bytes(2, "big")


def perifit_payload(floor: float, abdomen: float) -> bytes:
    return _u16(PERIFIT.counts(floor)) + _u16(PERIFIT.counts(abdomen))


def kgoal_payload(floor: float, abdomen: float) -> bytes:
    raw = KGOAL.counts(floor)
    return b"\x00\x01\x04" + _u16(max(0, raw - int(KGOAL.offset))) + _u16(raw) + bytes(12)


def kgoal_boost_payload(floor: float, abdomen: float) -> bytes:
    raw = KGOAL_BOOST.counts(floor)
    normalized = round(2000 * max(0, raw - KGOAL_BOOST.offset) / (KGOAL_BOOST.top - KGOAL_BOOST.offset))
    return b"\x00\x01\x04" + _u16(normalized) + _u16(raw)


def elvie_payload(floor: float, abdomen: float) -> bytes:
    return bytes(5) + bytes([ELVIE.counts(floor)]) + bytes(2)


def magic_motion_payload(floor: float, abdomen: float) -> bytes:
    return _u16(MAGIC_MOTION.counts(floor))


#: Single-sample encoders: (floor cmH2O, abdomen cmH2O) -> payload.
ENCODERS: dict[str, Callable[[float, float], bytes]] = {
    "perifit": perifit_payload,
    "kgoal": kgoal_payload,
    "kgoal-boost": kgoal_boost_payload,
    "elvie": elvie_payload,
    "magic-motion": magic_motion_payload,
}


def open_payload(counter: int, samples: list[tuple[float, float]]) -> bytes:
    """An open-profile notification of several (floor, abdomen) cmH2O samples, sent in Pa."""
    return open.encode(counter, [(round(f * PA_PER_CMH2O), round(a * PA_PER_CMH2O)) for f, a in samples])


def femfit_zone_pa(floor: float, abdomen: float) -> list[float]:
    """Absolute pressure of the eight zones: 1-4 at the muscle, 7-8 deepest (abdominal), 5-6 between."""
    mid = (floor + abdomen) / 2
    return [ATMOSPHERE_PA + PA_PER_CMH2O * p for p in (floor, floor, floor, floor, mid, mid, abdomen, abdomen)]


def femfit_payloads(samples: list[tuple[float, float]]) -> list[bytes]:
    """Three (floor, abdomen) samples -> the four notifications, sensor pairs 1-2 ... 7-8."""
    if len(samples) != 3:
        raise ValueError("a femfit notification carries three samples per sensor")
    zones = [femfit_zone_pa(f, a) for f, a in samples]
    out = []
    for pair in range(4):
        body = bytearray(b"\x00\x00")
        for i in range(6):
            zone = 2 * pair + (i % 2)
            raw = int(min(0xFFFF, max(0, round(zones[i // 2][zone]) - 65536)))
            body += struct.pack(">HB", raw, 144)  # 144 -> 33.0 degC (T x 0.16 + 10)
        out.append(bytes(body))
    return out
