"""Ranks from rating bands equal ranks counted player by player, edges and bulk changes included."""

import pytest

from tests import pg
from tests.api import Client, get_json


async def assert_ranks_are_exact(client: Client, database_url: str, sample: int = 60) -> None:
    ratings = dict(pg.run(database_url, "all_ratings"))
    ids = sorted(ratings)
    step = max(1, len(ids) // sample)
    for player_id in ids[::step] + ids[-5:]:
        expected = 1 + sum(1 for r in ratings.values() if r > ratings[player_id])
        answer = await get_json(client, f"/players/{player_id}/rank")
        assert answer == {
            "player_id": player_id,
            "rank": expected,
            "player_skill_rating": pytest.approx(ratings[player_id], abs=0),
            "total_players": len(ratings),
        }, player_id


async def test_ranks_on_band_edges(client: Client, empty_tables: str) -> None:
    pg.run(empty_tables, "band_edge_players")
    await assert_ranks_are_exact(client, empty_tables, sample=100)


async def test_ranks_after_bulk_inserts_updates_and_deletes(
    client: Client, empty_tables: str
) -> None:
    pg.run(empty_tables, "populate_players")
    pg.run(empty_tables, "band_edge_players")
    await assert_ranks_are_exact(client, empty_tables)
    pg.run(empty_tables, "move_some_ratings")
    await assert_ranks_are_exact(client, empty_tables)
