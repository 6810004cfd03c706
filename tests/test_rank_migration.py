"""Migration 0011 (the rating bands at three levels) on a populated table, both ways: the counts
are taken with writers locked out, and every player's count is exact after applying it, after
writes under its triggers, and after rolling it back to 0009's one-level bands."""

import asyncio

import asyncpg
import pytest

from socialproof import migrations
from tests import pg

LEVELS = "0011.rating-bands-at-three-levels"


def roll_back_the_levels(url: str) -> None:
    """Roll back migrations, last first, until 0011 is no longer applied."""
    while LEVELS in migrations.applied(url):
        migrations.rollback(url)


def assert_counts_are_exact(url: str) -> None:
    assert pg.run(url, "rank_mismatches") == [(0,)]


def test_the_levels_migrate_a_populated_table_both_ways(server_url: str) -> None:
    with pg.fresh_database(server_url) as url:
        migrations.apply(url)
        roll_back_the_levels(url)
        for fixture in ("populate_some_players", "band_edge_players", "tied_players"):
            pg.run(url, fixture)
        assert_counts_are_exact(url)  # 0009's count, on 0004's bands

        assert LEVELS in migrations.apply(url)
        assert_counts_are_exact(url)
        assert pg.run(url, "rating_bands_drift") == [(0,)]
        pg.run(url, "move_some_ratings")  # under the new triggers
        assert_counts_are_exact(url)
        assert pg.run(url, "rating_bands_drift") == [(0,)]

        roll_back_the_levels(url)
        assert_counts_are_exact(url)
        pg.run(url, "move_some_ratings")  # under 0004's triggers again
        assert_counts_are_exact(url)

        migrations.apply(url)
        assert_counts_are_exact(url)


async def test_the_migration_waits_for_a_write_in_flight_and_counts_it(server_url: str) -> None:
    with pg.fresh_database(server_url) as url:
        migrations.apply(url)
        roll_back_the_levels(url)
        pg.run(url, "tied_players")
        writer = await asyncpg.connect(url)
        watcher = await asyncpg.connect(url)
        try:
            # A write not yet committed: it holds player_profiles against the migration's
            # SHARE lock, so the counts must wait for it.
            write = writer.transaction()
            await write.start()
            await writer.execute(pg.read("set_rating"), 1, 777.5)
            migration = asyncio.create_task(asyncio.to_thread(migrations.apply, url))
            for _ in range(100):
                if await watcher.fetchval(pg.read("backends_waiting_for_a_lock")):
                    break
                await asyncio.sleep(0.05)
            else:
                pytest.fail("the migration did not wait for the write in flight")
            assert not migration.done()
            await write.commit()
            assert LEVELS in await asyncio.wait_for(migration, timeout=30)
        finally:
            await writer.close()
            await watcher.close()
        assert_counts_are_exact(url)
        assert pg.run(url, "rating_bands_drift") == [(0,)]
