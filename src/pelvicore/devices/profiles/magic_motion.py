"""Magic Motion Kegel Master / Kegel Coach / FitCute Kegel Rejuve (and clones): one pressure, notified.

Source: buttplug.io docs, stpihkal/protocols/magic-motion/kegel-master; buttplug PR #317.
``floor`` = d[0] * 256 + d[1]. Vibration: write ``04 08 v 64 00`` to 78667579-a914-49a4-8333-aa3c0cd8fedc.
"""

from __future__ import annotations

from pelvicore.devices.profiles.base import DeviceProfile, Samples, need

VIBRATION_CHARACTERISTIC = "78667579-a914-49a4-8333-aa3c0cd8fedc"


def decode(payload: bytes) -> Samples:
    need(payload, 2, "magic-motion", "pressure in bytes 0-1")
    return {"floor": [float(payload[0] * 256 + payload[1])]}


def vibration_command(strength: int) -> bytes:
    """The write that vibrates at ``strength`` 0-100 (a "squeeze now" cue)."""
    return bytes([0x04, 0x08, max(0, min(100, strength)), 0x64, 0x00])


PROFILE = DeviceProfile(
    name="magic-motion",
    title="Magic Motion Kegel Master / Coach, FitCute Kegel Rejuve",
    names=("Kegel", "Magic Kegel"),
    services=("6f468792-f91f-11e3-a847-b2227cce2b54",),
    characteristics=("6f468bfc-f91f-11e3-a847-b2227cce2b54",),
    mode="notify",
    units={"floor": "raw"},
    decode=decode,
    source="buttplug.io docs, stpihkal/protocols/magic-motion/kegel-master; buttplug PR #317",
)
