"""Frame sources: recording playback (dropouts skipped, frame size, pacing), simulator and file replay."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pelvicore.devices.frames_source import FRAME_RATE_HZ, RecordingSource
from pelvicore.devices.replay import FileSource
from pelvicore.devices.simulator import SimulatorSource
from pelvicore.devices.source import Pacer, Source, SourceInfo
from pelvicore.recordings import write_recording
from pelvicore.recordings.model import Annotation, Recording
from pelvicore.signal.frames import Frame
from pelvicore.simulation import simulate
from pelvicore.training.routines import get_protocol


async def _collect(source: Source) -> list[Frame]:
    frames = []
    async with source:
        async for frame in source:
            frames.append(frame)
    return frames


def collect(source: Source) -> list[Frame]:
    return asyncio.run(_collect(source))


def _lost_mask(rec: Recording) -> np.ndarray:
    """True for samples inside a ``dropout`` annotation."""
    lost = np.zeros(rec.n_samples, dtype=bool)
    t = rec.times_s()
    for a in rec.annotations:
        if a.text == "dropout":
            lost |= (t >= a.onset_s - 0.5 / rec.fs_hz) & (t < a.onset_s + a.duration_s - 0.5 / rec.fs_hz)
    return lost


def check_frames_cover_recording(frames: list[Frame], rec: Recording) -> None:
    """Frames are in order, never overlap, carry exactly the recording's samples, and skip only dropouts."""
    assert frames
    lost = _lost_mask(rec)
    sent = np.zeros(rec.n_samples, dtype=bool)
    end = 0
    for frame in frames:
        assert frame.fs_hz == rec.fs_hz
        assert frame.units == rec.units
        assert frame.start_s == rec.start_s
        assert set(frame.channels) == set(rec.signals)
        assert frame.n_samples > 0
        assert frame.index >= end, "frames overlap or go backwards"
        # Any jump in index lies wholly over lost samples.
        assert lost[end : frame.index].all(), f"samples {end}..{frame.index} skipped but not in a dropout"
        stop = frame.index + frame.n_samples
        for name, x in frame.channels.items():
            assert np.array_equal(x, rec.signals[name][frame.index : stop]), name
        sent[frame.index : stop] = True
        end = stop
    assert lost[end:].all()
    assert not (sent & lost).any(), "a frame carries samples inside a dropout"
    assert np.array_equal(sent, ~lost), "a sample outside any dropout was never sent"
    # The concatenation is the recording minus the dropouts.
    for name, x in rec.signals.items():
        assert np.array_equal(np.concatenate([f.channels[name] for f in frames]), x[~lost])


def _simulation_with_dropouts(signals: str = "pressure") -> Recording:
    for seed in range(50):
        sim = simulate("healthy", "perfect", seed=seed, signals=signals)  # type: ignore[arg-type]
        if sum(a.text == "dropout" for a in sim.recording.annotations) >= 2:
            return sim.recording
    raise AssertionError("no seed gave two dropouts")


@pytest.mark.parametrize("signals", ["pressure", "both"])
def test_playback_skips_exactly_the_dropouts(signals: str) -> None:
    rec = _simulation_with_dropouts(signals)
    frames = collect(RecordingSource(rec, name="test", speed=0))
    check_frames_cover_recording(frames, rec)
    lost = _lost_mask(rec)
    jumps = sum(b.index > a.index + a.n_samples for a, b in itertools.pairwise(frames))
    runs = int(np.sum(np.diff(lost.astype(int)) == 1) + lost[0])
    assert jumps == runs >= 2


def test_playback_keeps_everything_without_skip() -> None:
    rec = _simulation_with_dropouts()
    frames = collect(RecordingSource(rec, name="test", speed=0, skip_dropouts=False))
    for name, x in rec.signals.items():
        assert np.array_equal(np.concatenate([f.channels[name] for f in frames]), x)
    assert [f.index + f.n_samples for f in frames[:-1]] == [f.index for f in frames[1:]]


@pytest.mark.parametrize("fs", [10.0, 50.0, 250.0, 2000.0])
def test_frames_hold_the_samples_due_every_22nd_of_a_second(fs: float) -> None:
    n = round(3.1 * fs)
    rec = Recording(fs, {"floor": np.arange(n, dtype=float)}, {"floor": "cmH2O"})
    frames = collect(RecordingSource(rec, name="test", speed=0))
    ends = np.array([f.index + f.n_samples for f in frames])
    if fs >= FRAME_RATE_HZ:
        # Frame k ends with the last sample due at (k + 1) / FRAME_RATE_HZ.
        due = np.round(np.arange(1, len(frames) + 1) * fs / FRAME_RATE_HZ)
        assert np.array_equal(ends, np.minimum(due, n))
        assert all(np.floor(fs / FRAME_RATE_HZ) <= f.n_samples <= np.ceil(fs / FRAME_RATE_HZ) for f in frames[:-1])
    else:
        assert all(f.n_samples == 1 for f in frames)  # slower than the frame rate: a frame per sample
    assert ends[-1] == n and frames[0].index == 0
    assert [f.index for f in frames[1:]] == ends[:-1].tolist()
    assert np.array_equal(np.concatenate([f.channels["floor"] for f in frames]), rec.signals["floor"])


def test_short_dropout_inside_one_frame_loses_only_its_own_samples() -> None:
    """A 3-sample dropout in the middle of a 10-sample frame: the 3 samples before it must still be sent."""
    fs = 250.0
    x = np.arange(100, dtype=float)
    rec = Recording(fs, {"floor": x}, {"floor": "cmH2O"}, (Annotation(13 / fs, 3 / fs, "dropout"),))
    frames = collect(RecordingSource(rec, name="test", speed=0))
    sent = np.concatenate([f.channels["floor"] for f in frames])
    assert np.array_equal(sent, np.delete(x, [13, 14, 15]))
    check_frames_cover_recording(frames, rec)


def test_dropout_at_the_start_and_end() -> None:
    fs = 50.0
    x = np.arange(200, dtype=float)
    annotations = (Annotation(0.0, 0.5, "dropout"), Annotation(3.5, 0.5, "dropout"))
    rec = Recording(fs, {"floor": x}, {"floor": "cmH2O"}, annotations)
    frames = collect(RecordingSource(rec, name="test", speed=0))
    assert frames[0].index == 25
    assert frames[-1].index + frames[-1].n_samples == 175
    check_frames_cover_recording(frames, rec)


def test_simulator_source_is_a_source() -> None:
    src = SimulatorSource("weak", get_protocol("cough"), seed=3, speed=0)
    assert isinstance(src, Source)
    info = src.info
    assert isinstance(info, SourceInfo)
    assert info.name == "simulator:weak"
    assert info.fs_hz == 50.0
    assert info.units == {"floor": "cmH2O", "abdomen": "cmH2O"}
    expected = simulate("weak", "cough", seed=3).recording
    assert np.array_equal(src.recording.signals["floor"], expected.signals["floor"])
    frames = collect(src)
    check_frames_cover_recording(frames, src.recording)


def test_simulator_source_emg() -> None:
    src = SimulatorSource("healthy", get_protocol("cough"), seed=1, speed=0, signals="emg")
    assert src.info.fs_hz == 2000.0 and src.info.units == {"emg": "uV"}
    frames = collect(src)
    assert max(f.n_samples for f in frames) == np.ceil(2000.0 / FRAME_RATE_HZ)
    check_frames_cover_recording(frames, src.recording)


def test_file_source_replays_a_csv(tmp_path: Path) -> None:
    rec = _simulation_with_dropouts()
    path = tmp_path / "session.csv"
    write_recording(rec, path)
    src = FileSource(path, speed=0)
    assert isinstance(src, Source)
    assert src.info.name == "file:session.csv"
    assert src.info.fs_hz == 50.0
    assert src.info.units == {"floor": "cmH2O", "abdomen": "cmH2O"}
    frames = collect(src)
    # Values went through CSV text (9 significant digits), dropouts through the annotation sidecar.
    replayed = src.recording
    assert replayed.n_samples == rec.n_samples
    assert [a for a in replayed.annotations if a.text == "dropout"] == [
        a for a in rec.annotations if a.text == "dropout"
    ]
    check_frames_cover_recording(frames, replayed)
    lost = _lost_mask(rec)
    sent = np.concatenate([f.channels["floor"] for f in frames])
    np.testing.assert_allclose(sent, rec.signals["floor"][~lost], rtol=1e-8)


def test_file_source_skips_rows_missing_from_a_csv(tmp_path: Path) -> None:
    """Rows missing from the file (a time step of several samples) are a dropout: the index jumps over them."""
    fs = 50.0
    t = np.arange(100) / fs
    keep = np.ones(100, dtype=bool)
    keep[40:55] = False
    lines = ["t_s,floor_cmh2o"] + [f"{ti:.6f},{20 + i}" for i, ti in enumerate(t) if keep[i]]
    path = tmp_path / "gappy.csv"
    path.write_text("\n".join(lines) + "\n")
    frames = collect(FileSource(path, speed=0))
    indices = np.concatenate([f.index + np.arange(f.n_samples) for f in frames])
    assert np.array_equal(indices, np.flatnonzero(keep))
    values = np.concatenate([f.channels["floor"] for f in frames])
    assert np.array_equal(values, 20.0 + np.flatnonzero(keep))


def test_pacing_follows_the_speed() -> None:
    fs = 50.0
    rec = Recording(fs, {"floor": np.zeros(round(2.0 * fs))}, {"floor": "cmH2O"})
    start = time.monotonic()
    frames = collect(RecordingSource(rec, name="test", speed=20.0))
    elapsed = time.monotonic() - start
    assert sum(f.n_samples for f in frames) == 100
    assert 0.05 <= elapsed <= 1.0  # 2 s of samples at 20x: about 0.1 s


def test_speed_zero_does_not_wait() -> None:
    fs = 50.0
    rec = Recording(fs, {"floor": np.zeros(round(600.0 * fs))}, {"floor": "cmH2O"})
    start = time.monotonic()
    collect(RecordingSource(rec, name="test", speed=0))
    assert time.monotonic() - start < 5.0  # 10 minutes of samples, no pacing


def test_pacer_rejects_negative_speed() -> None:
    with pytest.raises(ValueError, match="speed"):
        Pacer(-1)
    with pytest.raises(ValueError):
        collect(RecordingSource(Recording(50.0, {"x": np.zeros(10)}, {"x": "raw"}), name="t", speed=-0.5))


def test_pacer_waits_for_media_time() -> None:
    async def run() -> float:
        pacer = Pacer(10.0)
        await pacer.wait_until(0.0)
        start = time.monotonic()
        await pacer.wait_until(1.0)  # 1 s of media at 10x: 0.1 s
        return time.monotonic() - start

    assert 0.05 <= asyncio.run(run()) <= 1.0


def test_pacers_due_at_one_tick_share_one_timer_and_a_cancelled_one_wakes_no_other() -> None:
    async def run() -> tuple[int, int, bool]:
        loop = asyncio.get_running_loop()
        timers = 0
        call_at = loop.call_at

        def counting_call_at(when: float, callback: Any, *args: Any, **kwargs: Any) -> asyncio.TimerHandle:
            nonlocal timers
            timers += 1
            return call_at(when, callback, *args, **kwargs)

        loop.call_at = counting_call_at  # type: ignore[method-assign]
        pacers = [Pacer(1.0) for _ in range(100)]
        for pacer in pacers:
            await pacer.wait_until(0.0)  # each pacer's media time 0 is now
        waits = [asyncio.create_task(p.wait_until(0.05)) for p in pacers]
        await asyncio.sleep(0)
        waits[0].cancel()
        done, _ = await asyncio.wait(waits[1:], timeout=2.0)
        return timers, len(done), waits[0].cancelled()

    timers, woken, cancelled = asyncio.run(run())
    assert woken == 99 and cancelled
    assert timers <= 2  # one timer per 10 ms tick of the grid, however many sessions wait for it
