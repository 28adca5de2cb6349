"""femfit (research device): eight pressure sensors 10 mm apart along the probe, plus temperature.

Source: TDT4290-Gruppe-10/kegeland-app, app/src/lib/femfit/bluetooth/constants.ts and utils.ts. Notify
characteristics 0d9e0002..0d9e0005 carry sensor pairs 1-2, 3-4, 5-6, 7-8. From byte 2, six triples
``[P_hi, P_lo, T]``: three samples of each sensor of the pair, taken here as alternating (first, second, first...;
the interleaving is still to be confirmed on hardware). Pressure mmHg = ((hi << 8 | lo) + 65536) x 0.00750063755
(absolute Pa -> mmHg, plausible 760-970); temperature degC = T x 0.16 + 10. The deepest zones read abdominal
pressure, the ones at the muscle the pelvic floor (ICS 2022 abstract 10).
"""

from __future__ import annotations

from pelvicore.devices.profiles.base import DecodeError, DeviceProfile, Samples, need

MMHG_PER_COUNT = 0.00750063755
HOUSEKEEPING_SERVICE = "b92a0001-4bf9-4870-8aa1-881b3a20ada4"
HOUSEKEEPING_CHARACTERISTIC = "b92a0002-4bf9-4870-8aa1-881b3a20ada4"
PAYLOAD_BYTES = 2 + 6 * 3


def decode_pair(payload: bytes, pair: int) -> Samples:
    """Decode a notification of sensor pair ``pair`` (1 -> zones 1-2, ..., 4 -> zones 7-8)."""
    if not 1 <= pair <= 4:
        raise DecodeError(f"femfit: sensor pair must be 1-4, got {pair!r}")
    if len(payload) != PAYLOAD_BYTES:
        raise DecodeError(f"femfit: payload of {len(payload)} byte(s), expected {PAYLOAD_BYTES} (2 + six triples)")
    a, b = f"zone{2 * pair - 1}", f"zone{2 * pair}"
    out: Samples = {a: [], b: [], "temperature": []}
    for i in range(6):
        hi, lo, t = payload[2 + 3 * i : 5 + 3 * i]
        out[a if i % 2 == 0 else b].append(round(((hi << 8 | lo) + 65536) * MMHG_PER_COUNT, 4))
        out["temperature"].append(round(t * 0.16 + 10.0, 2))
    return out


def battery_percent(housekeeping: bytes) -> int:
    """Battery % from the housekeeping characteristic: ((b4 << 8 | b5) x 1.2 / 1024 / 220000) x 1220000 / 6.1,
    clamped to 0-1 (kegeland app, utils.ts)."""
    need(housekeeping, 6, "femfit", "battery in bytes 4-5")
    fraction = ((housekeeping[4] << 8 | housekeeping[5]) * 1.2 / 1024 / 220000) * 1220000 / 6.1
    return round(100 * min(1.0, max(0.0, fraction)))


def decode(payload: bytes) -> Samples:
    """A notification of the first sensor pair (characteristic 0d9e0002)."""
    return decode_pair(payload, 1)


PROFILE = DeviceProfile(
    name="femfit",
    title="femfit (research)",
    names=("femfit",),
    services=("0d9e0001-c111-49cd-bba3-85c7471cb6fa",),
    characteristics=tuple(f"0d9e000{k}-c111-49cd-bba3-85c7471cb6fa" for k in range(2, 6)),
    mode="notify",
    units={**{f"zone{k}": "mmHg" for k in range(1, 9)}, "temperature": "degC"},
    decode=decode,
    source="TDT4290-Gruppe-10/kegeland-app, app/src/lib/femfit/bluetooth/constants.ts and utils.ts",
)
