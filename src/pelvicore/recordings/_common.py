"""Helpers shared by the recording readers: one-line errors and table parsing with precise diagnostics.

The fast path is ``np.loadtxt`` (C speed); only when it fails do we walk the lines in Python to say
exactly which line and column is wrong.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import NoReturn, TypeAlias

import numpy as np
import numpy.typing as npt

from pelvicore.errors import RecordingError

PathLike: TypeAlias = str | os.PathLike[str]
FloatArray: TypeAlias = npt.NDArray[np.float64]

#: A number as ``np.loadtxt`` reads it: ASCII digits only (``float`` also takes "1_0" and non-ASCII digits).
_NUMBER_PATTERN = r"\s*[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)\s*"
_NUMBER = re.compile(_NUMBER_PATTERN, re.IGNORECASE | re.ASCII)

#: Longest header line we read; a longer first line is not a header.
MAX_HEADER_CHARS = 100_000


def one_line(text: object) -> str:
    """Join the lines of ``text`` (an exception message, say) with single spaces."""
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def short(value: object, limit: int = 40) -> str:
    """``repr`` of ``value`` cut to about ``limit`` characters, for quoting untrusted file content."""
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + "..."
    text = repr(value)
    return text if len(text) <= limit + 2 else text[:limit] + "..."


def fail(path: PathLike, detail: str) -> NoReturn:
    """Raise a one-line ``RecordingError`` that starts with ``path``."""
    raise RecordingError(f"{os.fspath(path)}: {one_line(detail)}")


def check_file(path: PathLike) -> Path:
    """Return ``path`` as a ``Path`` after checking it names an existing regular file."""
    p = Path(path)
    if not p.exists():
        fail(path, "no such file")
    if p.is_dir():
        fail(path, "is a directory, expected a recording file")
    try:
        with open(p, "rb"):
            pass
    except OSError as exc:
        fail(path, f"cannot open: {exc.strerror or exc}")
    return p


def decode_error(path: PathLike, exc: UnicodeDecodeError) -> NoReturn:
    """Raise the ``RecordingError`` for a text file that is not UTF-8."""
    fail(
        path,
        f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}), is it a binary file?",
    )


def read_lines(path: PathLike) -> list[str]:
    """All lines of a UTF-8 text file, split on ``\\n`` only (as ``np.loadtxt`` does), ``\\r`` stripped."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        decode_error(path, exc)
    return [line.rstrip("\r") for line in text.split("\n")]


def _is_blank(line: str, delimiter: str | None) -> bool:
    # np.loadtxt skips empty lines; with whitespace as delimiter, whitespace-only lines too.
    return (line.strip() if delimiter is None else line) == ""


def _fields(line: str, delimiter: str | None) -> list[str]:
    return line.split() if delimiter is None else line.split(delimiter)


def line_of_row(path: PathLike, row: int, *, skip_lines: int, delimiter: str | None) -> str:
    """``"line N"`` for data row ``row`` (0-based, blank lines skipped); error path only, loops over lines."""
    lines = read_lines(path)
    numbers = [i + 1 for i in range(skip_lines, len(lines)) if not _is_blank(lines[i], delimiter)]
    return f"line {numbers[row]}" if row < len(numbers) else f"data row {row + 1}"


def _diagnose(path: PathLike, *, skip_lines: int, delimiter: str | None, names: list[str]) -> str | None:
    """Find the first malformed data line and describe it, or return None if every line looks fine."""
    lines = read_lines(path)
    data_lines = range(skip_lines, len(lines))
    numbered = [(i + 1, lines[i]) for i in data_lines if not _is_blank(lines[i], delimiter)]
    for k, (lineno, line) in enumerate(numbered):
        fields = _fields(line, delimiter)
        if len(fields) != len(names):
            hint = " (truncated last line?)" if k == len(numbered) - 1 else ""
            return f"line {lineno}: {len(fields)} field(s), expected {len(names)}{hint}"
        for j, (field, name) in enumerate(zip(fields, names, strict=True), start=1):
            if field.strip() == "":
                where = f"line {lineno}, column {j} {name!r}"
                return f"{where}: empty value (NaN gap); fill or cut it before loading"
            if not _NUMBER.fullmatch(field):
                return f"line {lineno}, column {j} {name!r}: {short(field)} is not a number"
    return None


def load_table(path: PathLike, *, skip_lines: int, delimiter: str | None, names: list[str]) -> FloatArray:
    """Parse the numeric body of a text file into shape (n_rows, len(names)), float64.

    Parameters
    ----------
    path : str or PathLike
        The file.
    skip_lines : int
        Header lines before the data.
    delimiter : str or None
        Field separator; None for runs of whitespace.
    names : list of str
        Column names, used in messages; their count is the expected number of fields per line.

    Returns
    -------
    ndarray, shape (n_rows, len(names))
        The values; may hold NaN or inf (see ``check_finite``). Blank lines are skipped.
    """
    try:
        with warnings.catch_warnings():
            # An empty body is reported by the caller as "too few rows", not as a UserWarning.
            warnings.simplefilter("ignore", UserWarning)
            data = np.loadtxt(
                path,
                delimiter=delimiter,
                skiprows=skip_lines,
                ndmin=2,
                comments=None,
                encoding="utf-8",
                dtype=np.float64,
            )
    except UnicodeDecodeError as exc:
        decode_error(path, exc)
    except ValueError as exc:
        problem = _diagnose(path, skip_lines=skip_lines, delimiter=delimiter, names=names)
        fail(path, problem or f"cannot parse the numbers: {exc}")
    if data.size == 0:
        return np.empty((0, len(names)))
    if data.shape[1] != len(names):
        problem = _diagnose(path, skip_lines=skip_lines, delimiter=delimiter, names=names)
        fail(path, problem or f"{data.shape[1]} data column(s), expected {len(names)}")
    return data


def check_finite(
    path: PathLike,
    data: FloatArray,
    *,
    skip_lines: int,
    delimiter: str | None,
    names: list[str],
) -> None:
    """Raise a ``RecordingError`` naming the line and column of the first NaN or infinite value."""
    bad = ~np.isfinite(data)
    if not bad.any():
        return
    row, col = (int(i) for i in np.argwhere(bad)[0])
    line = line_of_row(path, row, skip_lines=skip_lines, delimiter=delimiter)
    where = f"{line}, column {col + 1} {names[col]!r}"
    if np.isnan(data[row, col]):
        fail(path, f"{where}: NaN gap (missing sample); fill or cut it before loading")
    fail(path, f"{where}: infinite value {float(data[row, col])!r}, expected a finite number")
