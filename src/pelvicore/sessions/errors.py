"""What can stop a live session from starting or resuming."""

from __future__ import annotations

from pelvicore.errors import PelvicoreError


class SessionNotResumable(PelvicoreError):
    """Only an interrupted session from the simulator can be carried on."""


class ServerBusy(PelvicoreError):
    """The server runs as many live sessions as it may (``Settings.max_live_sessions``): a 503, try later."""


class SensorUnavailable(PelvicoreError):
    """The trainer asked for could not be found or connected; the message says which and why."""
