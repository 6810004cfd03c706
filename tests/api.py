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
