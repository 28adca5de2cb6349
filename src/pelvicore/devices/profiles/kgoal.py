"""kGoal (original): one air-pillow pressure, read (no notifications).

Source: qdot/khole-py README and khole/device.py. Reading handle 0x2a returns 19 bytes, e.g.
``00 01 04 01 9b 07 67 00 ...``: bytes 3-4 a big-endian value zeroed at the last calibration (the top button
re-zeros it), bytes 5-6 the big-endian uncalibrated value. ``floor`` is the uncalibrated value (raw);
``floor_zeroed`` the device's own zeroed reading.
"""

from __future__ import annotations

from pelvicore.devices.profiles.base import DeviceProfile, Samples, need

#: Attribute handle that holds the 19-byte reading.
VALUE_HANDLE = 0x2A
#: Attribute handle of the motors.
MOTOR_HANDLE = 0x41


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
    characteristics=(f"handle:{VALUE_HANDLE:#04x}",),
    mode="read",
    units={"floor": "raw", "floor_zeroed": "raw"},
    decode=decode,
    source="qdot/khole-py README and khole/device.py",
)


def motor_command(motor: int, on: bool) -> bytes:
    """The write to handle 0x41 that runs (``on``) or stops ``motor`` 1 (squeeze pillow) or 2 (control arm)."""
    return bytes([0x00, motor, 0x07, 0x00, 0x1B if on else 0x00, 0x00, 0x00, 0x96, 0x00, 0x64]) + bytes(9)
