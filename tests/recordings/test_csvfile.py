"""CSV recordings: round trip, unit spelling, dropout filling, and one test per malformed input."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from pelvicore.errors import RecordingError
from pelvicore.recordings import Annotation, Recording, read_recording
from pelvicore.recordings.csvfile import read_csv, sidecar_path, write_csv


def make_recording(fs_hz: float = 250.0, n: int = 1000, *, annotations: bool = True) -> Recording:
    rng = np.random.default_rng(0)
    return Recording(
        fs_hz=fs_hz,
        signals={
            "floor": 20 + 5 * rng.standard_normal(n),
            "left_abdomen": rng.standard_normal(n) * 1e-3,
            "adc": np.round(8_000_000 + 100_000 * rng.standard_normal(n)),
        },
        units={"floor": "cmH2O", "left_abdomen": "uv", "adc": "raw"},
        annotations=(Annotation(0.5, 2.0, "contract"), Annotation(1.25, 0.0, 'relax µ, "quoted"'))
        if annotations
        else (),
        start_s=12.5,
    )


def test_round_trip_keeps_values_units_rate_start_and_annotations(tmp_path: Path) -> None:
    rec = make_recording()
    path = tmp_path / "session.csv"
    write_csv(rec, path)

    assert path.read_text().splitlines()[0] == "t_s,floor_cmh2o,left_abdomen_uv,adc_raw"
    back = read_csv(path)

    assert back.fs_hz == 250.0
    assert back.start_s == 12.5
    assert back.units == {"floor": "cmH2O", "left_abdomen": "uV", "adc": "raw"}
    assert back.channel_names == ["floor", "left_abdomen", "adc"]
    for name, x in rec.signals.items():
        assert_allclose(back.signals[name], x, rtol=1e-8, atol=0)  # %.9g: 9 significant digits
    assert_array_equal(back.signals["adc"], rec.signals["adc"])  # big raw counts survive exactly
    assert back.annotations == rec.annotations
    sidecar = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
    assert sidecar["annotations"][0] == {"onset_s": 0.5, "duration_s": 2.0, "text": "contract"}


@pytest.mark.parametrize("fs_hz", [33.3, 1000 / 3, 0.5, 2000.0, 20_000.0])
def test_round_trip_keeps_non_integer_and_high_rates(tmp_path: Path, fs_hz: float) -> None:
    path = tmp_path / "rate.csv"
    write_csv(make_recording(fs_hz, n=500, annotations=False), path)
    assert read_csv(path).fs_hz == pytest.approx(fs_hz, rel=1e-6)
    assert read_csv(path).n_samples == 500


def test_rate_written_as_round_number_reads_back_exactly(tmp_path: Path) -> None:
    path = tmp_path / "rate.csv"
    write_csv(make_recording(33.3, n=500, annotations=False), path)
    assert read_csv(path).fs_hz == 33.3


def test_writing_without_annotations_removes_a_stale_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "session.csv"
    write_csv(make_recording(), path)
    assert sidecar_path(path).is_file()
    write_csv(make_recording(annotations=False), path)
    assert not sidecar_path(path).exists()
    assert read_csv(path).annotations == ()


def test_units_are_canonicalised_and_the_unit_follows_the_last_underscore(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text("t_s,pelvic_floor_CMH2O,emg_µV,x_MMHG\n0.0,1,2,3\n0.01,4,5,6\n", encoding="utf-8")
    rec = read_csv(path)
    assert rec.units == {"pelvic_floor": "cmH2O", "emg": "uV", "x": "mmHg"}
    assert rec.fs_hz == 100.0
    assert_array_equal(rec.signals["emg"], [2.0, 5.0])


def test_windows_line_endings_and_byte_order_mark_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbft_s,floor_cmh2o\r\n0.0,1\r\n0.5,2\r\n")
    rec = read_csv(path)
    assert rec.fs_hz == 2.0
    assert_array_equal(rec.signals["floor"], [1.0, 2.0])


def test_dropout_is_filled_by_holding_the_last_value_and_annotated(tmp_path: Path) -> None:
    t = np.delete(np.arange(10) / 1000, [3, 4, 5])  # samples 3..5 lost
    x = np.arange(10.0)[np.r_[0:3, 6:10]]
    path = tmp_path / "dropout.csv"
    path.write_text("t_s,floor_cmh2o\n" + "".join(f"{ti:.6f},{xi}\n" for ti, xi in zip(t, x, strict=True)))
    rec = read_csv(path)
    assert rec.fs_hz == 1000.0
    assert_array_equal(rec.signals["floor"], [0, 1, 2, 2, 2, 2, 6, 7, 8, 9])
    (dropout,) = rec.annotations
    assert dropout.text == "dropout"
    assert dropout.onset_s == pytest.approx(0.003)
    assert dropout.duration_s == pytest.approx(0.003)


@settings(max_examples=100, deadline=None, database=None)
@given(
    steps=st.lists(st.sampled_from([1, 1, 1, 2, 3, 7]), min_size=1, max_size=40),
    fs_hz=st.sampled_from([10.0, 33.3, 250.0, 1000.0]),
)
def test_dropout_fill_matches_a_naive_reference(
    tmp_path_factory: pytest.TempPathFactory, steps: list[int], fs_hz: float
) -> None:
    assume(steps.count(1) * 2 > len(steps))  # most steps normal, so the median step is the sampling step
    index = np.concatenate(([0], np.cumsum(steps)))
    path = tmp_path_factory.mktemp("dropouts") / "gaps.csv"
    rows = "".join(f"{i / fs_hz:.6f},{row}\n" for row, i in enumerate(index))
    path.write_text("t_s,floor_cmh2o\n" + rows)

    rec = read_csv(path)

    expected: list[int] = []
    gaps: list[tuple[float, float]] = []
    for row, i in enumerate(index):  # naive: walk the full grid sample by sample
        if row > 0 and i - index[row - 1] > 1:
            gaps.append(((index[row - 1] + 1) / fs_hz, (i - index[row - 1] - 1) / fs_hz))
        expected += [row - 1] * (i - len(expected)) + [row]
    assert rec.fs_hz == fs_hz
    assert_array_equal(rec.signals["floor"], expected)
    assert [a.text for a in rec.annotations] == ["dropout"] * len(gaps)
    actual = [(a.onset_s, a.duration_s) for a in rec.annotations]
    assert_allclose(np.reshape(actual, (-1, 2)), np.reshape(gaps, (-1, 2)), atol=1e-9)


def test_dropouts_merge_with_sidecar_annotations_in_time_order(tmp_path: Path) -> None:
    path = tmp_path / "both.csv"
    path.write_text("t_s,floor_cmh2o\n0,0\n1,1\n3,3\n4,4\n5,5\n")
    cue = {"onset_s": 4, "duration_s": 1, "text": "cue"}
    sidecar_path(path).write_text(json.dumps({"annotations": [cue]}))
    rec = read_csv(path)
    assert rec.annotations == (Annotation(2.0, 1.0, "dropout"), Annotation(4.0, 1.0, "cue"))
    assert rec.n_samples == 6


def test_700k_rows_load_fast(tmp_path: Path) -> None:
    n = 700_000
    rng = np.random.default_rng(0)
    path = tmp_path / "long.csv"
    table = np.column_stack([np.arange(n) / 1000, rng.standard_normal(n), rng.standard_normal(n)])
    np.savetxt(path, table, fmt="%.6f", delimiter=",", header="t_s,floor_cmh2o,abdomen_cmh2o", comments="")
    start = time.perf_counter()
    rec = read_csv(path)
    elapsed = time.perf_counter() - start
    assert rec.n_samples == n and rec.fs_hz == 1000.0
    assert elapsed < 2.0  # about 0.4 s on a laptop; generous for a busy CI machine


HEADER = "t_s,floor_cmh2o\n"
BAD_CSV: dict[str, tuple[str | bytes, tuple[str, ...]]] = {
    "empty": ("", ("empty file",)),
    "blank": ("\n \n", ("empty file",)),
    "no header": ("0.0,1.0\n0.1,2.0\n", ("line 1", "expected 't_s'")),
    "wrong time column": ("time,floor_cmh2o\n0,1\n1,2\n", ("'time'", "expected 't_s'")),
    "no channels": ("t_s\n0\n1\n", ("no channel columns",)),
    "column without unit": ("t_s,floor\n0,1\n1,2\n", ("column 2", "'floor'", "no unit")),
    "empty column name": ("t_s,floor_cmh2o,\n0,1,2\n1,2,3\n", ("column 3", "empty column name")),
    "unknown unit": ("t_s,floor_psi\n0,1\n1,2\n", ("column 2", "unknown unit 'psi'", "cmH2O")),
    "duplicate channel": ("t_s,floor_cmh2o,floor_raw\n0,1,2\n1,2,3\n", ("'floor' appears twice",)),
    "text in values": (HEADER + "0,1\n0.001,abc\n0.002,3\n", ("line 3", "column 2", "'abc' is not a number")),
    "text in times": (
        HEADER + "0,1\nnoon,2\n0.002,3\n",
        ("line 3", "column 1 't_s'", "'noon' is not a number"),
    ),
    "extra field": (HEADER + "0,1\n0.001,2,9\n0.002,3\n", ("line 3", "3 field(s), expected 2")),
    "missing field": (HEADER + "0,1\n0.001\n0.002,3\n", ("line 3", "1 field(s), expected 2")),
    "truncated last line": (
        "t_s,floor_cmh2o,abdomen_cmh2o\n0,1,2\n0.001,1,2\n0.002,1",
        ("line 4", "2 field(s), expected 3", "truncated last line"),
    ),
    "NaN": (HEADER + "0,1\n0.001,nan\n0.002,3\n", ("line 3", "column 2 'floor_cmh2o'", "NaN gap")),
    "empty value": (HEADER + "0,1\n0.001,\n0.002,3\n", ("line 3", "column 2", "NaN gap")),
    "NaN after blank line": (HEADER + "0,1\n\n0.001,2\n0.002,NaN\n", ("line 5", "NaN gap")),
    "infinity": (HEADER + "0,1\n0.001,-inf\n0.002,3\n", ("line 3", "infinite value")),
    "unsorted": (HEADER + "0,1\n0.002,2\n0.001,3\n0.003,4\n", ("line 4", "not sorted", "0.001")),
    "duplicate time": (HEADER + "0,1\n0.001,2\n0.001,3\n0.002,4\n", ("line 4", "duplicate timestamp")),
    "one row": (HEADER + "0,1\n", ("1 data row(s)", "at least 2")),
    "header only": (HEADER, ("0 data row(s)", "at least 2")),
    "irregular": (
        HEADER + "0,1\n0.001,2\n0.002,3\n0.0035,4\n0.0045,5\n0.0055,6\n",
        ("line 5", "irregular sampling", "0.0015 s", "normal step 0.001 s"),
    ),
    "half step": (HEADER + "0,1\n0.01,2\n0.02,3\n0.025,4\n", ("line 5", "irregular sampling")),
    "mostly dropouts": (HEADER + "0,1\n0.001,2\n0.002,3\n100,4\n", ("dropouts would fill",)),
    "not UTF-8": (b"t_s,floor_cmh2o\n0,1\n0.001,\xff\n", ("not UTF-8",)),
    "binary header": (b"\x89PNG\r\n\x1a\n\x00\x00", ("not UTF-8",)),
    "semicolons": ("t_s;floor_cmh2o\n0;1\n1;2\n", ("expected 't_s'",)),
}


@pytest.mark.parametrize("reader", [read_csv, read_recording], ids=["read_csv", "read_recording"])
@pytest.mark.parametrize("case", list(BAD_CSV))
def test_bad_csv_is_a_one_line_recording_error(
    tmp_path: Path, case: str, reader: Callable[[Path], Recording], check_error: Callable[..., str]
) -> None:
    content, phrases = BAD_CSV[case]
    path = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(RecordingError) as excinfo:
        reader(path)
    check_error(excinfo, path, *phrases)


BAD_SIDECARS = {
    "invalid JSON": ('{"annotations": [', ("sidecar bad.annotations.json", "invalid JSON", "line 1")),
    "not an object": ("[1, 2]", ("expected an object",)),
    "item not an object": ('{"annotations": [3]}', ("annotation 0", "expected an object")),
    "text onset": ('{"annotations": [{"onset_s": "1s", "duration_s": 0, "text": "x"}]}', ("onset_s", "'1s'")),
    "NaN onset": ('{"annotations": [{"onset_s": NaN, "duration_s": 0, "text": "x"}]}', ("onset_s", "nan")),
    "negative duration": (
        '{"annotations": [{"onset_s": 1, "duration_s": -1, "text": "x"}]}',
        ("duration_s",),
    ),
    "missing text": ('{"annotations": [{"onset_s": 1, "duration_s": 0}]}', ("text is None",)),
}


@pytest.mark.parametrize("case", list(BAD_SIDECARS))
def test_malformed_sidecar_is_a_recording_error(
    tmp_path: Path,
    case: str,
    check_error: Callable[..., str],
) -> None:
    content, phrases = BAD_SIDECARS[case]
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "0,1\n0.001,2\n")
    sidecar_path(path).write_text(content)
    with pytest.raises(RecordingError) as excinfo:
        read_recording(path)
    check_error(excinfo, path, *phrases)


@pytest.mark.parametrize(
    ("rec", "phrase"),
    [
        (Recording(100.0, {"floor": np.zeros(1)}, {"floor": "cmH2O"}), "at least 2"),
        (Recording(100.0, {"floor": np.array([0.0, np.nan])}, {"floor": "cmH2O"}), "NaN"),
        (Recording(100.0, {"a,b": np.zeros(2)}, {"a,b": "cmH2O"}), "cannot be a CSV column"),
        (Recording(100.0, {"floor": np.zeros(2)}, {"floor": "psi"}), "unknown unit 'psi'"),
    ],
)
def test_unwritable_recording_is_a_recording_error(
    tmp_path: Path, rec: Recording, phrase: str, check_error: Callable[..., str]
) -> None:
    path = tmp_path / "out.csv"
    with pytest.raises(RecordingError) as excinfo:
        write_csv(rec, path)
    check_error(excinfo, path, phrase)
