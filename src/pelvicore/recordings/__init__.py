"""Recording files: read and write CSV and EDF+, read BioSPPy text, all into one ``Recording``.

>>> rec = read_recording("session.csv")      # doctest: +SKIP
>>> write_recording(rec, "session.edf")      # doctest: +SKIP

Every problem with a file surfaces as a one-line ``RecordingError`` that starts with the file's path.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from pelvicore.errors import RecordingError
from pelvicore.recordings._common import PathLike, check_file, fail, one_line
from pelvicore.recordings.biosppy_text import read_biosppy_text
from pelvicore.recordings.csvfile import read_csv, write_csv
from pelvicore.recordings.edf import read_edf, write_edf
from pelvicore.recordings.model import KNOWN_UNITS, Annotation, Recording, canonical_unit

__all__ = [
    "KNOWN_UNITS",
    "READ_FORMATS",
    "WRITE_FORMATS",
    "Annotation",
    "Recording",
    "canonical_unit",
    "read_recording",
    "write_recording",
]

#: File extension (lowercase) to reader.
READ_FORMATS: dict[str, Callable[[PathLike], Recording]] = {
    ".csv": read_csv,
    ".edf": read_edf,
    ".txt": read_biosppy_text,
}
#: File extension (lowercase) to writer. BioSPPy text is read-only: it has no units and no annotations.
WRITE_FORMATS: dict[str, Callable[[Recording, PathLike], None]] = {
    ".csv": write_csv,
    ".edf": write_edf,
}


def _as_recording_error(path: PathLike, exc: Exception, action: str) -> RecordingError:
    """``exc`` as a one-line ``RecordingError`` starting with ``path`` (``exc`` itself if it is one)."""
    prefix = os.fspath(path)
    if isinstance(exc, RecordingError):
        message = one_line(exc)
        if message == str(exc) and message.startswith(prefix):
            return exc
        return RecordingError(message if message.startswith(prefix) else f"{prefix}: {message}")
    return RecordingError(f"{prefix}: cannot {action} ({type(exc).__name__}: {one_line(exc)})")


def _raise(path: PathLike, exc: Exception, action: str) -> NoReturn:
    error = _as_recording_error(path, exc, action)
    if error is exc:
        raise error
    raise error from exc


def read_recording(path: PathLike) -> Recording:
    """Read a recording, choosing the format by extension (``.csv``, ``.edf``, ``.txt`` = BioSPPy text).

    Parameters
    ----------
    path : str or PathLike
        The recording file.

    Returns
    -------
    Recording

    Raises
    ------
    RecordingError
        For every problem (missing file, unsupported extension, malformed content), as one line that
        starts with ``path``; never another exception type.
    """
    check_file(path)
    suffix = Path(path).suffix.lower()
    if suffix not in READ_FORMATS:
        fail(path, f"unsupported extension {suffix!r}, expected one of: {', '.join(READ_FORMATS)}")
    try:
        return READ_FORMATS[suffix](path)
    except Exception as exc:
        _raise(path, exc, "read it")


def write_recording(rec: Recording, path: PathLike) -> None:
    """Write ``rec``, choosing the format by extension (``.csv`` or ``.edf``).

    Parameters
    ----------
    rec : Recording
        The recording; see ``write_csv`` and ``write_edf`` for what each format can hold.
    path : str or PathLike
        Destination file; overwritten if it exists.

    Raises
    ------
    RecordingError
        Unsupported extension, a recording the format cannot hold, or an I/O error; one line starting
        with ``path``.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in WRITE_FORMATS:
        read_only = " (BioSPPy text is read-only)" if suffix in READ_FORMATS else ""
        expected = ", ".join(WRITE_FORMATS)
        fail(path, f"cannot write extension {suffix!r}{read_only}, expected one of: {expected}")
    try:
        WRITE_FORMATS[suffix](rec, path)
    except Exception as exc:
        _raise(path, exc, "write it")
