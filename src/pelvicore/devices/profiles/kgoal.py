"""kGoal (original): one air-pillow pressure, read (no notifications).

Source: qdot/khole-py README and khole/device.py. Reading handle 0x2a returns 19 bytes, e.g.
``00 01 04 01 9b 07 67 00 ...``: bytes 3-4 a big-endian value zeroed at the last calibration (the top button
re-zeros it), bytes 5-6 the big-endian uncalibrated value. ``floor`` is the uncalibrated value (raw);
``floor_zeroed`` the device's own zeroed reading.
"""

from __future__ import annotations

from pelvicore.devices.profiles.base import DeviceProfile, Samples, need


def decode(payload: bytes) -> Samples:
    need(payload, 7, "kgoal", "bytes 3-4 zeroed and 5-6 uncalibrated pressure")
    return {
        "floor": [float(int.from_bytes(payload[5:7], "big"))],
        "floor_zeroed": [float(int.from_bytes(payload[3:5], "big"))],
    }


PROFILE = DeviceProfile(
    name="kgoal",
    title="kGoal (original)",
    names=("kGoal",),
    services=(),
    characteristics=("handle:0x2a",),
    mode="read",
    units={"floor": "raw", "floor_zeroed": "raw"},
    decode=decode,
    source="qdot/khole-py README and khole/device.py",
)
