"""The fixed-layout EDF/BDF header, checked in Python before pyedflib opens the file.

pyedflib reports a bad file as "a read error occurred" (and prints to stdout for a short one); reading
the few fields that decide the layout ourselves lets us say "truncated" or name the corrupt field.

Layout: Kemp et al. 1992, "A simple format for exchange of digitized polygraphic recordings",
Electroencephalogr Clin Neurophysiol 82:391 (EDF); Kemp et al. 2003, Clin Neurophysiol 114:1755 (EDF+).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pelvicore.recordings._common import PathLike, fail, short

FIXED_HEADER_BYTES = 256
#: Bytes of one signal's header: label 16, transducer 80, dimension 8, physical min/max and digital
#: min/max 8 each, prefilter 80, samples per record 8, reserved 32.
SIGNAL_HEADER_BYTES = 256
#: Offset of the samples-per-record fields from the start of the signal headers, per signal.
SAMPLES_FIELD_OFFSET = 16 + 80 + 8 + 8 + 8 + 8 + 8 + 80


@dataclass(frozen=True, slots=True)
class EdfLayout:
    """What the header says about the file's layout."""

    n_signals: int
    n_records: int
    record_duration_s: float
    samples_per_record: tuple[int, ...]
    bytes_per_sample: int


def _field(path: PathLike, header: bytes, start: int, size: int, name: str) -> str:
    raw = header[start : start + size]
    try:
        return raw.decode("ascii").strip()
    except UnicodeDecodeError:
        fail(path, f"corrupt EDF header: {name} field {short(raw)} is not ASCII")


def _int_field(path: PathLike, header: bytes, start: int, size: int, name: str) -> int:
    text = _field(path, header, start, size, name)
    try:
        return int(text)
    except ValueError:
        fail(path, f"corrupt EDF header: {name} is {short(text)}, expected a whole number")


def read_layout(path: PathLike) -> EdfLayout:
    """Check the header of EDF/BDF file ``path`` and the file size it implies.

    Raises
    ------
    RecordingError
        Not an EDF (wrong version field, too short), corrupt header field, truncated data records, or a
        discontinuous EDF+D file (its gaps would be silently closed).
    """
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        fixed = f.read(FIXED_HEADER_BYTES)
        if len(fixed) < FIXED_HEADER_BYTES:
            fail(path, f"not an EDF file: {len(fixed)} bytes, an EDF header alone has {FIXED_HEADER_BYTES}")
        if fixed[:8] == b"\xffBIOSEMI":
            bytes_per_sample = 3
        elif fixed[:8] == b"0       ":
            bytes_per_sample = 2
        else:
            fail(
                path,
                f"not an EDF file: version field is {short(fixed[:8])}, expected '0' (EDF) or BIOSEMI (BDF)",
            )
        n_signals = _int_field(path, fixed, 252, 4, "number of signals")
        header_bytes = _int_field(path, fixed, 184, 8, "number of header bytes")
        if n_signals < 1 or header_bytes != FIXED_HEADER_BYTES + SIGNAL_HEADER_BYTES * n_signals:
            fail(path, f"corrupt EDF header: {n_signals} signal(s) but {header_bytes} header bytes")
        if _field(path, fixed, 192, 44, "reserved")[:5] in ("EDF+D", "BDF+D"):
            fail(path, "discontinuous EDF+D file; pelvicore reads continuous EDF/EDF+ only")
        n_records = _int_field(path, fixed, 236, 8, "number of data records")
        duration_text = _field(path, fixed, 244, 8, "data record duration")
        try:
            duration_s = float(duration_text)
        except ValueError:
            fail(path, f"corrupt EDF header: data record duration is {short(duration_text)}, expected s")
        signal_headers = f.read(header_bytes - FIXED_HEADER_BYTES)
    if len(signal_headers) < header_bytes - FIXED_HEADER_BYTES:
        fail(path, f"truncated EDF header: {size} bytes, the header alone has {header_bytes}")
    start = SAMPLES_FIELD_OFFSET * n_signals
    samples = tuple(
        _int_field(path, signal_headers, start + 8 * i, 8, f"samples per record of signal {i + 1}")
        for i in range(n_signals)
    )
    if n_records < 0 or any(n < 1 for n in samples):
        fail(path, f"corrupt EDF header: {n_records} data records, {list(samples)} samples per record")
    expected = header_bytes + n_records * sum(samples) * bytes_per_sample
    if size < expected:
        fail(path, f"truncated: {n_records} data records need {expected} bytes, the file has {size}")
    return EdfLayout(n_signals, n_records, duration_s, samples, bytes_per_sample)
