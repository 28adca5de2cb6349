"""A real app on a temporary SQLite database, through Starlette's test client (HTTP and WebSocket)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from signed_in import signed_in

from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'pelvicore.sqlite3'}"))
    with signed_in(app) as c:
        yield c
