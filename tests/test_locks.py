"""Rating bands: a result takes the rows of the bands it moves its player between in (level,
band) order, the coarsest level first and the lower band first within a level.

Two results moving players of one shard in opposite directions would otherwise each hold one
band row and wait for the other's: a deadlock. The test is deterministic: one connection holds
one of the rows, the result is sent and comes to wait for it, and a third connection probes
every other row without waiting: the rows before the held one in that order are locked (the
result took them), the rows after it are free (the result has not come to them).
"""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp import ClientResponse

from tests import pg
from tests.api import Client, create_player, elo

LOCK_BAND_ROW = pg.read("lock_band_row_nowait")
BAND_ROWS_OF = pg.read("band_rows_of")
ADD_BAND_ROW = pg.read("add_band_row")
SET_RATING = pg.read("set_rating")
# A result from either start crosses 480, an edge of every level: it moves the player's rows
# at all three levels, two rows each.
MOVED_ROWS = 6


async def until_a_connection_waits_for_a_lock(conn: asyncpg.Connection) -> None:
    for _ in range(100):
        if await conn.fetchval(pg.read("backends_waiting_for_a_lock")):
            return
        await asyncio.sleep(0.05)
    pytest.fail("the result never came to wait for the held row")


async def is_locked(prober: asyncpg.Connection, row: tuple[int, int, int]) -> bool:
    try:
        async with prober.transaction():
            assert await prober.fetch(LOCK_BAND_ROW, *row)
    except asyncpg.LockNotAvailableError:
        return True
    return False


@pytest.fixture
async def connections(empty_tables: str) -> AsyncIterator[tuple[asyncpg.Connection, ...]]:
    holder = await asyncpg.connect(empty_tables)
    prober = await asyncpg.connect(empty_tables)
    try:
        yield holder, prober
    finally:
        await holder.close()
        await prober.close()


@pytest.mark.parametrize("held", range(MOVED_ROWS))
@pytest.mark.parametrize(
    ("start", "succeeded"),
    [(479.0, True), (481.0, False)],  # up to 495.97, down to 465.87
    ids=["rising", "falling"],
)
async def test_a_result_takes_its_band_rows_in_level_then_band_order(
    client: Client,
    connections: tuple[asyncpg.Connection, ...],
    start: float,
    succeeded: bool,
    held: int,
) -> None:
    holder, prober = connections
    player = await create_player(client)
    await prober.execute(SET_RATING, player["id"], start)
    before = {tuple(row) for row in await prober.fetch(BAND_ROWS_OF, player["id"], start)}
    end = elo(start, 5, succeeded)
    after = {tuple(row) for row in await prober.fetch(BAND_ROWS_OF, player["id"], end)}
    # The rows whose count the result changes, in the order it must lock them.
    rows = sorted(before ^ after)
    assert len(rows) == MOVED_ROWS
    # Every row exists already, so that a probe finds a row to lock rather than nothing.
    for row in rows:
        await prober.execute(ADD_BAND_ROW, *row)

    request: asyncio.Task[ClientResponse] | None = None
    try:
        async with holder.transaction():
            assert await holder.fetch(LOCK_BAND_ROW, *rows[held])
            request = asyncio.create_task(
                client.post(
                    "/scenarios/",
                    json={
                        "player_id": player["id"],
                        "scenario_type": "negotiation",
                        "content": "Ask for a raise.",
                        "difficulty_level": 5,
                        "is_successful": succeeded,
                    },
                )
            )
            await until_a_connection_waits_for_a_lock(prober)
            locked = [await is_locked(prober, row) for row in rows]
            expected = [position < held for position in range(MOVED_ROWS)]
            expected[held] = True  # the holder's
            assert locked == expected, rows
    finally:
        # The holder's transaction is over: the result goes on and must then succeed.
        if request is not None:
            response = await asyncio.wait_for(request, timeout=10)
            assert response.status == 201, await response.text()
