"""CSV recordings: a ``t_s`` column, then one ``<channel>_<unit>`` column per channel.

Example header: ``t_s,floor_cmh2o,abdomen_cmh2o``. Annotations live in a JSON sidecar next to the file
(``foo.csv`` -> ``foo.annotations.json``). Lost samples (a time step of k >= 2 normal steps) are filled
by holding the last value and marked with a ``"dropout"`` annotation.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path

import numpy as np

from pelvicore.errors import RecordingError
from pelvicore.recordings._common import (
    MAX_HEADER_CHARS,
    FloatArray,
    PathLike,
    check_file,
    check_finite,
    decode_error,
    fail,
    line_of_row,
    load_table,
    short,
)
from pelvicore.recordings.model import Annotation, Recording, canonical_unit

TIME_COLUMN = "t_s"
#: A step counts as k normal steps if within this fraction of a step of k steps...
STEP_TOLERANCE = 0.01
#: ...or within the resolution of timestamps written with 6 decimals (capped at a quarter step), s.
TIME_RESOLUTION_S = 1.5e-6
#: Refuse files where dropout filling would make up more than this fraction of the samples.
MAX_MISSING_FRACTION = 0.9


def sidecar_path(path: PathLike) -> Path:
    """Annotation sidecar of a CSV file: ``foo.csv`` -> ``foo.annotations.json``."""
    p = Path(path)
    return p.with_name(p.stem + ".annotations.json")


def _parse_header(path: PathLike, line: str) -> tuple[list[str], dict[str, str]]:
    """Return (column names, channel -> canonical unit) from the header line."""
    columns = [c.strip() for c in line.rstrip("\r\n").split(",")]
    if columns[0].lower() != TIME_COLUMN:
        fail(path, f"line 1: first column is {short(columns[0])}, expected 't_s' (like 't_s,floor_cmh2o')")
    if len(columns) < 2:
        fail(path, "line 1: no channel columns after 't_s' (header like 't_s,floor_cmh2o')")
    units: dict[str, str] = {}
    for j, column in enumerate(columns[1:], start=2):
        channel, _, unit = column.rpartition("_")
        where = f"line 1, column {j} {short(column)}"
        if not column:
            fail(path, f"{where}: empty column name, expected '<channel>_<unit>' like 'floor_cmh2o'")
        if not channel or not unit:
            fail(path, f"{where}: no unit, expected '<channel>_<unit>' like 'floor_cmh2o'")
        try:
            canonical = canonical_unit(unit)
        except RecordingError as exc:
            fail(path, f"{where}: {exc}")
        if channel in units:
            fail(path, f"{where}: channel {channel!r} appears twice")
        units[channel] = canonical
    return columns, units


def _read_header_line(path: PathLike) -> str:
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            line = f.readline(MAX_HEADER_CHARS)
    except UnicodeDecodeError as exc:
        decode_error(path, exc)
    if line.strip() == "":
        fail(path, "empty file, expected a header line like 't_s,floor_cmh2o'")
    if len(line) >= MAX_HEADER_CHARS:
        fail(path, f"line 1 is longer than {MAX_HEADER_CHARS} characters, not a 't_s,...' header")
    return line


def _sample_grid(path: PathLike, t: FloatArray) -> tuple[float, np.ndarray]:
    """Check the timestamps; return the sampling rate, Hz, and each row's sample index on the full grid."""
    with np.errstate(all="ignore"):
        dt = np.diff(t)
    bad = np.flatnonzero(dt <= 0)
    if bad.size:
        i = int(bad[0]) + 1
        line = line_of_row(path, i, skip_lines=1, delimiter=",")
        if dt[i - 1] == 0:
            fail(path, f"{line}: duplicate timestamp t_s={float(t[i])!r}")
        fail(path, f"{line}: timestamps not sorted, t_s={float(t[i])!r} comes after {float(t[i - 1])!r}")
    step = float(np.median(dt))
    if not (np.isfinite(step) and np.isfinite(1.0 / step)):
        fail(path, f"median time step {step!r} s does not give a usable sampling rate")
    tol = max(STEP_TOLERANCE * step, min(TIME_RESOLUTION_S, 0.25 * step))
    with np.errstate(all="ignore"):
        k = np.rint(dt / step)
        irregular = np.flatnonzero(~(np.abs(dt - k * step) <= tol) | (k < 1))
    if irregular.size:
        i = int(irregular[0]) + 1
        line = line_of_row(path, i, skip_lines=1, delimiter=",")
        fail(
            path,
            f"{line}: irregular sampling, time step {dt[i - 1]:.6g} s is not a whole multiple "
            f"of the normal step {step:.6g} s",
        )
    total = float(k.sum())
    if total + 1 > len(t) / (1 - MAX_MISSING_FRACTION):
        missing = f"{total + 1 - len(t):.0f} of {total + 1:.0f}"
        fail(path, f"dropouts would fill {missing} samples, too few samples were recorded")
    index = np.concatenate(([0], np.cumsum(k.astype(np.int64))))
    return _snap_rate(total / float(t[-1] - t[0]), span_s=float(t[-1] - t[0])), index


def _snap_rate(fs_hz: float, *, span_s: float) -> float:
    """Round ``fs_hz`` to the fewest decimals that timestamp rounding cannot tell apart from it.

    Timestamps written with 6 decimals are off by up to 1 us at each end, so ``fs_hz`` is only known to
    about ``fs_hz * 1e-6 / span_s``; a rate written as 250 Hz thus reads back as exactly 250.0.
    """
    tol = fs_hz * TIME_RESOLUTION_S / span_s
    for decimals in range(10):
        candidate = round(fs_hz, decimals)
        if candidate > 0 and abs(candidate - fs_hz) <= tol:
            return candidate
    return fs_hz


def _dropouts(index: np.ndarray, fs_hz: float) -> list[Annotation]:
    """One ``"dropout"`` annotation per run of lost samples (loop over gaps, not rows)."""
    gaps = np.flatnonzero(np.diff(index) > 1)
    onsets_s = (index[gaps] + 1) / fs_hz
    durations_s = (index[gaps + 1] - index[gaps] - 1) / fs_hz
    return [Annotation(float(t), float(d), "dropout") for t, d in zip(onsets_s, durations_s, strict=True)]


def read_annotations(path: PathLike) -> list[Annotation]:
    """Read the sidecar of CSV file ``path``; an absent sidecar means no annotations."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return []
    where = f"sidecar {sidecar.name}"
    try:
        content = json.loads(sidecar.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        fail(path, f"{where}: not UTF-8 text")
    except json.JSONDecodeError as exc:
        fail(path, f"{where}: invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})")
    items = content.get("annotations") if isinstance(content, dict) else None
    if not isinstance(items, list):
        fail(path, f'{where}: expected an object {{"annotations": [...]}}')
    annotations = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            fail(path, f"{where}: annotation {i} is {short(item)}, expected an object")
        values = []
        for key in ("onset_s", "duration_s"):
            value = item.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                fail(path, f"{where}: annotation {i}: {key} is {short(value)}, expected a number")
            values.append(float(value))
        if values[1] < 0:
            fail(path, f"{where}: annotation {i}: duration_s is {values[1]!r}, expected >= 0")
        text = item.get("text")
        if not isinstance(text, str):
            fail(path, f"{where}: annotation {i}: text is {short(text)}, expected a string")
        annotations.append(Annotation(values[0], values[1], text))
    return annotations


def read_csv(path: PathLike) -> Recording:
    """Read a CSV recording and its annotation sidecar.

    Parameters
    ----------
    path : str or PathLike
        CSV file with header ``t_s,<channel>_<unit>,...``; times in s, one row per sample.

    Returns
    -------
    Recording
        Sampling rate from the median time step, ``start_s`` = first timestamp, lost samples filled by
        holding the last value and marked ``"dropout"``.

    Raises
    ------
    RecordingError
        One line starting with ``path`` and naming the problem (and the line / column).
    """
    check_file(path)
    columns, units = _parse_header(path, _read_header_line(path))
    data = load_table(path, skip_lines=1, delimiter=",", names=columns)
    if data.shape[0] < 2:
        fail(path, f"{data.shape[0]} data row(s), need at least 2 to derive the sampling rate")
    check_finite(path, data, skip_lines=1, delimiter=",", names=columns)
    t = data[:, 0]
    fs_hz, index = _sample_grid(path, t)
    # Hold the last value over lost samples: full-grid sample i comes from row fill[i].
    if index[-1] == len(t) - 1:
        values = np.ascontiguousarray(data[:, 1:].T)
    else:
        fill = np.repeat(np.arange(len(t)), np.diff(index, append=index[-1] + 1))
        values = np.ascontiguousarray(data[fill, 1:].T)
    annotations = sorted([*read_annotations(path), *_dropouts(index, fs_hz)], key=lambda a: a.onset_s)
    try:
        return Recording(
            fs_hz=fs_hz,
            signals={name: values[j] for j, name in enumerate(units)},
            units=units,
            annotations=tuple(annotations),
            start_s=float(t[0]),
        )
    except RecordingError as exc:
        fail(path, str(exc))


def _time_format(fs_hz: float) -> str:
    # 6 decimals (1 us) unless the rate is so high that the step needs more to stay regular.
    return f"%.{max(6, math.ceil(math.log10(fs_hz)) + 3)}f"


def write_csv(rec: Recording, path: PathLike) -> None:
    """Write ``rec`` as CSV (times ``%.6f`` s, values ``%.9g``) plus the annotation sidecar.

    Parameters
    ----------
    rec : Recording
        At least 2 samples, finite values, channel names without ``,`` or line breaks.
    path : str or PathLike
        Destination; the sidecar ``<stem>.annotations.json`` is written beside it when ``rec`` has
        annotations, and a stale one is removed when it has none. ``rec.meta`` is not stored.

    Raises
    ------
    RecordingError
        The recording cannot be stored faithfully, or the file cannot be written.
    """
    if rec.n_samples < 2:
        fail(path, f"cannot write {rec.n_samples} sample(s) to CSV, the reader needs at least 2")
    header = [TIME_COLUMN]
    for name, x in rec.signals.items():
        if not name or name != name.strip() or any(c in name for c in ",\r\n"):
            fail(path, f"channel name {name!r} cannot be a CSV column (empty, padded, ',' or line break)")
        if not np.isfinite(x).all():
            fail(path, f"channel {name!r} has NaN or infinite samples, which the CSV reader rejects")
        try:
            header.append(f"{name}_{canonical_unit(rec.units[name]).lower()}")
        except RecordingError as exc:
            fail(path, f"channel {name!r}: {exc}")
    for a in rec.annotations:
        if not (math.isfinite(a.onset_s) and math.isfinite(a.duration_s)):
            fail(path, f"annotation {short(a.text)} has onset {a.onset_s!r} s, duration {a.duration_s!r} s")
    table = np.column_stack([rec.times_s(), *rec.signals.values()])
    sidecar = sidecar_path(path)
    try:
        np.savetxt(
            path,
            table,
            fmt=[_time_format(rec.fs_hz)] + ["%.9g"] * len(rec.signals),
            delimiter=",",
            header=",".join(header),
            comments="",
            encoding="utf-8",
        )
        if rec.annotations:
            items = [dataclasses.asdict(a) for a in rec.annotations]
            text = json.dumps({"annotations": items}, indent=1, ensure_ascii=False)
            sidecar.write_text(text + "\n", encoding="utf-8")
        elif sidecar.is_file():
            os.remove(sidecar)
    except OSError as exc:
        fail(path, f"cannot write: {exc.strerror or exc}")
