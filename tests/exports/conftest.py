"""The export tests store sessions with the web tests' helpers (``tests/web/stored_sessions.py``, ``signed_in.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

WEB_TESTS = str(Path(__file__).resolve().parents[1] / "web")
if WEB_TESTS not in sys.path:
    sys.path.append(WEB_TESTS)
