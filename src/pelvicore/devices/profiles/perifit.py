"""Perifit (Care, Care+): two pressure zones, notified.

Source: buttplug.io protocol docs, stpihkal/protocols/perifit (stpihkal issue #171); Perifit help centre for which
sensor is which. Payload ``[B1 B2 T1 T2]``: big-endian u16 base pressure (the sensor at the vaginal opening, in the
pelvic-floor muscles -> ``floor``), then big-endian u16 tip pressure (deep, abdominal -> ``abdomen``). Raw counts,
maximum seen about 0x1378 ("probably 0x1400"); sampling rate unknown. Service 0xaa41 per the doc, 0xaa40 by the TI
SensorTag layout: both are accepted.
"""

from __future__ import annotations

import struct

from pelvicore.devices.profiles.base import DecodeError, DeviceProfile, Samples, uuid16

#: Readings at or above this are treated as saturated (facts: maximum "probably 0x1400").
SATURATION = 0x1400


def decode(payload: bytes) -> Samples:
    """One or more 4-byte readings -> ``floor`` and ``abdomen`` (raw)."""
    if not payload or len(payload) % 4:
        raise DecodeError(f"perifit: payload of {len(payload)} byte(s), expected a multiple of 4 ([B1 B2 T1 T2])")
    values = struct.unpack(f">{len(payload) // 2}H", payload)
    return {"floor": [float(v) for v in values[0::2]], "abdomen": [float(v) for v in values[1::2]]}


PROFILE = DeviceProfile(
    name="perifit",
    title="Perifit Care / Care+",
    names=("Perifit",),
    services=(uuid16(0xAA40), uuid16(0xAA41)),
    characteristics=(uuid16(0xAA41),),
    mode="notify",
    units={"floor": "raw", "abdomen": "raw"},
    decode=decode,
    source="buttplug.io docs, stpihkal/protocols/perifit (stpihkal issue #171)",
)
