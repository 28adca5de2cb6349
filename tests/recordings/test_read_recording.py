"""Dispatch on extension, path problems, and the promise that callers only ever see RecordingError."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from pelvicore import recordings
from pelvicore.errors import RecordingError
from pelvicore.recordings import Annotation, Recording, model, read_recording, write_recording


def test_public_api() -> None:
    assert sorted(recordings.__all__) == [
        "Annotation",
        "KNOWN_UNITS",
        "READ_FORMATS",
        "Recording",
        "WRITE_FORMATS",
        "canonical_unit",
        "read_recording",
        "write_recording",
    ]
    assert recordings.Recording is model.Recording and recordings.Annotation is model.Annotation


@pytest.mark.parametrize("name", ["session.csv", "session.edf", "SESSION.CSV", "Session.EDF"])
def test_round_trip_through_the_dispatcher(tmp_path: Path, name: str) -> None:
    rec = Recording(
        100.0,
        {"floor": np.sin(np.arange(300) / 10)},
        {"floor": "cmH2O"},
        annotations=(Annotation(1.0, 0.5, "squeeze"),),
    )
    path = tmp_path / name
    write_recording(rec, path)
    back = read_recording(str(path))  # str paths work as well as Path
    assert back.fs_hz == 100.0 and back.units == {"floor": "cmH2O"}
    assert_allclose(back.signals["floor"], rec.signals["floor"], atol=1e-4)
    assert back.annotations == rec.annotations


def test_missing_file(tmp_path: Path, check_error: Callable[..., str]) -> None:
    path = tmp_path / "absent.csv"
    with pytest.raises(RecordingError) as excinfo:
        read_recording(path)
    check_error(excinfo, path, "no such file")


def test_directory(tmp_path: Path, check_error: Callable[..., str]) -> None:
    path = tmp_path / "folder.edf"
    path.mkdir()
    with pytest.raises(RecordingError) as excinfo:
        read_recording(path)
    check_error(excinfo, path, "is a directory")


@pytest.mark.parametrize("name", ["session.xlsx", "session", "session.csv.gz"])
def test_unsupported_extension_lists_the_supported_ones(
    tmp_path: Path, name: str, check_error: Callable[..., str]
) -> None:
    path = tmp_path / name
    path.write_text("t_s,floor_cmh2o\n0,1\n1,2\n")
    with pytest.raises(RecordingError) as excinfo:
        read_recording(path)
    check_error(excinfo, path, "unsupported extension", ".csv, .edf, .txt")


def test_biosppy_text_is_read_only(tmp_path: Path, check_error: Callable[..., str]) -> None:
    path = tmp_path / "out.txt"
    with pytest.raises(RecordingError) as excinfo:
        write_recording(Recording(10.0, {"emg": np.zeros(3)}, {"emg": "raw"}), path)
    check_error(excinfo, path, "read-only", ".csv, .edf")
    assert not path.exists()


@pytest.mark.parametrize("name", ["out.csv", "out.edf"])
def test_write_into_missing_folder(tmp_path: Path, name: str, check_error: Callable[..., str]) -> None:
    path = tmp_path / "missing" / name
    with pytest.raises(RecordingError) as excinfo:
        write_recording(Recording(10.0, {"emg": np.zeros(3)}, {"emg": "raw"}), path)
    check_error(excinfo, path, "cannot write")


def test_unexpected_reader_exception_becomes_one_line_recording_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, check_error: Callable[..., str]
) -> None:
    def broken_reader(path: object) -> Recording:
        raise ValueError("first line\nsecond line")

    monkeypatch.setitem(recordings.READ_FORMATS, ".csv", broken_reader)
    path = tmp_path / "x.csv"
    path.write_text("anything")
    with pytest.raises(RecordingError) as excinfo:
        read_recording(path)
    check_error(excinfo, path, "ValueError", "first line second line")
    assert isinstance(excinfo.value.__cause__, ValueError)


def test_recording_error_without_path_gets_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, check_error: Callable[..., str]
) -> None:
    def reader(path: object) -> Recording:
        return Recording(0.0, {"x": np.zeros(2)}, {"x": "raw"})  # the model refuses a 0 Hz rate

    monkeypatch.setitem(recordings.READ_FORMATS, ".csv", reader)
    path = tmp_path / "x.csv"
    path.write_text("anything")
    with pytest.raises(RecordingError) as excinfo:
        read_recording(path)
    check_error(excinfo, path, "sampling rate must be > 0 Hz")
