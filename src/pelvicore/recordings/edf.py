"""EDF+ recordings via pyedflib: one signal per channel, shared sampling rate, EDF+ annotations.

pyedflib is imported inside the functions so that importing pelvicore (and starting the CLI) stays lean.
pelvicore keeps two facts EDF has no field for in the EDF+ "recording additional" header field, as
``n=<n_samples>;t0=<start_s>``: the true sample count (EDF pads the last data record) and ``start_s``.

Format: Kemp et al. 2003, "European data format 'plus' (EDF+)", Clin Neurophysiol 114:1755.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from pelvicore.errors import RecordingError
from pelvicore.recordings._common import FloatArray, PathLike, check_file, fail, one_line, short
from pelvicore.recordings.edf_header import read_layout
from pelvicore.recordings.model import Annotation, Recording, canonical_unit

DIGITAL_MIN = -32768
DIGITAL_MAX = 32767
#: EDF header fields: labels 16 characters, physical min/max 8 characters.
MAX_LABEL_CHARS = 16
MAX_NUMBER_CHARS = 8
#: pyedflib (EDFlib) keeps at most 40 bytes of annotation text and 39 characters of "recording additional".
MAX_ANNOTATION_BYTES = 40
MAX_ADDITIONAL_CHARS = 39
#: EDFlib stores one annotation per annotation signal per data record, and at most 64 annotation signals.
MAX_ANNOTATION_SIGNALS = 64

#: EDF stores the rate as samples per record / record duration; accept this relative rounding of it.
MAX_RATE_ERROR = 1e-6

_N_SAMPLES = re.compile(r"(?:^|;)n=(\d+)(?:;|$)")
_START_S = re.compile(r"(?:^|;)t0=([^;\s]+)")


def _edf_number(value: float, *, up: bool) -> float:
    """Round ``value`` outwards (up for a maximum) to a number EDF's 8-character field holds exactly."""
    for decimals in range(MAX_NUMBER_CHARS - 1, -1, -1):
        scale = 10.0**decimals
        rounded = (math.ceil(value * scale) if up else math.floor(value * scale)) / scale
        text = f"{rounded:.{decimals}f}"
        if len(text) <= MAX_NUMBER_CHARS:
            return float(text)
    raise ValueError(value)


def _physical_range(path: PathLike, name: str, x: FloatArray) -> tuple[float, float]:
    """Physical min/max of a channel, s.t. the data fit with a 1 % margin and the span is never zero."""
    lo, hi = float(x.min()), float(x.max())
    margin = 0.01 * (hi - lo) if hi > lo else max(0.01 * abs(hi), 1.0)
    try:
        return _edf_number(lo - margin, up=False), _edf_number(hi + margin, up=True)
    except ValueError:
        fail(
            path,
            f"channel {name!r} spans {lo:.6g}..{hi:.6g}, beyond EDF's 8-character physical range "
            "(-9999999..99999999); rescale it",
        )


def _header_text(rec: Recording) -> str:
    """The ``n=...;t0=...`` note for the "recording additional" field (shorter t0 if it does not fit)."""
    note = f"n={rec.n_samples}"
    if rec.start_s == 0:
        return note
    for t0 in (repr(rec.start_s), f"{rec.start_s:.15g}", f"{rec.start_s:.12g}", f"{rec.start_s:.9g}"):
        if len(f"{note};t0={t0}") <= MAX_ADDITIONAL_CHARS:
            return f"{note};t0={t0}"
    return note


def _check_annotations(path: PathLike, annotations: tuple[Annotation, ...], n_records: int) -> int:
    """Validate annotations for EDF+; return the number of annotation signals needed to hold them."""
    for a in annotations:
        size = len(a.text.encode("utf-8"))
        if size > MAX_ANNOTATION_BYTES or any(ord(c) < 32 or ord(c) == 127 for c in a.text):
            fail(
                path,
                f"annotation text {short(a.text)} has {size} bytes or control characters; "
                f"EDF+ takes up to {MAX_ANNOTATION_BYTES} bytes of printable text",
            )
        if not (math.isfinite(a.onset_s) and a.onset_s >= 0 and math.isfinite(a.duration_s)):
            when = f"at {a.onset_s!r} s for {a.duration_s!r} s"
            fail(path, f"annotation {short(a.text)} {when} cannot go in EDF+ (onset must be >= 0 s)")
    needed = max(1, math.ceil(len(annotations) / n_records))
    if needed > MAX_ANNOTATION_SIGNALS:
        fail(
            path,
            f"{len(annotations)} annotations do not fit in {n_records} EDF+ data record(s) "
            f"(at most {MAX_ANNOTATION_SIGNALS} per record)",
        )
    return needed


def _signal_headers(path: PathLike, rec: Recording) -> list[dict[str, Any]]:
    headers = []
    for name, x in rec.signals.items():
        if not name or name != name.strip() or len(name) > MAX_LABEL_CHARS or not name.isascii():
            fail(path, f"channel name {name!r} cannot be an EDF label (1-{MAX_LABEL_CHARS} ASCII characters)")
        if not name.isprintable():
            fail(path, f"channel name {name!r} cannot be an EDF label (non-printable characters)")
        if not np.isfinite(x).all():
            fail(path, f"channel {name!r} has NaN or infinite samples, which EDF cannot store")
        try:
            unit = canonical_unit(rec.units[name])
        except RecordingError as exc:
            fail(path, f"channel {name!r}: {exc}")
        pmin, pmax = _physical_range(path, name, x)
        headers.append(
            {
                "label": name,
                "dimension": unit,
                "sample_frequency": rec.fs_hz,
                # EDF header numbers are text; pyedflib warns when str(float) is long ("12345678.0").
                "physical_min": int(pmin) if pmin.is_integer() else pmin,
                "physical_max": int(pmax) if pmax.is_integer() else pmax,
                "digital_min": DIGITAL_MIN,
                "digital_max": DIGITAL_MAX,
                "transducer": "",
                "prefilter": "",
            }
        )
    return headers


def write_edf(rec: Recording, path: PathLike) -> None:
    """Write ``rec`` as EDF+ (continuous), 16-bit samples, annotations as EDF+ annotations.

    Parameters
    ----------
    rec : Recording
        At least 1 sample; channel names of 1-16 ASCII characters; finite values within
        -9999999..99999999 (EDF header numbers have 8 characters); annotation texts up to 40 bytes.
    path : str or PathLike
        Destination. Physical min/max come from the data with a 1 % margin, digital range
        -32768..32767, so values come back within one quantisation step (span / 65535). Annotation onsets
        are kept to 100 us. ``meta["start_datetime"]`` (ISO 8601) becomes the EDF start date/time.

    Raises
    ------
    RecordingError
        The recording cannot be stored in EDF+, or the file cannot be written (no partial file is left).
    """
    import pyedflib

    if rec.n_samples < 1:
        fail(path, "cannot write an empty recording to EDF")
    headers = _signal_headers(path, rec)
    start = None
    if "start_datetime" in rec.meta:
        try:
            start = datetime.fromisoformat(rec.meta["start_datetime"])
        except ValueError:
            start_text = short(rec.meta["start_datetime"])
            fail(path, f"meta start_datetime {start_text} is not an ISO 8601 date-time")
    try:
        writer = pyedflib.EdfWriter(os.fspath(path), len(headers), file_type=pyedflib.FILETYPE_EDFPLUS)
    except OSError as exc:
        fail(path, f"cannot write: {exc}")
    ok = False
    try:
        # pyedflib warns where it would silently lose information (e.g. a rate that no record duration
        # up to 60 s makes a whole number of samples): make that an error.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            writer.setSignalHeaders(headers)
            n_records = math.ceil(rec.n_samples / writer.get_smp_per_record(0))
            writer.set_number_of_annotation_signals(_check_annotations(path, rec.annotations, n_records))
            writer.setRecordingAdditional(_header_text(rec))
            if start is not None:
                writer.setStartdatetime(start)
        writer.writeSamples([np.ascontiguousarray(x, dtype=np.float64) for x in rec.signals.values()])
        for a in sorted(rec.annotations, key=lambda a: a.onset_s):
            if writer.writeAnnotation(a.onset_s, a.duration_s, a.text) < 0:
                fail(path, f"pyedflib refused annotation {short(a.text)} at {a.onset_s!r} s")
        ok = True
    except (ValueError, OSError, UserWarning) as exc:
        fail(path, f"cannot write EDF+: {exc}")
    finally:
        writer.close()
        if not ok:
            Path(path).unlink(missing_ok=True)
    _check_written_rate(path, rec.fs_hz)


def _check_written_rate(path: PathLike, fs_hz: float) -> None:
    """EDF stores the rate as samples per record / an 8-character record duration: check what it became."""
    layout = read_layout(path)
    written_hz = layout.samples_per_record[0] / layout.record_duration_s
    if abs(written_hz - fs_hz) > MAX_RATE_ERROR * fs_hz:
        Path(path).unlink()
        fail(
            path,
            f"sampling rate {fs_hz!r} Hz cannot be stored in EDF, it would read back as {written_hz!r} Hz",
        )


def _read_annotations(reader: Any) -> tuple[Annotation, ...]:
    with warnings.catch_warnings():
        # pyedflib warns when it falls back to Latin-1 for a text that is not UTF-8; that fallback is fine.
        warnings.simplefilter("ignore", UserWarning)
        onsets, durations, texts = reader.readAnnotations()
    annotations = [
        # pyedflib reports an unknown duration as -1.
        Annotation(float(onset), max(float(duration), 0.0), str(text))
        for onset, duration, text in zip(onsets, durations, texts, strict=True)
    ]
    return tuple(sorted(annotations, key=lambda a: a.onset_s))


def _read_signals(path: PathLike, reader: Any) -> tuple[float, dict[str, FloatArray], dict[str, str]]:
    n_channels = int(reader.signals_in_file)
    if n_channels == 0:
        fail(path, "no signal channels (annotations only)")
    labels = [label.strip() or f"ch{i + 1}" for i, label in enumerate(reader.getSignalLabels())]
    if len(set(labels)) != len(labels):
        fail(path, f"channel labels {labels} are not unique")
    rates = [float(reader.getSampleFrequency(i)) for i in range(n_channels)]
    if not np.allclose(rates, rates[0], rtol=1e-9, atol=0):
        listing = ", ".join(f"{label} {fs:g} Hz" for label, fs in zip(labels, rates, strict=True))
        fail(path, f"channels differ in sampling rate ({listing}); pelvicore needs one shared rate")
    units = {}
    for i, label in enumerate(labels):
        try:
            units[label] = canonical_unit(reader.getPhysicalDimension(i))
        except RecordingError as exc:
            fail(path, f"channel {label!r}: {exc}")
    signals = {label: np.asarray(reader.readSignal(i), dtype=np.float64) for i, label in enumerate(labels)}
    return rates[0], signals, units


def _pelvicore_note(reader: Any, n_file: int, samples_per_record: int) -> tuple[int, float]:
    """(true sample count, start_s) from the ``n=...;t0=...`` note, if present and plausible."""
    note = str(reader.getRecordingAdditional())
    n_samples, start_s = n_file, 0.0
    match = _N_SAMPLES.search(note)
    if match and n_file - samples_per_record < int(match.group(1)) <= n_file:
        n_samples = int(match.group(1))
    match = _START_S.search(note)
    if match:
        try:
            start_s = float(match.group(1))
        except ValueError:
            start_s = 0.0
    return n_samples, start_s if math.isfinite(start_s) else 0.0


def read_edf(path: PathLike) -> Recording:
    """Read an EDF or continuous EDF+ file.

    Parameters
    ----------
    path : str or PathLike
        EDF/EDF+ file whose signals share one sampling rate and have known physical dimensions
        (``cmH2O``, ``uV``, ``raw``...).

    Returns
    -------
    Recording
        Channels named by label, physical values (float64), EDF+ annotations (unknown durations as 0 s),
        start date/time in ``meta["start_datetime"]`` (ISO 8601).

    Raises
    ------
    RecordingError
        One line starting with ``path``: not an EDF, truncated or corrupt header, discontinuous EDF+D,
        channels with different rates, unknown unit.
    """
    import pyedflib

    check_file(path)
    read_layout(path)
    try:
        reader = pyedflib.EdfReader(os.fspath(path))
    except Exception as exc:  # OSError mostly, but a corrupt header could raise anything
        detail = one_line(exc).removeprefix(f"{os.fspath(path)}: ")
        fail(path, f"not a readable EDF/EDF+ file ({type(exc).__name__}: {detail})")
    try:
        fs_hz, signals, units = _read_signals(path, reader)
        n_file = len(next(iter(signals.values())))
        n_samples, start_s = _pelvicore_note(reader, n_file, int(reader.samples_in_datarecord(0)))
        annotations = _read_annotations(reader)
        meta = {}
        with contextlib.suppress(ValueError):  # A corrupt start date is no reason to refuse the samples.
            meta["start_datetime"] = reader.getStartdatetime().isoformat()
    finally:
        reader.close()
    try:
        return Recording(
            fs_hz=fs_hz,
            signals={name: x[:n_samples] for name, x in signals.items()},
            units=units,
            annotations=annotations,
            start_s=start_s,
            meta=meta,
        )
    except RecordingError as exc:
        fail(path, str(exc))
