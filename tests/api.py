"""Small helpers for tests that talk to the API."""

import asyncio
import time
from typing import Any

import pytest
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


async def assert_rating_follows_history(client: Client, player_id: int) -> None:
    """The player's rating is the rating rule applied, in order, to their rating history."""
    history = await get_json(client, f"/players/{player_id}/rating-history")
    rating = 500.0
    for entry in history:
        rating = elo(rating, entry["difficulty_level"], entry["is_successful"])
    final = await get_json(client, f"/players/{player_id}")
    assert final["player_skill_rating"] == pytest.approx(rating)


async def wait_until_served(client: Client, player: dict[str, Any], seconds: float = 10) -> None:
    """After an outage: the player is read back as they were within `seconds`, and /health is
    200."""
    deadline = time.monotonic() + seconds
    while (response := await client.get(f"/players/{player['id']}")).status != 200:
        assert time.monotonic() < deadline, "the service did not recover"
        await asyncio.sleep(0.2)
    assert await response.json() == player
    assert (await client.get("/health")).status == 200
