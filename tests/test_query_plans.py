"""The leaderboard page and a player's rank are served by indexes, not by reading the table."""

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest

from socialproof.sqlfiles import SQL
from tests import pg

# The statements are the service's own files; EXPLAIN is put in front of them here.
EXPLAIN = "EXPLAIN (FORMAT JSON) "


def scanned_nodes(plan: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield plan["Node Type"], plan.get("Relation Name", "")
    for child in plan.get("Plans", []):
        yield from scanned_nodes(child)


@pytest.fixture(scope="module")
def populated_url(database_url: str) -> Iterator[str]:
    """The players every test here plans over, loaded once: the tests only read them."""
    with pg.loaded(database_url, "populate_players", "vacuum_analyze_ratings") as url:
        yield url


@pytest.fixture
async def populated(populated_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(populated_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.mark.parametrize("generic", [False, True], ids=["custom-plan", "generic-plan"])
@pytest.mark.parametrize(
    ("statement", "args"),
    [
        ("ratings/leaderboard", (0, 10)),
        ("ratings/leaderboard", (100, 10)),
        ("ratings/player_rank", ("top",)),
        ("ratings/player_rank", ("median",)),
    ],
)
async def test_no_sequential_scan_of_player_profiles(
    populated: asyncpg.Connection, statement: str, args: tuple[Any, ...], generic: bool
) -> None:
    if args in {("top",), ("median",)}:
        page = await populated.fetch(
            SQL["ratings/leaderboard"], 0 if args[0] == "top" else 10_000, 1
        )
        args = (page[0]["player_id"],)
    if generic:
        await populated.execute(pg.read("force_generic_plans"))
    (plan,) = json.loads(await populated.fetchval(EXPLAIN + SQL[statement], *args))
    nodes = list(scanned_nodes(plan["Plan"]))
    assert ("Seq Scan", "player_profiles") not in nodes, nodes
    assert any(relation == "player_profiles" for _, relation in nodes)


async def test_a_rank_reads_its_bands_through_the_index(populated: asyncpg.Connection) -> None:
    """players_rated_above() forces generic plans on its statements; each must still read
    rating_bands and player_profiles by ranges of their indexes, on every server version."""
    (median,) = await populated.fetch(SQL["ratings/leaderboard"], 10_000, 1)
    plans: list[str] = []
    populated.add_log_listener(lambda _conn, message: plans.append(message.message))
    await populated.execute(pg.read("explain_nested_statements"))
    for _ in range(2):  # the second call runs on the plans the first one cached
        plans.clear()
        assert await populated.fetchrow(SQL["ratings/player_rank"], median["player_id"])
    counted = [plan for plan in plans if "rating_bands" in plan]
    assert counted, plans
    for plan in plans:
        assert "Seq Scan" not in plan, plan
