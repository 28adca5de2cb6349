"""BioSPPy "Simple Text Format": ``#`` header lines, then one whitespace-separated row per sample.

Example (the head of BioSPPy's ``examples/emg.txt``)::

    # Simple Text Format
    # Sampling Rate (Hz):= 1000.00
    # Resolution:= 12
    # Labels:= EMG
    2055.0

Format: BioSPPy ``biosppy.storage.store_txt`` / ``load_txt`` (Carreiras et al., BioSPPy, 2015-).
"""

from __future__ import annotations

import math
import re

from pelvicore.errors import RecordingError
from pelvicore.recordings._common import (
    MAX_HEADER_CHARS,
    PathLike,
    check_file,
    check_finite,
    decode_error,
    fail,
    load_table,
    short,
)
from pelvicore.recordings.model import Recording

#: BioSPPy files carry ADC counts or unscaled values.
UNIT = "raw"


def _parse_rate(path: PathLike, lineno: int, value: str) -> float:
    try:
        fs_hz = float(value)
    except ValueError:
        fs_hz = math.nan
    if not (math.isfinite(fs_hz) and fs_hz > 0):
        fail(path, f"line {lineno}: sampling rate {short(value)} is not a positive number of Hz")
    return fs_hz


def _read_header(path: PathLike) -> tuple[int, float | None, list[str] | None, int, dict[str, str]]:
    """Return (header line count, rate Hz, labels, fields in the first data row, other header items)."""
    fs_hz: float | None = None
    labels: list[str] | None = None
    meta: dict[str, str] = {}
    n_header = 0
    n_fields = 0
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for lineno, line in enumerate(iter(lambda: f.readline(MAX_HEADER_CHARS), ""), start=1):
                if not line.startswith("#"):
                    if line.strip():
                        n_fields = len(line.split())
                        break
                    continue
                n_header = lineno
                key, sep, value = line[1:].partition(":=")
                key, value = key.strip().lower(), value.strip()
                if not sep:
                    continue
                if key.startswith("sampling rate"):
                    fs_hz = _parse_rate(path, lineno, value)
                elif key == "labels":
                    labels = [s.strip().lower() for s in re.split(r"[\t,]", value) if s.strip()]
                else:
                    meta[key] = value
    except UnicodeDecodeError as exc:
        decode_error(path, exc)
    return n_header, fs_hz, labels, n_fields, meta


def read_biosppy_text(path: PathLike) -> Recording:
    """Read a BioSPPy Simple Text Format file.

    Parameters
    ----------
    path : str or PathLike
        Text file with a ``# Sampling Rate (Hz):= <fs>`` header line and optionally
        ``# Labels:= <label>[<tab or comma><label>...]``.

    Returns
    -------
    Recording
        Channels named by the lowercased labels (``ch1``, ``ch2``... without labels), unit ``raw``;
        other header items (``resolution``...) in ``meta``.

    Raises
    ------
    RecordingError
        One line starting with ``path``: no sampling rate, label count not matching the columns,
        text or NaN among the samples, no samples.
    """
    if check_file(path).stat().st_size == 0:
        fail(path, "empty file, expected '# Sampling Rate (Hz):= <fs>' and one row of values per sample")
    n_header, fs_hz, labels, n_fields, meta = _read_header(path)
    if fs_hz is None:
        fail(path, "no '# Sampling Rate (Hz):= <fs>' header line, cannot tell the sampling rate")
    if n_fields == 0:
        fail(path, "no samples after the header")
    names = labels if labels else [f"ch{j}" for j in range(1, n_fields + 1)]
    if len(set(names)) != len(names):
        fail(path, f"labels {names} are not unique (compared lowercased)")
    if len(names) != n_fields:
        fail(path, f"{len(names)} label(s) {names} but {n_fields} column(s) in the first data row")
    data = load_table(path, skip_lines=n_header, delimiter=None, names=names)
    check_finite(path, data, skip_lines=n_header, delimiter=None, names=names)
    try:
        return Recording(
            fs_hz=fs_hz,
            signals={name: data[:, j].copy() for j, name in enumerate(names)},
            units=dict.fromkeys(names, UNIT),
            meta=meta,
        )
    except RecordingError as exc:
        fail(path, str(exc))
