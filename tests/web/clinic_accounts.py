"""Test accounts for the clinician side: a clinician's bearer token, and one client speaking for several accounts."""

from __future__ import annotations

from typing import Any

from httpx import Response
from signed_in import LocalClient, bearer
from starlette.testclient import WebSocketTestSession

from pelvicore.accounts import Accounts
from pelvicore.store.accounts import AccountStore
from pelvicore.store.db import make_engine, migrate


def clinician_token(database_url: str, email: str = "pt@clinic.example") -> str:
    """A new bearer token for the clinician ``email`` (the account is made if new)."""
    engine = make_engine(database_url)
    try:
        migrate(engine)
        accounts = Accounts(AccountStore(engine))
        user = accounts.store.find_user(email=email) or accounts.create_user(email, role="clinician", password=None)
        return accounts.create_token(user)
    finally:
        engine.dispose()


class As:
    """One test client's requests signed in as someone else (by their bearer token).

    Several accounts on one app share one client: a second ``TestClient`` would run a second lifespan, with its
    own session manager and event loop, and a live session started on one would stall when watched from the other.
    """

    def __init__(self, client: LocalClient, token: str) -> None:
        self.client, self.headers, self.app = client, bearer(token), client.app

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.client.get(url, headers=self.headers, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.client.post(url, headers=self.headers, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        return self.client.put(url, headers=self.headers, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.client.delete(url, headers=self.headers, **kwargs)

    def websocket_connect(self, url: str) -> WebSocketTestSession:
        return self.client.websocket_connect(url, headers=self.headers)
