"""Checks on what the session store is given, and the byte layout of stored samples.

The same limits as the columns, so that SQLite (which ignores them) and PostgreSQL agree.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from pelvicore.store.errors import StoreError
from pelvicore.store.json_values import to_json_object

SAMPLE_DTYPE: Final = np.dtype("<f8")
"""Stored samples: float64, little-endian."""


def check_text(what: str, value: Any, max_chars: int) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > max_chars:
        raise StoreError(f"{what} must be a non-blank string of at most {max_chars} characters, got {value!r}")


def check_positive(name: str, value: float, unit: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise StoreError(f"{name} must be a finite number > 0{' ' + unit if unit else ''}, got {value!r}")


def as_samples(name: str, values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    array = np.asarray(values)
    if array.ndim != 1 or not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise StoreError(f"channel {name!r}: expected a 1-D array of numbers, got {array.dtype} of shape {array.shape}")
    if np.iscomplexobj(array):
        raise StoreError(f"channel {name!r}: expected real numbers, got {array.dtype}")
    return array.astype(np.float64, copy=False)


def decode_chunk(session_id: str, seq: int, n_channels: int, n_samples: int, data: bytes) -> npt.NDArray[np.float64]:
    expected = n_channels * n_samples * SAMPLE_DTYPE.itemsize
    if len(data) != expected:
        raise StoreError(f"session {session_id}: chunk {seq} holds {len(data)} bytes, expected {expected}")
    return np.frombuffer(data, dtype=SAMPLE_DTYPE).astype(np.float64).reshape(n_channels, n_samples)


def event_fields(session_id: str, event: Mapping[str, Any]) -> tuple[str, float, dict[str, Any]]:
    what = f"session {session_id}: event {dict(event)!r}"
    kind, t_s = event.get("kind"), event.get("t_s")
    if not isinstance(kind, str) or not kind.strip() or len(kind) > 50:
        raise StoreError(f"{what}: 'kind' must be a non-blank string of at most 50 characters, got {kind!r}")
    if isinstance(t_s, bool) or not isinstance(t_s, numbers.Real) or not math.isfinite(t_s):
        raise StoreError(f"{what}: 't_s' must be a finite number of seconds, got {t_s!r}")
    payload = to_json_object({k: v for k, v in event.items() if k not in ("kind", "t_s")}, what)
    return kind, float(t_s), payload
