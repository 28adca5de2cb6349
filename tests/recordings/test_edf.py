"""EDF+ recordings: round trip within the quantisation step, annotations, rates, and bad files."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyedflib
import pytest
from numpy.testing import assert_allclose

import pelvicore
from pelvicore.errors import RecordingError
from pelvicore.recordings import Annotation, Recording, read_recording, write_recording
from pelvicore.recordings.edf import read_edf, write_edf


def make_recording(fs_hz: float, n: int) -> Recording:
    rng = np.random.default_rng(0)
    return Recording(
        fs_hz=fs_hz,
        signals={
            "floor": 20 + 5 * rng.standard_normal(n),
            "emg": 50 * rng.standard_normal(n),
            "adc": np.round(2048 + 300 * rng.standard_normal(n)),
            "flat": np.full(n, 2055.0),
        },
        units={"floor": "cmh2o", "emg": "µV", "adc": "raw", "flat": "raw"},
        annotations=(
            Annotation(0.5, 2.0, "contract"),
            Annotation(1.23456, 0.0, "relax µ"),
            Annotation(3.0, 0, ""),
        ),
        start_s=12.5,
        meta={"start_datetime": "2024-03-01T10:20:30"},
    )


def quantisation_steps(path: Path) -> dict[str, float]:
    """Physical span / digital span of each channel, as the file's header says."""
    reader = pyedflib.EdfReader(str(path))
    try:
        return {
            reader.getLabel(i): float(reader.getPhysicalMaximum(i) - reader.getPhysicalMinimum(i)) / 65535
            for i in range(reader.signals_in_file)
        }
    finally:
        reader.close()


@pytest.mark.parametrize(
    ("fs_hz", "n"),
    [(50.0, 1234), (2000.0, 5000), (33.3, 1000), (1000 / 3, 700), (0.5, 7)],
)
def test_round_trip_within_one_quantisation_step(tmp_path: Path, fs_hz: float, n: int) -> None:
    rec = make_recording(fs_hz, n)
    path = tmp_path / "session.edf"
    write_edf(rec, path)
    back = read_edf(path)

    assert back.fs_hz == pytest.approx(fs_hz, rel=1e-12)
    assert back.n_samples == n  # EDF pads the last data record; the true count is kept in the header
    assert back.start_s == 12.5
    assert back.meta["start_datetime"] == "2024-03-01T10:20:30"
    assert back.units == {"floor": "cmH2O", "emg": "uV", "adc": "raw", "flat": "raw"}
    steps = quantisation_steps(path)
    for name, x in rec.signals.items():
        # The physical range is the data's with a 1 % margin (a flat channel gets +-1 % or +-1 unit).
        assert 0 < steps[name] <= 1.05 * max(np.ptp(x), 0.02 * np.abs(x).max(), 2.0) / 65535
        assert_allclose(back.signals[name], x, rtol=0, atol=steps[name] * 1.000001)


def test_annotations_round_trip_to_100_microseconds(tmp_path: Path) -> None:
    rec = make_recording(50.0, 500)
    path = tmp_path / "annotated.edf"
    write_edf(rec, path)
    back = read_edf(path)
    assert [a.text for a in back.annotations] == ["contract", "relax µ", ""]
    assert_allclose([a.onset_s for a in back.annotations], [0.5, 1.23456, 3.0], atol=1e-4)
    assert [a.duration_s for a in back.annotations] == [2.0, 0.0, 0.0]


def test_many_annotations_get_enough_annotation_signals(tmp_path: Path) -> None:
    annotations = tuple(Annotation(i * 0.01, 0.005, f"cue {i}") for i in range(150))
    rec = Recording(50.0, {"floor": np.zeros(200)}, {"floor": "cmH2O"}, annotations=annotations)
    path = tmp_path / "cues.edf"
    write_edf(rec, path)
    assert [a.text for a in read_edf(path).annotations] == [a.text for a in annotations]


def test_foreign_edf_without_pelvicore_note_reads_every_sample(tmp_path: Path) -> None:
    path = tmp_path / "plain.edf"
    writer = pyedflib.EdfWriter(str(path), 1, file_type=pyedflib.FILETYPE_EDF)
    try:
        writer.setSignalHeaders([signal_header("EMG", "uV", 50)])
        writer.writeSamples([np.linspace(-1, 1, 100)])
    finally:
        writer.close()
    rec = read_edf(path)
    assert rec.channel_names == ["EMG"] and rec.units == {"EMG": "uV"}
    assert rec.fs_hz == 50.0 and rec.n_samples == 100 and rec.start_s == 0.0 and rec.annotations == ()


def test_package_import_does_not_import_pyedflib() -> None:
    src = str(Path(pelvicore.__path__[0]).parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    code = "import sys, pelvicore.recordings; assert 'pyedflib' not in sys.modules, 'pyedflib imported'"
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


SignalHeader = dict[str, str | int | float | None]


def signal_header(label: str, unit: str, fs_hz: int) -> SignalHeader:
    return {
        "label": label,
        "dimension": unit,
        "sample_frequency": fs_hz,
        "physical_min": -1.0,
        "physical_max": 1.0,
        "digital_min": -32768,
        "digital_max": 32767,
        "transducer": "",
        "prefilter": "",
    }


def write_foreign(path: Path, headers: list[SignalHeader], seconds: int = 2) -> Path:
    writer = pyedflib.EdfWriter(str(path), len(headers), file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        writer.setSignalHeaders(headers)
        writer.writeSamples([np.zeros(int(h["sample_frequency"] or 0) * seconds) for h in headers])
    finally:
        writer.close()
    return path


@pytest.fixture
def good_edf(tmp_path: Path) -> bytes:
    path = tmp_path / "good.edf"
    write_edf(Recording(50.0, {"floor": np.linspace(0, 1, 100)}, {"floor": "cmH2O"}), path)
    return path.read_bytes()


def patched(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


BAD_EDF: dict[str, tuple[Callable[[bytes], bytes], tuple[str, ...]]] = {
    "empty": (lambda good: b"", ("not an EDF file", "0 bytes")),
    "text": (lambda good: b"t_s,floor_cmh2o\n" * 40, ("not an EDF file", "version field")),
    "short": (lambda good: good[:100], ("not an EDF file", "100 bytes")),
    "truncated header": (lambda good: good[:300], ("truncated EDF header",)),
    "truncated data": (lambda good: good[:-7], ("truncated", "2 data records need")),
    "signal count": (
        lambda good: patched(good, 252, b"ab  "),
        ("corrupt EDF header", "number of signals", "'ab'"),
    ),
    "record count": (lambda good: patched(good, 236, b"-1      "), ("corrupt EDF header", "-1 data records")),
    "record duration": (lambda good: patched(good, 244, b"1s      "), ("data record duration", "'1s'")),
    "header size": (lambda good: patched(good, 184, b"512     "), ("2 signal(s) but 512 header bytes",)),
    "start date": (lambda good: patched(good, 168, b"99.99.99"), ("not a readable EDF", "startdate")),
    "discontinuous": (lambda good: patched(good, 192, b"EDF+D"), ("discontinuous EDF+D",)),
}


@pytest.mark.parametrize("reader", [read_edf, read_recording], ids=["read_edf", "read_recording"])
@pytest.mark.parametrize("case", list(BAD_EDF))
def test_bad_edf_is_a_one_line_recording_error(
    tmp_path: Path,
    good_edf: bytes,
    case: str,
    reader: Callable[[Path], Recording],
    check_error: Callable[..., str],
) -> None:
    make, phrases = BAD_EDF[case]
    path = tmp_path / "bad.edf"
    path.write_bytes(make(good_edf))
    with pytest.raises(RecordingError) as excinfo:
        reader(path)
    check_error(excinfo, path, *phrases)


def test_unknown_unit_is_a_recording_error(tmp_path: Path, check_error: Callable[..., str]) -> None:
    path = write_foreign(tmp_path / "furlong.edf", [signal_header("floor", "furlong", 50)])
    with pytest.raises(RecordingError) as excinfo:
        read_edf(path)
    check_error(excinfo, path, "channel 'floor'", "unknown unit 'furlong'")


def test_channels_with_different_rates_are_a_recording_error(
    tmp_path: Path,
    check_error: Callable[..., str],
) -> None:
    headers = [signal_header("a", "raw", 50), signal_header("b", "raw", 100)]
    path = write_foreign(tmp_path / "rates.edf", headers)
    with pytest.raises(RecordingError) as excinfo:
        read_edf(path)
    check_error(excinfo, path, "differ in sampling rate", "a 50 Hz", "b 100 Hz")


def one_channel(x: np.ndarray, *, name: str = "floor", unit: str = "cmH2O", **kwargs: object) -> Recording:
    return Recording(50.0, {name: x}, {name: unit}, **kwargs)


@pytest.mark.parametrize(
    ("rec", "phrases"),
    [
        (one_channel(np.zeros(0)), ("empty recording",)),
        (one_channel(np.zeros(10), name="pelvic_floor_pressure"), ("cannot be an EDF label",)),
        (one_channel(np.r_[0.0, np.nan]), ("NaN",)),
        (one_channel(np.r_[0.0, 1e9]), ("8-character physical range", "rescale")),
        (one_channel(np.zeros(10), unit="psi"), ("unknown unit 'psi'",)),
        (one_channel(np.zeros(10), annotations=(Annotation(0, 0, "x" * 41),)), ("41 bytes", "up to 40")),
        (one_channel(np.zeros(10), annotations=(Annotation(0, 0, "a\nb"),)), ("control characters",)),
        (one_channel(np.zeros(10), annotations=(Annotation(-1, 0, "early"),)), ("onset must be >= 0",)),
        (
            one_channel(np.zeros(10), annotations=(Annotation(0, 0, "a"),) * 65),
            ("65 annotations do not fit",),
        ),
        (one_channel(np.zeros(10), meta={"start_datetime": "noon"}), ("not an ISO 8601",)),
        (Recording(np.pi, {"x": np.zeros(10)}, {"x": "raw"}), ("cannot be stored in EDF", "read back as")),
        (Recording(0.001, {"x": np.zeros(10)}, {"x": "raw"}), ("cannot write EDF+", "[0.001]")),
    ],
)
def test_unwritable_recording_is_a_recording_error_and_leaves_no_file(
    tmp_path: Path, rec: Recording, phrases: tuple[str, ...], check_error: Callable[..., str]
) -> None:
    path = tmp_path / "out.edf"
    with pytest.raises(RecordingError) as excinfo:
        write_recording(rec, path)
    check_error(excinfo, path, *phrases)
    assert not path.exists()
