"""BioSPPy Simple Text Format: the real EMG example, labels, and malformed files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from pelvicore.errors import RecordingError
from pelvicore.recordings import Recording, read_recording
from pelvicore.recordings.biosppy_text import read_biosppy_text

#: Real surface EMG from BioSPPy's examples/emg.txt (BSD-3-Clause; licence beside the copy).
EMG_EXAMPLE = Path(__file__).parents[1] / "data" / "biosppy_emg_1000hz.txt"


def test_reads_the_biosppy_emg_example() -> None:
    rec = read_recording(EMG_EXAMPLE)
    assert rec.fs_hz == 1000.0
    assert rec.n_samples == 100_000
    assert rec.channel_names == ["emg"]
    assert rec.units == {"emg": "raw"}
    assert rec.start_s == 0.0 and rec.annotations == ()
    assert rec.meta["resolution"] == "12"
    emg = rec.signals["emg"]
    assert emg.dtype == np.float64
    assert emg[0] == 2055.0
    assert emg.min() >= 0 and emg.max() < 4096  # 12-bit ADC counts
    assert_array_equal(emg, np.round(emg))


@pytest.mark.parametrize("separator", ["\t", ","])
def test_several_labelled_columns(tmp_path: Path, separator: str) -> None:
    path = tmp_path / "two.txt"
    path.write_text(
        f"# Simple Text Format\n# Sampling Rate (Hz):= 250.5\n# Labels:= EMG{separator}Pressure\n"
        "1.0\t2.0\n3.0\t4.0\n5.0 6.0\n"
    )
    rec = read_biosppy_text(path)
    assert rec.fs_hz == 250.5
    assert rec.channel_names == ["emg", "pressure"]
    assert rec.units == {"emg": "raw", "pressure": "raw"}
    assert_array_equal(rec.signals["pressure"], [2.0, 4.0, 6.0])


def test_missing_labels_give_numbered_channels(tmp_path: Path) -> None:
    path = tmp_path / "nolabels.txt"
    path.write_text("# Sampling Rate (Hz):= 100\n1 2 3\n4 5 6\n")
    rec = read_biosppy_text(path)
    assert rec.channel_names == ["ch1", "ch2", "ch3"]
    assert_array_equal(rec.signals["ch3"], [3.0, 6.0])


RATE = "# Sampling Rate (Hz):= 1000.00\n"
BAD_TEXT: dict[str, tuple[str | bytes, tuple[str, ...]]] = {
    "empty": ("", ("empty file",)),
    "no rate": (
        "# Simple Text Format\n# Labels:= EMG\n1\n2\n",
        ("no '# Sampling Rate (Hz):=", "header line"),
    ),
    "text rate": ("# Sampling Rate (Hz):= fast\n1\n", ("line 1", "sampling rate 'fast'", "positive number")),
    "zero rate": ("# Sampling Rate (Hz):= 0\n1\n", ("sampling rate '0'",)),
    "no samples": (RATE + "# Labels:= EMG\n", ("no samples",)),
    "text sample": (
        RATE + "# Labels:= EMG\n1\n2\nthree\n",
        ("line 5", "column 1 'emg'", "'three' is not a number"),
    ),
    "NaN sample": (RATE + "# Labels:= EMG\n1\nnan\n3\n", ("line 4", "column 1 'emg'", "NaN gap")),
    "infinite sample": (RATE + "1\ninf\n", ("line 3", "infinite value")),
    "missing column": (RATE + "1 2\n3 4\n5\n", ("line 4", "1 field(s), expected 2", "truncated last line")),
    "too many labels": (RATE + "# Labels:= EMG\tECG\n1\n2\n", ("2 label(s)", "1 column(s)")),
    "duplicate labels": (RATE + "# Labels:= EMG,emg\n1 2\n", ("not unique",)),
    "not UTF-8": (b"# Sampling Rate (Hz):= 100\n\xff\xfe\n", ("not UTF-8",)),
}


@pytest.mark.parametrize("reader", [read_biosppy_text, read_recording], ids=["direct", "read_recording"])
@pytest.mark.parametrize("case", list(BAD_TEXT))
def test_bad_text_is_a_one_line_recording_error(
    tmp_path: Path, case: str, reader: Callable[[Path], Recording], check_error: Callable[..., str]
) -> None:
    content, phrases = BAD_TEXT[case]
    path = tmp_path / "bad.txt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(RecordingError) as excinfo:
        reader(path)
    check_error(excinfo, path, *phrases)
