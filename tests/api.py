"""Small helpers for tests that talk to the API."""

from typing import Any

from aiohttp.test_utils import TestClient

Client = TestClient[Any, Any]


async def create_player(client: Client, username: str = "user1", **fields: Any) -> dict[str, Any]:
    body = {"username": username, "email": f"{username}@example.com", **fields}
    response = await client.post("/players/", json=body)
    assert response.status == 201, await response.text()
    return await response.json()


async def create_scenario(client: Client, player_id: int, **fields: Any) -> dict[str, Any]:
    body = {
        "player_id": player_id,
        "scenario_type": "negotiation",
        "content": "Ask for a raise.",
        "difficulty_level": 5,
        **fields,
    }
    response = await client.post("/scenarios/", json=body)
    assert response.status == 201, await response.text()
    return await response.json()


def elo(rating: float, difficulty: int, succeeded: bool) -> float:
    """The contract's rating rule, written independently of the SQL that applies it."""
    expected = 1 / (1 + 10 ** ((100 * difficulty - rating) / 400))
    return rating + 32 * ((1 if succeeded else 0) - expected)


async def record_result(client: Client, scenario_id: int, succeeded: bool) -> dict[str, Any]:
    response = await client.post(
        f"/scenarios/{scenario_id}/result", json={"is_successful": succeeded}
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def get_json(client: Client, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status == 200, await response.text()
    return await response.json()
