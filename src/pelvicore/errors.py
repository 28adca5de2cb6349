"""The exceptions pelvicore raises: one base class, one subclass per kind of problem."""

from __future__ import annotations


class PelvicoreError(Exception):
    """Base class of every error pelvicore raises on purpose."""


class RecordingError(PelvicoreError):
    """A recording file cannot be read or written (corrupt, truncated, malformed, unsupported)."""


class SignalError(PelvicoreError):
    """A signal handed to the analysis is unusable (wrong shape, non-finite, bad sampling rate)."""


class ProtocolError(PelvicoreError):
    """An unknown protocol or simulator profile, or a malformed protocol timeline."""
