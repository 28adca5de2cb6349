"""A Web Bluetooth trainer's rate, measured from the page's own time stamps: a server or network that delivers
payloads in bunches does not change it; an older page without stamps is measured by arrival."""

from __future__ import annotations

import asyncio

import pytest

from pelvicore.devices.browser import BrowserSource
from pelvicore.devices.profiles import get_profile
from pelvicore.devices.profiles.base import DecodeError

PERIFIT_DATA = "0000aa41-0000-1000-8000-00805f9b34fb"
REST = (400).to_bytes(2, "big") + (150).to_bytes(2, "big")  # floor, abdomen: raw counts at rest


def payload(i: int, *, stamped: bool) -> dict[str, object]:
    """The page's message for the trainer's i-th notification, 50 ms apart (20 Hz) by the page's clock."""
    message: dict[str, object] = {"type": "payload", "characteristic": PERIFIT_DATA, "hex": REST.hex()}
    if stamped:
        message["t_ms"] = 10_000.0 + 50.0 * i
    return message


def measured_rate(*, stamped: bool) -> float:
    """25 notifications at 20 Hz: the first arrives at once, the other 24 only after a 1 s stall, together."""

    async def scenario() -> float:
        source = BrowserSource(get_profile("perifit"))
        assert get_profile("perifit").sampling_hz is None  # the page must measure it
        source.take({"type": "sensor", "state": "connected", "name": "Perifit_o)"})
        frames = aiter(source)
        source.take(payload(0, stamped=stamped))
        await asyncio.sleep(1.0)
        for i in range(1, 25):
            source.take(payload(i, stamped=stamped))
        frame = await asyncio.wait_for(anext(frames), 5)
        source.stop()
        assert frame.fs_hz == source.info.fs_hz
        return source.info.fs_hz

    return asyncio.run(scenario())


def test_the_rate_follows_the_pages_stamps_not_the_bunched_arrival() -> None:
    assert measured_rate(stamped=True) == 20.0  # 24 intervals of 50 ms by the page's clock
    # The same bunched arrival without stamps reads 24 samples in 1 s: the nearest usual rate, 25 Hz.
    assert measured_rate(stamped=False) == 25.0


@pytest.mark.parametrize("t_ms", ["soon", -5, float("nan"), True, [1]])
def test_a_bad_stamp_is_refused_with_its_name(t_ms: object) -> None:
    source = BrowserSource(get_profile("perifit"))
    with pytest.raises(DecodeError, match="t_ms must be the page's time"):
        source.take({"type": "payload", "characteristic": PERIFIT_DATA, "hex": REST.hex(), "t_ms": t_ms})
    source.take(payload(0, stamped=True))  # and the next good one is taken
    assert source.stream.received == 1
