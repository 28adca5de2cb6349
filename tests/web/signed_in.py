"""Signed-in test clients: the local owner's bearer token on a test app or a served database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urljoin

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from pelvicore.accounts import Accounts
from pelvicore.store.accounts import AccountStore
from pelvicore.store.db import make_engine, migrate

BASE_URL = "http://localhost"


class LocalClient(TestClient):
    """A test client whose WebSockets also go to ``localhost`` (Starlette's default host is not allowed)."""

    def websocket_connect(
        self, url: str, subprotocols: Sequence[str] | None = None, **kwargs: Any
    ) -> WebSocketTestSession:
        return super().websocket_connect(urljoin("ws://localhost", url), subprotocols, **kwargs)


def user_token(database_url: str, email: str | None = None) -> str:
    """A new bearer token for ``email`` (made if new, role person), or for the local owner."""
    engine = make_engine(database_url)
    try:
        migrate(engine)
        accounts = Accounts(AccountStore(engine))
        if email is None:
            user = accounts.local_owner(create=True)
        else:
            user = accounts.store.find_user(email=email) or accounts.create_user(email, role="person", password=None)
        assert user is not None
        return accounts.create_token(user)
    finally:
        engine.dispose()


def signin_link(database_url: str) -> str:
    """A one-time sign-in link's path for the local owner (as ``pelvicore serve`` prints at start-up)."""
    engine = make_engine(database_url)
    try:
        migrate(engine)
        accounts = Accounts(AccountStore(engine))
        owner = accounts.local_owner(create=True)
        assert owner is not None
        return f"/signin/link?token={accounts.create_signin_link(owner)}"
    finally:
        engine.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed_in(app: FastAPI, *, email: str | None = None, **kwargs: Any) -> LocalClient:
    """A test client of ``app`` (made by ``create_app``) signed in by a bearer token, on an allowed Host."""
    token = user_token(app.state.settings.database_url, email)
    return LocalClient(app, base_url=BASE_URL, headers=bearer(token), **kwargs)
