"""Device profiles, one module per trainer: identification, characteristics, and a pure ``decode``."""

from __future__ import annotations

from pelvicore.devices.profiles import elvie, femfit, kgoal, kgoal_boost, magic_motion, open, perifit
from pelvicore.devices.profiles.base import DecodeError, DeviceProfile, Samples

PROFILES: dict[str, DeviceProfile] = {
    m.PROFILE.name: m.PROFILE for m in (perifit, kgoal, kgoal_boost, elvie, magic_motion, femfit, open)
}


def get_profile(name: str) -> DeviceProfile:
    """The profile called ``name``; ``DecodeError`` lists the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise DecodeError(f"unknown device profile {name!r} (expected one of: {', '.join(PROFILES)})") from None


def identify(name: str, services: tuple[str, ...] | list[str] = ()) -> DeviceProfile | None:
    """The profile of an advertising trainer, by an advertised service UUID or else by its name's prefix."""
    lowered = {s.lower() for s in services}
    for profile in PROFILES.values():
        if lowered & set(profile.services):
            return profile
    for profile in PROFILES.values():
        if any(name.startswith(prefix) for prefix in profile.names):
            return profile
    return None


def decode_hex(profile: str, payload_hex: str) -> Samples:
    """Decode one payload written in hex (spaces and colons allowed)."""
    text = payload_hex.replace(" ", "").replace(":", "")
    try:
        payload = bytes.fromhex(text)
    except ValueError:
        raise DecodeError(f"{profile}: {payload_hex!r} is not hex bytes (e.g. 13780010)") from None
    return get_profile(profile).decode(payload)


__all__ = ["PROFILES", "DecodeError", "DeviceProfile", "Samples", "decode_hex", "get_profile", "identify"]
