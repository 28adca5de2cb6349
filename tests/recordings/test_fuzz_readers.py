"""Property tests: whatever bytes a file holds, readers return a Recording or raise RecordingError."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pelvicore.errors import RecordingError
from pelvicore.recordings import Annotation, Recording, read_recording
from pelvicore.recordings.biosppy_text import read_biosppy_text
from pelvicore.recordings.csvfile import read_csv
from pelvicore.recordings.edf import read_edf, write_edf

# No example database: the tests must not write outside the temporary folder.
FUZZ = settings(max_examples=150, deadline=None, database=None)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def read_both_ways(path: Path, content: bytes, reader: Callable[[Path], Recording]) -> None:
    """Write ``content`` to ``path``, read it directly and through ``read_recording``."""
    path.write_bytes(content)
    for read in (reader, read_recording):
        try:
            rec = read(path)
        except RecordingError as exc:
            message = str(exc)
            assert message.startswith(os.fspath(path)) and "\n" not in message, message
        else:
            assert isinstance(rec, Recording)
            assert all(np.isfinite(x).all() for x in rec.signals.values())


CSV_HEADERS = st.sampled_from(["", "t_s,floor_cmh2o\n", "t_s,floor_cmh2o,emg_uv\n", "t_s,x_raw\r\n", "t_s\n"])
CSV_BODY = st.text(alphabet="0123456789.,-+eE \n\rnaif", max_size=200)
RATE_LINE = "# Sampling Rate (Hz):= "
TXT_HEADERS = st.sampled_from(["", f"{RATE_LINE}100\n", f"{RATE_LINE}1e3\n# Labels:= A\tB\n"])
TXT_BODY = st.text(alphabet="0123456789.-+eE \t\n#naif", max_size=200)


@FUZZ
@given(content=st.binary(max_size=400))
def test_any_bytes_as_csv(fuzz_dir: Path, content: bytes) -> None:
    read_both_ways(fuzz_dir / "fuzz.csv", content, read_csv)


@FUZZ
@given(header=CSV_HEADERS, body=CSV_BODY)
def test_csv_like_text(fuzz_dir: Path, header: str, body: str) -> None:
    read_both_ways(fuzz_dir / "fuzz.csv", (header + body).encode(), read_csv)


@FUZZ
@given(content=st.binary(max_size=400))
def test_any_bytes_as_biosppy_text(fuzz_dir: Path, content: bytes) -> None:
    read_both_ways(fuzz_dir / "fuzz.txt", content, read_biosppy_text)


@FUZZ
@given(header=TXT_HEADERS, body=TXT_BODY)
def test_biosppy_like_text(fuzz_dir: Path, header: str, body: str) -> None:
    read_both_ways(fuzz_dir / "fuzz.txt", (header + body).encode(), read_biosppy_text)


@FUZZ
@given(content=st.binary(max_size=1200))
def test_any_bytes_as_edf(fuzz_dir: Path, content: bytes) -> None:
    read_both_ways(fuzz_dir / "fuzz.edf", content, read_edf)


@pytest.fixture(scope="module")
def valid_edf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("edf") / "valid.edf"
    rec = Recording(
        10.0,
        {"floor": np.linspace(0.0, 40.0, 25), "emg": np.linspace(-5.0, 5.0, 25)},
        {"floor": "cmH2O", "emg": "uV"},
        annotations=(Annotation(0.5, 1.0, "squeeze"),),
    )
    write_edf(rec, path)
    return path.read_bytes()


@FUZZ
@given(
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.binary(min_size=1, max_size=8)), max_size=4),
    keep=st.integers(0, 10_000),
)
def test_corrupted_valid_edf(
    fuzz_dir: Path,
    valid_edf: bytes,
    edits: list[tuple[int, bytes]],
    keep: int,
) -> None:
    data = bytearray(valid_edf)
    for offset, new in edits:
        at = offset % len(data)
        data[at : at + len(new)] = new[: len(data) - at]
    read_both_ways(fuzz_dir / "fuzz.edf", bytes(data[: max(keep, len(data) - keep % 64)]), read_edf)
