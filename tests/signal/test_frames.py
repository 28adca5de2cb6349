"""Frames: checked on creation, and consecutive frames joined into one."""

from __future__ import annotations

import numpy as np
import pytest

from pelvicore.errors import SignalError
from pelvicore.signal.frames import Frame, join_frames

UNITS = {"floor": "cmH2O", "abdomen": "cmH2O"}


def test_consecutive_frames_join_into_one_with_every_sample_in_order() -> None:
    x = np.arange(10.0)
    frames = [Frame(i, 50.0, {"floor": x[i:j], "abdomen": -x[i:j]}, UNITS, 1.0) for i, j in ((0, 2), (2, 5), (5, 10))]
    joined = join_frames(frames)
    assert (joined.index, joined.fs_hz, joined.units, joined.start_s) == (0, 50.0, UNITS, 1.0)
    assert joined.channels["floor"].tolist() == x.tolist() and joined.channels["abdomen"].tolist() == (-x).tolist()
    assert join_frames(frames[1:2]) is frames[1]


@pytest.mark.parametrize(
    ("fs_hz", "channels", "message"),
    [
        (0.0, {"floor": np.zeros(2)}, "sampling rate"),
        (float("nan"), {"floor": np.zeros(2)}, "sampling rate"),
        (50.0, {"floor": np.zeros(2), "abdomen": np.zeros(3)}, "differ in length"),
    ],
)
def test_a_bad_frame_is_refused_with_the_reason(fs_hz: float, channels: dict[str, np.ndarray], message: str) -> None:
    with pytest.raises(SignalError, match=message):
        Frame(0, fs_hz, channels, {name: "cmH2O" for name in channels})
