"""kGoal Boost: one pressure, notified.

Source: buttplug repository, device-config-v4/protocols/kgoal-boost.yml and protocol_impl/kgoal_boost.rs.
Payload ``00 01 04 | normalized u16 BE | raw u16 BE`` (range 0-2000): ``floor`` = raw (bytes 5-6),
``floor_normalized`` = bytes 3-4.
"""

from __future__ import annotations

from pelvicore.devices.profiles.base import DeviceProfile, Samples, need, uuid16


def decode(payload: bytes) -> Samples:
    need(payload, 7, "kgoal-boost", "bytes 3-4 normalized and 5-6 raw pressure")
    return {
        "floor": [float(int.from_bytes(payload[5:7], "big"))],
        "floor_normalized": [float(int.from_bytes(payload[3:5], "big"))],
    }


PROFILE = DeviceProfile(
    name="kgoal-boost",
    title="kGoal Boost",
    names=("Boost",),
    services=("8e7c6065-7656-17ad-1b41-b53d1a548e0d",),
    characteristics=("10c2be2d-d2d5-b7a8-5f42-e2468c9ebbf5",),
    mode="notify",
    units={"floor": "raw", "floor_normalized": "raw"},
    decode=decode,
    source="buttplug device-config-v4/protocols/kgoal-boost.yml, protocol_impl/kgoal_boost.rs",
    battery_characteristic=uuid16(0x2A19),
)
