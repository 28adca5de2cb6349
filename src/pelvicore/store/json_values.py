"""Turn payloads and summaries into plain JSON values that every database stores the same way."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from pelvicore.store.errors import StoreError


def to_json_object(value: Mapping[str, Any], what: str) -> dict[str, Any]:
    """``value`` with NumPy scalars and arrays as numbers and lists, tuples as lists, NaN and infinities as None.

    JSON has no NaN (PostgreSQL rejects it), and NumPy types cannot be serialised. ``what`` names the value
    in the ``StoreError`` raised for anything else (keys that are not strings, dates, objects...).
    """
    converted = _jsonable(value, what)
    assert isinstance(converted, dict)
    return converted


def _jsonable(value: Any, what: str) -> Any:
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise StoreError(f"{what}: JSON object keys must be strings, got {list(value)!r}")
        return {key: _jsonable(item, what) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist(), what)
    if isinstance(value, list | tuple):
        return [_jsonable(item, what) for item in value]
    raise StoreError(f"{what}: cannot store {type(value).__name__} {value!r} as JSON")
