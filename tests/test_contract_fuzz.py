"""Contract fuzzing: schemathesis runs every operation of the document against a live service.

Each operation is one test (`test_contract[POST /players/]`; select with `-k`) with a bounded
number of requests, valid and invalid ones, sent over HTTP to the app served on a localhost port
with the run's own test database, with accounts on (AUTH=required) and an admin's token on
every request, so that every operation is reached past its permission checks (who gets 401 and
403 is tested route by route in test_permissions.py). No answer may be a 5xx, and each must
have a documented status code, content type and headers, and a body that matches the
documented schema.
"""

from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from socialproof.app import create_app
from socialproof.auth.clients import create_client
from socialproof.handlers.docs import load_openapi
from socialproof.settings import Settings
from tests.live import serve_in_thread

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Generated requests per operation (valid and invalid), on top of the documented examples and
# schemathesis's boundary-value cases: enough to find a mismatch, small enough for CI.
MAX_EXAMPLES = 100

PASSWORD = {"password": "a password for fuzzing"}
SCENARIO = {"scenario_type": "negotiation", "content": "Ask for a raise.", "difficulty_level": 5}

schema = schemathesis.openapi.from_dict(load_openapi())


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def live_url(auth_settings: Settings, http: requests.Session) -> Iterator[str]:
    """The service on the emptied test database, with a few rows for generated ids to find;
    `http` sends an admin's token."""
    with serve_in_thread(create_app(auth_settings)) as url:
        assert auth_settings.database_url is not None
        admin = create_client(auth_settings.database_url, "contract fuzzing", "admin")
        form = {"grant_type": "client_credentials", **admin}
        response = http.post(f"{url}/auth/token", data=form)
        assert response.status_code == 200, response.text
        http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        # Identities restart at 1 for each test, and small ids are what generation tries
        # first: ids 1 and 2 then name real rows (an open and a completed scenario), so the
        # 200, 409 and rating paths are exercised, not only 404s.
        seed = [
            ("/players/", {"username": "player1", "email": "p1@example.com", **PASSWORD}),
            ("/players/", {"username": "player2", "email": "p2@example.com", **PASSWORD}),
            ("/scenarios/", {**SCENARIO, "player_id": 1}),
            ("/scenarios/", {**SCENARIO, "player_id": 1, "is_successful": True}),
        ]
        for path, body in seed:
            response = http.post(f"{url}{path}", json=body)
            assert response.status_code == 201, response.text
        yield url


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # the same requests on every run: a CI failure reproduces locally
    database=None,
    deadline=None,  # a request's time is the service's and the database's, not a flake
    # Requests over HTTP are slow by Hypothesis's measure, constrained strings are drawn by
    # filtering, and one server and database state per operation serves all its examples.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_contract(case: schemathesis.Case, live_url: str, http: requests.Session) -> None:
    case.call_and_validate(base_url=live_url, session=http, checks=CHECKS)
