"""Races are settled by the database's constraints."""

import asyncio

from tests.api import Client


async def test_20_concurrent_creates_with_one_email_give_exactly_one_201(client: Client) -> None:
    async def attempt(n: int) -> tuple[int, dict[str, str]]:
        response = await client.post(
            "/players/", json={"username": f"racer{n}", "email": "Same@Example.com"}
        )
        return response.status, await response.json()

    results = await asyncio.gather(*(attempt(n) for n in range(20)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [400] * 19
    assert all(body == {"detail": "Email already registered"} for s, body in results if s == 400)
    listing = await (await client.get("/players/")).json()
    assert len(listing) == 1


async def test_20_concurrent_creates_with_one_username_give_exactly_one_201(
    client: Client,
) -> None:
    responses = await asyncio.gather(
        *(
            client.post("/players/", json={"username": "Same", "email": f"p{n}@example.com"})
            for n in range(20)
        )
    )
    assert sorted(r.status for r in responses) == [201] + [400] * 19
