"""pelvicore's open GATT profile for DIY probes (specified in docs/devices/open-profile.md).

Pressure characteristic, notify: ``u16 counter | u8 n | n x (i32 floor_pa, i32 abdomen_pa)``, little-endian.
``counter`` is the sample number of the first sample (mod 65536), so lost notifications show as jumps.
"""

from __future__ import annotations

import struct

from pelvicore.devices.profiles.base import DecodeError, DeviceProfile, Samples, uuid16

SERVICE = "7a1c0001-5d2e-4f3a-9c1b-70656c766963"
PRESSURE = "7a1c0002-5d2e-4f3a-9c1b-70656c766963"
INFO = "7a1c0003-5d2e-4f3a-9c1b-70656c766963"
CONTROL = "7a1c0004-5d2e-4f3a-9c1b-70656c766963"
#: Control command: zero both zones at rest.
CALIBRATE = b"\x01"
MAX_SAMPLES = 30  # 3 + 30 x 8 = 243 bytes: fits the 244-byte notification of a 247-byte ATT MTU


def decode(payload: bytes) -> Samples:
    """A pressure notification -> ``floor`` and ``abdomen`` in Pa, and each sample's ``counter``."""
    if len(payload) < 3:
        raise DecodeError(f"open: payload of {len(payload)} byte(s) is too short, expected a 3-byte header")
    counter, n = struct.unpack_from("<HB", payload)
    if not 1 <= n <= MAX_SAMPLES or len(payload) != 3 + 8 * n:
        raise DecodeError(f"open: header says {n} sample(s), payload has {len(payload)} byte(s) (expected 3 + 8 x n)")
    values = struct.unpack_from(f"<{2 * n}i", payload, 3)
    return {
        "floor": [float(v) for v in values[0::2]],
        "abdomen": [float(v) for v in values[1::2]],
        "counter": [float((counter + i) % 65536) for i in range(n)],
    }


def encode(counter: int, samples: list[tuple[int, int]]) -> bytes:
    """The notification a probe sends for ``samples`` of (floor_pa, abdomen_pa) starting at ``counter``."""
    flat = [v for pair in samples for v in pair]
    return struct.pack(f"<HB{len(flat)}i", counter % 65536, len(samples), *flat)


PROFILE = DeviceProfile(
    name="open",
    title="pelvicore open profile (DIY probes)",
    names=("pelvicore",),
    services=(SERVICE,),
    characteristics=(PRESSURE,),
    mode="notify",
    units={"floor": "Pa", "abdomen": "Pa", "counter": "count"},
    decode=decode,
    source="docs/devices/open-profile.md (pelvicore)",
    battery_characteristic=uuid16(0x2A19),
)
