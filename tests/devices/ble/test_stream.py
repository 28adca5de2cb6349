"""From payloads to frames without a radio: indices, units, loss, saturation, flat line, malformed bytes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pelvicore.devices.ble.payloads import femfit_payloads, open_payload, perifit_payload
from pelvicore.devices.ble.stream import SampleClock, SampleStream, SensorStatus, snap_rate
from pelvicore.devices.profiles import PROFILES
from pelvicore.signal.frames import Frame

PERIFIT = "0000aa41-0000-1000-8000-00805f9b34fb"


def make(profile: str, fs: float = 20.0) -> tuple[SampleStream, list[SensorStatus]]:
    said: list[SensorStatus] = []
    return SampleStream(PROFILES[profile], fs, on_status=said.append), said


def test_clock_keeps_indices_consecutive_through_jitter_and_bursts_and_jumps_only_after_a_disconnection() -> None:
    clock = SampleClock(interval_s=0.05)
    t, firsts = 0.0, []
    for k in range(20):
        t += 0.05 + (0.03 if k % 3 == 0 else -0.02)  # bunched arrivals, as BLE connection events make them
        firsts.append(clock.place(1, t))
    t += 0.6  # a busy computer: notifications wait, then come in a burst; none is lost
    firsts += [clock.place(1, t + 0.001 * k) for k in range(12)]
    assert firsts == list(range(32))
    clock.resume_after_gap()
    assert clock.place(1, t + 2.0) == 32 + 39  # back 2 s later at 20 Hz: 39 samples never measured


def test_too_few_arrivals_are_reported_without_inventing_a_gap() -> None:
    stream, said = make("perifit")
    for k in range(60):  # 20 Hz promised, 10 Hz arriving for 6 s
        stream.push(PERIFIT, perifit_payload(10.0, 1.0), now=k * 0.1)
    assert [f.n_samples for f in stream.take_frames()] == [60]
    assert [s.kind for s in said] == ["loss"] and said[0].value == pytest.approx(0.5, abs=0.05)
    assert "closer" in said[0].text


def test_perifit_payloads_become_frames_with_raw_units() -> None:
    stream, said = make("perifit")
    for k in range(10):
        stream.push(PERIFIT, perifit_payload(10.0 + k, 5.0), now=k * 0.05)
    [frame] = stream.take_frames()
    assert frame.index == 0 and frame.n_samples == 10 and frame.units == {"floor": "raw", "abdomen": "raw"}
    assert frame.channels["floor"][0] == 300 + 40 * 10 and frame.channels["abdomen"][0] == 300 + 40 * 5
    assert said == []


def test_open_profile_counters_count_lost_samples_exactly_and_convert_pa_to_cmh2o() -> None:
    stream, said = make("open", fs=50.0)
    stream.push("x", open_payload(65534, [(10.0, 1.0), (11.0, 1.0)]), now=0.0)
    stream.push("x", open_payload(3, [(12.0, 1.0)]), now=0.01)  # counters 0, 1, 2 never arrived (wrapped at 65536)
    frames = stream.take_frames()
    assert [(f.index, f.n_samples) for f in frames] == [(0, 2), (5, 1)]
    assert frames[0].units["floor"] == "cmH2O"
    assert frames[0].channels["floor"] == pytest.approx([10.0, 11.0], abs=0.01)
    assert [s.kind for s in said] == ["loss"] and said[0].value == 3 and stream.lost == 3


def test_femfit_sets_of_four_notifications_give_eight_zones_floor_and_abdomen() -> None:
    stream, _ = make("femfit")
    for char, payload in zip(PROFILES["femfit"].characteristics, femfit_payloads([(20.0, 5.0)] * 3), strict=True):
        stream.push(char, payload, now=0.0)
    [frame] = stream.take_frames()
    assert frame.n_samples == 3
    rise = frame.channels["floor"] - frame.channels["abdomen"]
    assert rise == pytest.approx(15.0, abs=0.05)  # cmH2O between the muscle zones and the deepest ones
    assert set(frame.channels) >= {f"zone{k}" for k in range(1, 9)} | {"temperature"}
    assert frame.channels["temperature"][0] == pytest.approx(33.04)


def test_saturation_and_a_flat_line_are_told_in_plain_words() -> None:
    stream, said = make("perifit")
    stream.push(PERIFIT, bytes.fromhex("14001400"), now=0.0)
    stream.push(PERIFIT, bytes.fromhex("14001400"), now=0.05)
    assert [s.kind for s in said] == ["saturation"] and "less hard" in said[0].text
    elvie, told = make("elvie")
    for k in range(200):  # 10 s of one unchanging value
        elvie.push("c", bytes(5) + b"\x10" + bytes(2), now=k * 0.05)
    assert [s.kind for s in told] == ["flat"] and "squeezes to wake" in told[0].text


def test_malformed_payloads_are_reported_and_skipped_and_nothing_before_them_is_lost() -> None:
    stream, said = make("perifit")
    stream.push(PERIFIT, perifit_payload(10.0, 1.0), now=0.0)
    stream.push(PERIFIT, b"\x01\x02\x03", now=0.05)
    stream.push(PERIFIT, perifit_payload(11.0, 1.0), now=0.1)
    [frame] = stream.take_frames()
    assert frame.n_samples == 2
    assert said[0].kind == "bad-payload" and "multiple of 4" in said[0].text


@settings(max_examples=300, deadline=None)
@given(
    profile=st.sampled_from(sorted(PROFILES)),
    payloads=st.lists(st.binary(max_size=64), max_size=8),
    which=st.integers(0, 3),
)
def test_any_bytes_from_any_trainer_give_samples_or_a_report_never_an_exception(
    profile: str, payloads: list[bytes], which: int
) -> None:
    stream, _ = make(profile)
    chars = PROFILES[profile].characteristics
    for k, payload in enumerate(payloads):
        stream.push(chars[which % len(chars)], payload, now=k * 0.05)
    for frame in stream.take_frames():
        assert isinstance(frame, Frame) and frame.n_samples >= 1


def test_an_unknown_rate_is_snapped_to_the_nearest_usual_one() -> None:
    assert snap_rate(48, 1.0) == 50.0 and snap_rate(19, 1.02) == 20.0 and snap_rate(11, 1.0) == 10.0
    assert snap_rate(2, 1.0) is None and snap_rate(10, 0.0) is None


def test_every_transport_words_battery_and_link_news_the_same() -> None:
    assert SensorStatus.battery(76).text == "Sensor battery 76%." and SensorStatus.battery(76).value == 76.0
    assert SensorStatus.battery(12).text == "Sensor battery 12% — charge it soon."
    assert "paused" in SensorStatus.disconnected(40).text and SensorStatus.disconnected(40).index == 40
    back = SensorStatus.reconnected(40, 2.25)
    assert (back.kind, back.index, back.value, back.text) == (
        "reconnected",
        40,
        2.25,
        "Sensor back after 2.2 s — carrying on.",
    )
