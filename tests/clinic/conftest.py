"""The clinic tests store simulated sessions with the web tests' helper (``tests/web/stored_sessions.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

WEB_TESTS = str(Path(__file__).resolve().parent.parent / "web")
if WEB_TESTS not in sys.path:
    sys.path.append(WEB_TESTS)
