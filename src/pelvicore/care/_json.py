"""Small shared helpers for reading care JSON: decoding text, dates, unknown fields — each error names the field."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re

from pelvicore.care.answers import _show
from pelvicore.errors import PelvicoreError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def load_json(text: str, error: type[PelvicoreError]) -> object:
    """Decode JSON text; invalid or unusable JSON raises ``error`` with the line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer with thousands of digits, or absurd nesting
        raise error(f"not usable JSON: {type(exc).__name__}: {str(exc)[:80]}") from None


def parse_date(what: str, value: object, error: type[PelvicoreError]) -> dt.date:
    """A calendar date written ``YYYY-MM-DD``; anything else raises ``error`` naming ``what``."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise error(f'{what}: expected a date such as "2025-03-03", got {_show(value)}')


def unknown_field(key: object, known: tuple[str, ...], what: str) -> str:
    """The message for an unknown JSON field, with the closest known name when there is one."""
    close = difflib.get_close_matches(key, known, n=1) if isinstance(key, str) else []
    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
    return f"unknown {what} {_show(key)} ({hint})"


show = _show
"""``value`` as written in JSON, shortened to one line (shared with the triage answers)."""

__all__ = ["load_json", "parse_date", "show", "unknown_field"]
