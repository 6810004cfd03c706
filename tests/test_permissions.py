"""Who may do what: every cell of the contract's permission table, with AUTH=required.

Each case sets up two players, `self` (id 1, with an open scenario 1) and `other` (id 2), and
calls one route on `self`'s data as one kind of caller: anonymous, the player themself,
another player, a trusted game server (results:write), an admin. Players' tokens are issued
by the app's own signer, as the token endpoint issues them (logging in is tested in
test_auth.py, and costs an argon2 hash); clients get theirs by the client-credentials grant.
"""

from typing import Any

import pytest

from socialproof.keys import signer_key
from tests.api import Client
from tests.auth_api import bearer, client_token, sign_up

CALLERS = ["anonymous", "self", "other", "results_writer", "admin"]
SCENARIO = {"scenario_type": "negotiation", "content": "Ask for a raise.", "difficulty_level": 5}

# (method, path, JSON body or None) -> status for each caller, in CALLERS' order.
TABLE: list[tuple[str, str, dict[str, Any] | None, list[int]]] = [
    ("GET", "/", None, [200, 200, 200, 200, 200]),
    ("GET", "/health", None, [200, 200, 200, 200, 200]),
    ("GET", "/docs", None, [200, 200, 200, 200, 200]),
    ("GET", "/openapi.json", None, [200, 200, 200, 200, 200]),
    ("POST", "/players/", {"username": "newcomer", "password": "a new password"}, [201] * 5),
    ("GET", "/players/", None, [200, 200, 200, 200, 200]),
    ("GET", "/players/1", None, [200, 200, 200, 200, 200]),
    ("GET", "/leaderboard", None, [200, 200, 200, 200, 200]),
    ("GET", "/players/1/rank", None, [200, 200, 200, 200, 200]),
    ("GET", "/players/1/stats", None, [200, 200, 200, 200, 200]),
    ("GET", "/players/1/rating-history", None, [200, 200, 200, 200, 200]),
    ("PATCH", "/players/1", {"username": "renamed"}, [401, 200, 403, 403, 200]),
    ("DELETE", "/players/1", None, [401, 204, 403, 403, 204]),
    ("POST", "/scenarios/", {**SCENARIO, "player_id": 1}, [401, 201, 403, 201, 201]),
    (
        "POST",
        "/scenarios/",
        {**SCENARIO, "player_id": 1, "is_successful": True},
        [401, 403, 403, 201, 201],
    ),
    ("GET", "/scenarios/1", None, [401, 200, 403, 200, 200]),
    ("GET", "/players/1/scenarios", None, [401, 200, 403, 200, 200]),
    ("POST", "/scenarios/1/result", {"is_successful": True}, [401, 403, 403, 200, 200]),
    # Missing resources: 404 for whoever may call the route at all, 403 for the others.
    ("PATCH", "/players/99", {"username": "renamed"}, [401, 404, 404, 403, 404]),
    ("DELETE", "/players/99", None, [401, 404, 404, 403, 404]),
    ("POST", "/scenarios/", {**SCENARIO, "player_id": 99}, [401, 404, 404, 404, 404]),
    ("GET", "/scenarios/99", None, [401, 404, 404, 404, 404]),
    ("GET", "/players/99/scenarios", None, [401, 404, 404, 404, 404]),
    ("POST", "/scenarios/99/result", {"is_successful": True}, [401, 403, 403, 404, 404]),
]

CASES = [
    pytest.param(method, path, body, caller, statuses[n], id=f"{method} {path} {caller}")
    for method, path, body, statuses in TABLE
    for n, caller in enumerate(CALLERS)
]


def player_headers(client: Client, player_id: int) -> dict[str, str]:
    signer = client.app[signer_key]
    assert signer is not None
    return bearer(signer.issue(f"player:{player_id}", "player"))


async def headers_of(client: Client, database_url: str, caller: str) -> dict[str, str]:
    """Players 1 (self) and 2 (other), and the headers `caller` sends."""
    await sign_up(client, "self")
    await sign_up(client, "other")
    if caller == "anonymous":
        return {}
    if caller in {"self", "other"}:
        return player_headers(client, 1 if caller == "self" else 2)
    scope = "results:write" if caller == "results_writer" else "admin"
    return bearer(await client_token(client, database_url, scope))


@pytest.mark.parametrize(("method", "path", "body", "caller", "status"), CASES)
async def test_permission_table(
    auth_client: Client,
    empty_tables: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    caller: str,
    status: int,
) -> None:
    headers = await headers_of(auth_client, empty_tables, caller)
    admin = bearer(await client_token(auth_client, empty_tables, "admin"))
    created = await auth_client.post(
        "/scenarios/", json={**SCENARIO, "player_id": 1}, headers=admin
    )
    assert created.status == 201
    if body is not None and path == "/players/":
        body = {**body, "email": "newcomer@example.com"}

    response = await auth_client.request(method, path, json=body, headers=headers)
    assert response.status == status, await response.text()
    if status == 401:
        assert await response.json() == {"detail": "Not authenticated"}
        assert response.headers["WWW-Authenticate"] == "Bearer"
    elif status == 403:
        assert await response.json() == {"detail": "Not enough permissions"}


@pytest.mark.parametrize("caller", CALLERS)
async def test_emails_shown_only_to_the_player_themself_and_admins(
    auth_client: Client, empty_tables: str, caller: str
) -> None:
    headers = await headers_of(auth_client, empty_tables, caller)
    shown = caller in {"self", "admin"}
    player = await (await auth_client.get("/players/1", headers=headers)).json()
    assert player["email"] == ("self@example.com" if shown else None)
    listed = await (await auth_client.get("/players/", headers=headers)).json()
    emails = {row["username"]: row["email"] for row in listed}
    assert emails["self"] == ("self@example.com" if shown else None)
    assert emails["other"] == ("other@example.com" if caller in {"other", "admin"} else None)
