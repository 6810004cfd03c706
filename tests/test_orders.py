"""Orders come from ORDER BY, not from how the rows happen to lie or which index is used.

Each test first moves rows so that the table's physical order no longer follows id, then checks
the order the contract promises.
"""

from collections.abc import AsyncIterator
from datetime import datetime
from itertools import pairwise

import asyncpg
import pytest

from socialproof.sqlfiles import SQL
from tests import pg
from tests.api import Client, create_player, create_scenario, get_json, record_result


def assert_rows_lie_out_of_id_order(database_url: str) -> None:
    """The precondition that makes an order test mean something."""
    ids = [player_id for (player_id,) in pg.run(database_url, "players_in_physical_order")]
    assert ids != sorted(ids), ids


@pytest.fixture
async def without_indexes(empty_tables: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(empty_tables)
    try:
        await conn.execute(pg.read("disable_index_scans"))
        yield conn
    finally:
        await conn.close()


async def test_leaderboard_breaks_rating_ties_by_id_without_its_index(
    without_indexes: asyncpg.Connection, empty_tables: str
) -> None:
    """The index walks (rating, id) in order, which would hide a missing tie-break; the
    statement must give the same order from a sequential scan."""
    pg.run(empty_tables, "tied_players")
    pg.run(empty_tables, "rewrite_odd_players")
    assert_rows_lie_out_of_id_order(empty_tables)
    ratings = dict(pg.run(empty_tables, "all_ratings"))
    expected = [
        (1 + sum(other > ratings[player_id] for other in ratings.values()), player_id)
        for player_id in sorted(ratings, key=lambda player_id: (-ratings[player_id], player_id))
    ]

    async def page(skip: int, limit: int) -> list[tuple[int, int]]:
        rows = await without_indexes.fetch(SQL["ratings/leaderboard"], skip, limit)
        return [(row["rank"], row["player_id"]) for row in rows]

    assert await page(0, 1000) == expected
    for skip, limit in [(0, 3), (2, 5), (5, 2), (7, 4), (10, 10)]:
        assert await page(skip, limit) == expected[skip : skip + limit], (skip, limit)


async def test_list_players_in_id_order_after_rows_move(client: Client, empty_tables: str) -> None:
    created = [await create_player(client, f"user{n}") for n in range(6)]
    for player in created[::2]:
        response = await client.patch(
            f"/players/{player['id']}", json={"username": f"renamed{player['id']}"}
        )
        assert response.status == 200, await response.text()
    assert_rows_lie_out_of_id_order(empty_tables)
    ids = [player["id"] for player in created]
    assert [p["id"] for p in await get_json(client, "/players/")] == ids
    assert [p["id"] for p in await get_json(client, "/players/", skip=1, limit=3)] == ids[1:4]


async def test_rating_history_follows_the_order_applied_when_the_clock_steps_back(
    client: Client, empty_tables: str
) -> None:
    player = await create_player(client)
    pid = player["id"]
    scenarios = [await create_scenario(client, pid, difficulty_level=d) for d in (3, 6, 9)]
    for scenario in scenarios:
        await record_result(client, scenario["id"], True)
    pg.run(empty_tables, "step_back_last_result")

    history = await get_json(client, f"/players/{pid}/rating-history")
    assert [h["scenario_id"] for h in history] == [s["id"] for s in scenarios]
    completed = [datetime.fromisoformat(h["completed_at"]) for h in history]
    assert completed[2] < completed[0], "the clock was not stepped back"
    assert history[0]["rating_before"] == 500.0
    for before, after in pairwise(history):
        assert after["rating_before"] == before["rating_after"]
