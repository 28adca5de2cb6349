"""Live sessions: the runner (source x routine x pipeline -> frames, cues, events), its recorder, the fan-out to
pages, and the manager that starts, resumes and ends them. ``web/``, the terminal and the recorder use it."""

from pelvicore.sessions.errors import SensorUnavailable, ServerBusy, SessionNotResumable
from pelvicore.sessions.fanout import Fanout, LocalFanout
from pelvicore.sessions.manager import SessionManager
from pelvicore.sessions.runner import LiveSession

__all__ = [
    "Fanout",
    "LiveSession",
    "LocalFanout",
    "SensorUnavailable",
    "ServerBusy",
    "SessionManager",
    "SessionNotResumable",
]
