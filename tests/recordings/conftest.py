"""Shared checks for the recording-file tests."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pelvicore.errors import RecordingError


def check_error_message(excinfo: pytest.ExceptionInfo[RecordingError], path: Path, *phrases: str) -> str:
    """Assert the error is one line, starts with ``path``, names the file and contains every phrase."""
    message = str(excinfo.value)
    assert message.startswith(os.fspath(path)), message
    assert path.name in message
    assert "\n" not in message and "\r" not in message, message
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"
    return message


@pytest.fixture
def check_error() -> Callable[..., str]:
    """``check_error(excinfo, path, *phrases)``: see ``check_error_message``."""
    return check_error_message
