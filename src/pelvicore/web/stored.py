"""Moved to :mod:`pelvicore.sessions.stored` (exports read stored sessions too, and nothing below web/ imports
web/); re-exported here for the routers that import it from here."""

from pelvicore.sessions.stored import analysis_of, protocol_of, recording_of, summary_of

__all__ = ["analysis_of", "protocol_of", "recording_of", "summary_of"]
