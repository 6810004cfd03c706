"""Rating bands: a result that moves a player between bands locks the lower band's row first.

Two results moving players of one shard in opposite directions would otherwise each hold one
band row and wait for the other's: a deadlock. The test is deterministic: one connection holds
the higher band's row, the result is sent and comes to wait, and a third connection probes the
lower band's row without waiting. Taken lower band first, that row is already locked.
"""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp import ClientResponse

from tests import pg
from tests.api import Client, create_player, create_scenario, elo, get_json

LOCK_BAND_ROW = pg.read("lock_band_row_nowait")
BAND_ROW_OF = pg.read("band_row_of")


async def until_a_connection_waits_for_a_lock(conn: asyncpg.Connection) -> None:
    for _ in range(100):
        if await conn.fetchval(pg.read("backends_waiting_for_a_lock")):
            return
        await asyncio.sleep(0.05)
    pytest.fail("the result never came to wait for the higher band's row")


@pytest.fixture
async def connections(empty_tables: str) -> AsyncIterator[tuple[asyncpg.Connection, ...]]:
    holder = await asyncpg.connect(empty_tables)
    prober = await asyncpg.connect(empty_tables)
    try:
        yield holder, prober
    finally:
        await holder.close()
        await prober.close()


@pytest.mark.parametrize(
    ("earlier_results", "result"),
    [
        # 500 -> 516 -> 499.3, then up to 515.3: band 49 to 51.
        ([True, False], True),
        # 500 -> 516 -> 499.3 -> 515.3, then down to 498.6: band 51 to 49.
        ([True, False, True], False),
    ],
    ids=["rising", "falling"],
)
async def test_a_result_moving_bands_locks_the_lower_band_row_first(
    client: Client,
    connections: tuple[asyncpg.Connection, ...],
    earlier_results: list[bool],
    result: bool,
) -> None:
    holder, prober = connections
    player = await create_player(client)
    for succeeded in earlier_results:
        await create_scenario(client, player["id"], difficulty_level=5, is_successful=succeeded)
    rating = (await get_json(client, f"/players/{player['id']}"))["player_skill_rating"]
    before = await prober.fetchrow(BAND_ROW_OF, player["id"], rating)
    after = await prober.fetchrow(BAND_ROW_OF, player["id"], elo(rating, 5, result))
    lower, higher = sorted([before["band"], after["band"]])
    assert lower < higher
    shard = before["shard"]
    # Both rows exist already (the earlier results passed through both bands), so the probe
    # below finds a row to lock rather than nothing.
    async with prober.transaction():
        assert await prober.fetch(LOCK_BAND_ROW, lower, shard)

    request: asyncio.Task[ClientResponse] | None = None
    try:
        async with holder.transaction():
            assert await holder.fetch(LOCK_BAND_ROW, higher, shard)
            request = asyncio.create_task(
                client.post(
                    "/scenarios/",
                    json={
                        "player_id": player["id"],
                        "scenario_type": "negotiation",
                        "content": "Ask for a raise.",
                        "difficulty_level": 5,
                        "is_successful": result,
                    },
                )
            )
            await until_a_connection_waits_for_a_lock(prober)
            try:
                async with prober.transaction():
                    await prober.fetch(LOCK_BAND_ROW, lower, shard)
            except asyncpg.LockNotAvailableError:
                pass  # held by the waiting result: it took the lower band first
            else:
                pytest.fail("the result waits for the higher band's row without the lower one's")
    finally:
        # The holder's transaction is over: the result goes on and must then succeed.
        if request is not None:
            response = await asyncio.wait_for(request, timeout=10)
            assert response.status == 201, await response.text()
