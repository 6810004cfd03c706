"""Data access: one function per file in sql/, nothing else.

Each function takes the pool (or a connection) first and returns asyncpg records; the
handlers turn those into response models. Constraint violations propagate as asyncpg errors,
which the error middleware maps by constraint name.
"""

from asyncpg import Connection, Pool, Record

from socialproof.sqlfiles import SQL

Db = Pool | Connection

_PING = SQL["service/ping"]
_PLAYERS_CREATE = SQL["players/create"]
_PLAYERS_GET_BY_ID = SQL["players/get_by_id"]
_PLAYERS_LIST = SQL["players/list"]
_PLAYERS_LIST_SCENARIOS = SQL["players/list_scenarios"]
_SCENARIOS_CREATE = SQL["scenarios/create"]
_SCENARIOS_GET_BY_ID = SQL["scenarios/get_by_id"]


async def ping(db: Db) -> None:
    await db.fetchval(_PING)


async def create_player(db: Db, username: str, email: str) -> Record:
    return await db.fetchrow(_PLAYERS_CREATE, username, email)


async def get_player(db: Db, player_id: int) -> Record | None:
    return await db.fetchrow(_PLAYERS_GET_BY_ID, player_id)


async def list_players(db: Db, skip: int, limit: int) -> list[Record]:
    return await db.fetch(_PLAYERS_LIST, skip, limit)


async def list_player_scenarios(
    db: Db,
    player_id: int,
    skip: int,
    limit: int,
    scenario_type: str | None,
    is_successful: bool | None,
) -> list[Record] | None:
    """The page of scenarios, or None when the player does not exist."""
    rows = await db.fetch(
        _PLAYERS_LIST_SCENARIOS, player_id, skip, limit, scenario_type, is_successful
    )
    if not rows:
        return None
    return [row for row in rows if row["id"] is not None]


async def create_scenario(
    db: Db, player_id: int, scenario_type: str, content: str, difficulty_level: int
) -> Record:
    return await db.fetchrow(_SCENARIOS_CREATE, player_id, scenario_type, content, difficulty_level)


async def get_scenario(db: Db, scenario_id: int) -> Record | None:
    return await db.fetchrow(_SCENARIOS_GET_BY_ID, scenario_id)
