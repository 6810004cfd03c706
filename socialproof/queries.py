"""Data access: one function per file in sql/, nothing else, by resource as sql/ is.

Each function takes the pool (or a connection) first and returns asyncpg records; the
handlers turn those into response models. Constraint violations propagate as asyncpg errors,
which the error middleware maps by constraint name.
"""

from asyncpg import Connection, Pool, Record

from socialproof.sqlfiles import SQL

Db = Pool | Connection


def _of_existing_player(rows: list[Record], column: str) -> list[Record] | None:
    """For statements that LEFT JOIN a player's rows onto the player: None when no row came
    back (no such player), else the rows, without the all-null one a player with none gets."""
    if not rows:
        return None
    return [row for row in rows if row[column] is not None]


# Service

_PING = SQL["service/ping"]


async def ping(db: Db) -> None:
    await db.fetchval(_PING)


# Players

_PLAYERS_CREATE = SQL["players/create"]


async def create_player(db: Db, username: str, email: str) -> Record:
    return await db.fetchrow(_PLAYERS_CREATE, username, email)


_PLAYERS_GET_BY_ID = SQL["players/get_by_id"]


async def get_player(db: Db, player_id: int) -> Record | None:
    return await db.fetchrow(_PLAYERS_GET_BY_ID, player_id)


_PLAYERS_LIST = SQL["players/list"]


async def list_players(db: Db, skip: int, limit: int) -> list[Record]:
    return await db.fetch(_PLAYERS_LIST, skip, limit)


_PLAYERS_LIST_SCENARIOS = SQL["players/list_scenarios"]


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
    return _of_existing_player(rows, "id")


_PLAYERS_UPDATE = SQL["players/update"]


async def update_player(
    db: Db, player_id: int, username: str | None, email: str | None
) -> Record | None:
    return await db.fetchrow(_PLAYERS_UPDATE, player_id, username, email)


_PLAYERS_DELETE = SQL["players/delete"]


async def delete_player(db: Db, player_id: int) -> bool:
    """Whether there was such a player to delete."""
    return await db.fetchval(_PLAYERS_DELETE, player_id) is not None


# Scenarios

_SCENARIOS_CREATE = SQL["scenarios/create"]


async def create_scenario(
    db: Db, player_id: int, scenario_type: str, content: str, difficulty_level: int
) -> Record:
    return await db.fetchrow(_SCENARIOS_CREATE, player_id, scenario_type, content, difficulty_level)


_SCENARIOS_CREATE_WITH_RESULT = SQL["scenarios/create_with_result"]


async def create_scenario_with_result(
    db: Db,
    player_id: int,
    scenario_type: str,
    content: str,
    difficulty_level: int,
    is_successful: bool,
) -> Record | None:
    """The new scenario with its result applied, or None when the player does not exist."""
    return await db.fetchrow(
        _SCENARIOS_CREATE_WITH_RESULT,
        player_id,
        scenario_type,
        content,
        difficulty_level,
        is_successful,
    )


_SCENARIOS_GET_BY_ID = SQL["scenarios/get_by_id"]


async def get_scenario(db: Db, scenario_id: int) -> Record | None:
    return await db.fetchrow(_SCENARIOS_GET_BY_ID, scenario_id)


_SCENARIOS_RECORD_RESULT = SQL["scenarios/record_result"]


async def record_result(db: Db, scenario_id: int, is_successful: bool) -> Record:
    """One row: `scenario_exists`, and the scenario's columns (id null if nothing recorded)."""
    return await db.fetchrow(_SCENARIOS_RECORD_RESULT, scenario_id, is_successful)


# Ratings

_RATINGS_LEADERBOARD = SQL["ratings/leaderboard"]


async def leaderboard(db: Db, skip: int, limit: int) -> list[Record]:
    return await db.fetch(_RATINGS_LEADERBOARD, skip, limit)


_RATINGS_PLAYER_RANK = SQL["ratings/player_rank"]


async def player_rank(db: Db, player_id: int) -> Record | None:
    return await db.fetchrow(_RATINGS_PLAYER_RANK, player_id)


_RATINGS_PLAYER_STATS = SQL["ratings/player_stats"]


async def player_stats(db: Db, player_id: int) -> list[Record] | None:
    """Counts per scenario type ([] when none), or None when the player does not exist."""
    return _of_existing_player(await db.fetch(_RATINGS_PLAYER_STATS, player_id), "scenario_type")


_RATINGS_RATING_HISTORY = SQL["ratings/rating_history"]


async def rating_history(db: Db, player_id: int) -> list[Record] | None:
    """Results in the order applied ([] when none), or None when the player does not exist."""
    return _of_existing_player(await db.fetch(_RATINGS_RATING_HISTORY, player_id), "scenario_id")
