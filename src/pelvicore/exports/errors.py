"""The exception the exports raise."""

from __future__ import annotations

from pelvicore.errors import PelvicoreError


class ExportError(PelvicoreError):
    """A session cannot be exported: no such session of hers, one still running, or one without samples."""
