"""Cursor pages and the window around a player are index seeks: every index scan of the
statement starts from a condition (no walk from the table's start, as OFFSET does), none is
sequential, and the rows read do not grow with the page's depth."""

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest

from socialproof.sqlfiles import SQL
from tests import pg

EXPLAIN = "EXPLAIN (ANALYZE, FORMAT JSON) "
TABLES = {"player_profiles", "game_scenarios"}
PLAYERS = 20_000
LIMIT = 11  # a page of 10, and the row that says whether another follows


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


@pytest.fixture(scope="module")
def populated_url(database_url: str) -> Iterator[str]:
    fixtures = ("populate_players", "cursors_populate_scenarios", "cursors_vacuum_analyze")
    with pg.loaded(database_url, *fixtures) as url:
        yield url


@pytest.fixture(params=[False, True], ids=["custom-plan", "generic-plan"])
async def conn(populated_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    connection = await asyncpg.connect(populated_url)
    try:
        if request.param:
            await connection.execute(pg.read("force_generic_plans"))
        yield connection
    finally:
        await connection.close()


async def player_at(conn: asyncpg.Connection, position: int) -> asyncpg.Record:
    (row,) = await conn.fetch(SQL["ratings/leaderboard"], position, 1)
    return row


async def explained(conn: asyncpg.Connection, name: str, *args: Any) -> list[dict[str, Any]]:
    (plan,) = json.loads(await conn.fetchval(EXPLAIN + SQL[name], *args))
    return list(nodes(plan["Plan"]))


# Each way PostgreSQL reads through an index, and the key that holds the condition it starts
# from; a bitmap heap scan reads what its bitmap index scan below it found.
SEEKS = {
    "Index Scan": "Index Cond",
    "Index Only Scan": "Index Cond",
    "Bitmap Index Scan": "Index Cond",
    "Bitmap Heap Scan": "Recheck Cond",
}


def seeks_only(plan: list[dict[str, Any]]) -> None:
    scans = [node for node in plan if node.get("Relation Name") in TABLES]
    assert scans
    for node in plan:
        if node.get("Relation Name") in TABLES or node["Node Type"] == "Bitmap Index Scan":
            assert node["Node Type"] in SEEKS, node["Node Type"]
            assert SEEKS[node["Node Type"]] in node, f"{node['Node Type']} from the start"


def rows_read(plan: list[dict[str, Any]]) -> int:
    """Rows the table scans went through: those they gave and those their filters dropped."""
    return sum(
        round((node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"])
        for node in plan
        if node.get("Relation Name") in TABLES
    )


async def test_leaderboard_after_seeks(conn: asyncpg.Connection) -> None:
    reads = []
    for position in (0, 100, PLAYERS // 2, PLAYERS - 20):
        row = await player_at(conn, position)
        plan = await explained(
            conn, "ratings/leaderboard_after", row["player_skill_rating"], row["player_id"], LIMIT
        )
        seeks_only(plan)
        reads.append(rows_read(plan))
    # The page's rows (and, were players_rated_above() inlined, its count), never the pages
    # before: an OFFSET to the middle would read 10,000.
    assert max(reads) < 2_000, reads


async def test_leaderboard_around_seeks(conn: asyncpg.Connection) -> None:
    reads = []
    for position in (0, 100, PLAYERS // 2, PLAYERS - 1):
        row = await player_at(conn, position)
        plan = await explained(conn, "ratings/leaderboard_around", row["player_id"], 10)
        seeks_only(plan)
        reads.append(rows_read(plan))
    assert max(reads) < 2_000, reads


async def test_players_after_seeks(conn: asyncpg.Connection) -> None:
    for after in (0, PLAYERS // 2, PLAYERS - 5):
        plan = await explained(conn, "players/list_after", after, LIMIT)
        seeks_only(plan)
        assert rows_read(plan) <= LIMIT


@pytest.mark.parametrize(
    "filters", [(None, None), ("negotiation", None), (None, True)], ids=["all", "type", "result"]
)
async def test_player_scenarios_after_seeks(
    conn: asyncpg.Connection, filters: tuple[Any, ...]
) -> None:
    """Player 7 has 100 scenarios, every 200th id: few enough that the planner may read them
    all through a bitmap; what it reads is after the cursor all the same."""
    for after in (0, 10_000, 19_000):
        plan = await explained(conn, "players/list_scenarios_after", 7, after, LIMIT, *filters)
        seeks_only(plan)
        if after == 19_000:  # the player, and their five scenarios left
            assert rows_read(plan) <= 1 + 5, plan
