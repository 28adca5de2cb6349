"""Device profiles: the published example payloads, clear errors, and fuzzing of every decoder."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pelvicore.devices.profiles import PROFILES, DecodeError, decode_hex, femfit, get_profile, magic_motion, open

EXAMPLES = [
    ("perifit", "13780010", {"floor": [4984.0], "abdomen": [16.0]}),
    ("perifit", "13780010 00200001", {"floor": [4984.0, 32.0], "abdomen": [16.0, 1.0]}),
    ("kgoal-boost", "000104000005d3", {"floor": [1491.0], "floor_normalized": [0.0]}),
    ("kgoal", "000104019b0767000000000000000000000000", {"floor": [0x0767 * 1.0], "floor_zeroed": [0x019B * 1.0]}),
    ("magic-motion", "0a1b", {"floor": [2587.0]}),
    ("elvie", "00000000001000", {"floor": [16.0]}),
]


@pytest.mark.parametrize(("profile", "payload", "expected"), EXAMPLES)
def test_published_examples(profile: str, payload: str, expected: dict[str, list[float]]) -> None:
    assert decode_hex(profile, payload) == expected


@pytest.mark.parametrize(
    ("profile", "payload", "message"),
    [
        ("perifit", "1378", "multiple of 4"),
        ("perifit", "", "multiple of 4"),
        ("kgoal-boost", "0001", "too short"),
        ("elvie", "0000", "too short"),
        ("magic-motion", "0a", "too short"),
        ("perifit", "zz10", "not hex"),
        ("femfit", "00", "expected 20"),
        ("open", "0100", "too short"),
        ("open", "000002" + "00" * 8, "header says 2"),
    ],
)
def test_malformed_payloads_are_named(profile: str, payload: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode_hex(profile, payload)


def test_unknown_profile_lists_the_known_ones() -> None:
    with pytest.raises(DecodeError, match="perifit, kgoal"):
        get_profile("fitbit")


def test_open_profile_round_trip_and_counter_wraps() -> None:
    payload = open.encode(65535, [(1000, -20), (1500, 30)])
    assert open.decode(payload) == {"floor": [1000.0, 1500.0], "abdomen": [-20.0, 30.0], "counter": [65535.0, 0.0]}


def test_femfit_pairs_units_and_temperature() -> None:
    triple = bytes([0x86, 0xA0, 100])  # 0x86a0 = 34464 -> (34464 + 65536) Pa = 100000 Pa = 750.06 mmHg
    samples = femfit.decode_pair(bytes(2) + triple * 6, 3)
    assert samples["zone5"] == samples["zone6"] == [750.0638] * 3
    assert samples["temperature"] == [26.0] * 6


def test_magic_motion_vibration_command() -> None:
    assert magic_motion.vibration_command(50) == bytes.fromhex("0408326400")
    assert magic_motion.vibration_command(500)[2] == 100


@pytest.mark.parametrize("name", sorted(PROFILES))
@settings(max_examples=200, deadline=None)
@given(payload=st.binary(max_size=300))
def test_any_bytes_give_samples_or_a_decode_error(name: str, payload: bytes) -> None:
    profile = PROFILES[name]
    try:
        samples = profile.decode(payload)
    except DecodeError as exc:
        assert "\n" not in str(exc) and name.split("-")[0] in str(exc).replace("-", "")
        return
    assert set(samples) <= set(profile.units)
    lengths = {len(v) for k, v in samples.items() if k != "temperature"}
    assert len(lengths) == 1 and lengths.pop() >= 1


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pelvicore", "devices", "decode", *args], capture_output=True, text=True
    )


def test_cli_prints_one_json_line_per_payload() -> None:
    done = run_cli("perifit", "13780010", "00200001")
    assert done.returncode == 0
    assert [json.loads(line) for line in done.stdout.splitlines()] == [
        {"floor": [4984], "abdomen": [16]},
        {"floor": [32], "abdomen": [1]},
    ]


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("perifit", "1378"), "multiple of 4"),
        (("perifit", "xyz"), "not hex"),
        (("fitbit", "00"), "unknown device profile"),
    ],
)
def test_cli_errors_are_one_line(args: tuple[str, str], text: str) -> None:
    done = run_cli(*args)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1 and text in done.stderr and "Traceback" not in done.stderr
