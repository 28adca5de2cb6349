"""Elvie Trainer: one pressure, polled (the characteristic is read-only).

Source: buttplug.io docs, stpihkal/protocols/elvie (stpihkal issue #109). ``floor`` = byte 5 (about 9-21 in use).
The trainer needs a few squeezes to wake and several connection retries; its advertised name is unknown.
"""

from __future__ import annotations

from pelvicore.devices.profiles.base import DeviceProfile, Samples, need


def decode(payload: bytes) -> Samples:
    need(payload, 6, "elvie", "pressure in byte 5")
    return {"floor": [float(payload[5])]}


PROFILE = DeviceProfile(
    name="elvie",
    title="Elvie Trainer",
    names=(),
    services=("0a09fff0-dcac-7001-ed03-030502030401",),
    characteristics=("0a09fff1-dcac-7001-ed03-030502030401",),
    mode="poll",
    units={"floor": "raw"},
    decode=decode,
    source="buttplug.io docs, stpihkal/protocols/elvie (stpihkal issue #109)",
)
