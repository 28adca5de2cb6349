"""Schemathesis against the OpenAPI schema, signed in, on a real server: no request it makes gets a 5xx.

The schema comes from the app itself; requests go to a ``pelvicore serve`` process, so the sessions they start
run there. Deleting the account is left out (it would end the run); its own test is in ``test_account_api``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from web_server import Server, served

from pelvicore.web.app import create_app
from pelvicore.web.settings import Settings

schema = schemathesis.openapi.from_dict(create_app(Settings(database_url="sqlite://")).openapi()).exclude(
    method="DELETE", path="/api/me"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with served(tmp_path_factory.mktemp("fuzz"), "--ble", "none") as url:
        yield url


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_request_gets_a_server_error(case: schemathesis.Case, server: Server) -> None:
    response = case.call(base_url=server, headers=server.headers, timeout=30)
    assert response.status_code < 500, (case.method, case.formatted_path, response.status_code, response.text[:300])
