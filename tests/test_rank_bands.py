"""Ranks from rating bands equal ranks counted player by player, edges and bulk changes included.

The bands come at three levels (160, 10 and 10/64 points, migration 0011); a rank sums bands
and counts one by one only the players of its own narrow band (10/64) rated higher, or, past
rating_bands_crowd() of them, that band's count less its players at or below the rating.
"""

import math
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from tests import pg
from tests.api import Client, get_json

# rating_band_scale() and rating_bands_crowd() of the migration.
SCALE = {-1: 1 / 16, 0: 1, 1: 64}
CROWD = 256


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


def assert_bands_are_exact(database_url: str) -> None:
    """Every player's count is right, and the bands are those a fresh count gives.

    On fresh statistics of both tables, as autovacuum leaves them after bulk changes: the
    count's generic plan is made on the statistics of the moment, and on stale ones after a
    bulk load it reads a whole table for each of the thousands of players checked."""
    pg.run(database_url, "vacuum_analyze_ratings")
    assert pg.run(database_url, "rank_mismatches") == [(0,)]
    assert pg.run(database_url, "rating_bands_drift") == [(0,)]


def band_edge(level: int, band: int) -> float:
    """The lowest rating of a band at a level, as the migration's rating_band_edge()."""
    return band * 10 / SCALE[level]


@pytest.fixture
async def conn(empty_tables: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(empty_tables)
    try:
        yield conn
    finally:
        await conn.close()


async def test_ranks_on_band_edges(client: Client, empty_tables: str) -> None:
    pg.run(empty_tables, "band_edge_players")
    await assert_ranks_are_exact(client, empty_tables, sample=100)
    assert_bands_are_exact(empty_tables)


async def test_ranks_on_the_edges_of_every_level(
    client: Client, empty_tables: str, conn: asyncpg.Connection
) -> None:
    """Each level's band edges around 500, 0 and below, and the ratings one step either side."""
    ratings = []
    for level in SCALE:
        for near in (500, 480, 0, -10):
            first = math.floor(near / band_edge(level, 1))
            for band in range(first - 1, first + 2):
                edge = band_edge(level, band)
                # Not the subnormals next to 0: no rating reaches them (a result moves a
                # rating of hundreds by tens), and dividing them underflows.
                step = math.ulp(edge) if edge else 1e-12
                ratings += [edge - step, edge, edge + step]
    await conn.execute(pg.read("insert_rated_players"), ratings)
    await assert_ranks_are_exact(client, empty_tables, sample=len(ratings))
    assert_bands_are_exact(empty_tables)


@pytest.fixture(scope="class")
def crowded(database_url: str) -> Iterator[str]:
    """Twice rating_bands_crowd() players at 500 and at 516, among 20,000 spread around, on a
    settled table (the plans a live table gets): loaded once for every rating checked."""
    fixtures = ("populate_players", "crowded_players", "vacuum_analyze_ratings")
    with pg.loaded(database_url, *fixtures) as url:
        yield url


class TestACrowdOfEqualRatings:
    @pytest.mark.parametrize(
        "rating",
        [
            500,  # inside the crowd on a 10-point edge
            math.nextafter(500, -math.inf),
            500.001,
            516,  # inside the crowd off the edges
            math.nextafter(516, -math.inf),  # just below it, in its narrow band
            516 + 0.001 * -5,  # a player just below it, in its narrow band
            515.99,
            516.001,
        ],
    )
    async def test_is_not_counted_one_by_one(self, crowded: str, rating: float) -> None:
        """A count reads at most the crowd limit and the players at or below the rating in
        its narrow band from the rating index."""
        assert pg.run(crowded, "rating_bands_drift") == [(0,)]
        ratings = [r for _, r in pg.run(crowded, "all_ratings")]
        assert ratings.count(500.0) == ratings.count(516.0) == 2 * CROWD
        near = {centre + 0.001 * step for centre in (500, 516) for step in range(-19, 20) if step}
        assert near <= set(ratings)
        narrow = math.floor(rating / band_edge(1, 1))
        at_or_below = sum(1 for r in ratings if band_edge(1, narrow) <= r <= rating)
        conn = await asyncpg.connect(crowded)
        try:
            async with conn.transaction():
                count = await conn.fetchval(pg.read("players_rated_above"), rating)
                entries_read = await conn.fetchval(pg.read("rating_index_entries_read"))
        finally:
            await conn.close()
        assert count == sum(1 for r in ratings if r > rating)
        assert entries_read <= CROWD + at_or_below, entries_read


async def test_ranks_after_bulk_inserts_updates_and_deletes(
    client: Client, empty_tables: str
) -> None:
    pg.run(empty_tables, "populate_players")
    pg.run(empty_tables, "band_edge_players")
    await assert_ranks_are_exact(client, empty_tables)
    pg.run(empty_tables, "move_some_ratings")
    await assert_ranks_are_exact(client, empty_tables)
    assert_bands_are_exact(empty_tables)
