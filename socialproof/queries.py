"""Data access: one function per file in sql/, nothing else, by resource as sql/ is.

Each function takes the pool (or a connection) first and returns asyncpg records; the
handlers turn those into response models. Constraint violations propagate as asyncpg errors,
which errors.answer maps by constraint name.
"""

from asyncpg import Connection, Pool, Record

from socialproof.database import ProbeConnection
from socialproof.replica_reads import ReplicaReads
from socialproof.retry import retried
from socialproof.sqlfiles import SQL

# A public read may be given the replica (with the primary behind it) instead of a pool.
Db = Pool | Connection | ReplicaReads


def _of_existing_player(rows: list[Record], column: str) -> list[Record] | None:
    """For statements that LEFT JOIN a player's rows onto the player: None when no row came
    back (no such player), else the rows, without the all-null one a player with none gets."""
    if not rows:
        return None
    return [row for row in rows if row[column] is not None]


# Service

_PING = SQL["service/ping"]


async def ping(db: Db | ProbeConnection) -> None:
    await db.fetchval(_PING)


_MIGRATIONS_MISSING = SQL["service/migrations_missing"]


async def migrations_missing(db: Db | ProbeConnection, migration_ids: list[str]) -> list[str]:
    """Those of `migration_ids` the database has not applied."""
    return await db.fetchval(_MIGRATIONS_MISSING, migration_ids)


_WAL_POSITION = SQL["service/wal_position"]


async def wal_position(db: Db | ProbeConnection) -> int:
    """How much write-ahead log the primary has written, in bytes."""
    return await db.fetchval(_WAL_POSITION)


_REPLAY_POSITION = SQL["service/replay_position"]


async def replay_position(db: Db | ProbeConnection) -> int | None:
    """How much of the primary's log a standby has replayed; None if it is not a standby."""
    return await db.fetchval(_REPLAY_POSITION)


# Players

_PLAYERS_CREATE = SQL["players/create"]


@retried
async def create_player(db: Db, username: str, email: str) -> Record:
    return await db.fetchrow(_PLAYERS_CREATE, username, email)


_PLAYERS_GET_BY_ID = SQL["players/get_by_id"]


async def get_player(db: Db, player_id: int) -> Record | None:
    return await db.fetchrow(_PLAYERS_GET_BY_ID, player_id)


_PLAYERS_LIST = SQL["players/list"]


async def list_players(db: Db, skip: int, limit: int) -> list[Record]:
    return await db.fetch(_PLAYERS_LIST, skip, limit)


_PLAYERS_LIST_AFTER = SQL["players/list_after"]


async def list_players_after(db: Db, after_id: int, limit: int) -> list[Record]:
    """The players after `after_id` in id order: a cursor's page."""
    return await db.fetch(_PLAYERS_LIST_AFTER, after_id, limit)


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


_PLAYERS_LIST_SCENARIOS_AFTER = SQL["players/list_scenarios_after"]


async def list_player_scenarios_after(
    db: Db,
    player_id: int,
    after_id: int,
    limit: int,
    scenario_type: str | None,
    is_successful: bool | None,
) -> list[Record] | None:
    """The scenarios after `after_id` (a cursor's page), or None when the player does not exist."""
    rows = await db.fetch(
        _PLAYERS_LIST_SCENARIOS_AFTER, player_id, after_id, limit, scenario_type, is_successful
    )
    return _of_existing_player(rows, "id")


_PLAYERS_UPDATE = SQL["players/update"]


@retried
async def update_player(
    db: Db, player_id: int, username: str | None, email: str | None
) -> Record | None:
    return await db.fetchrow(_PLAYERS_UPDATE, player_id, username, email)


_PLAYERS_DELETE = SQL["players/delete"]


@retried
async def delete_player(db: Db, player_id: int) -> bool:
    """Whether there was such a player to delete."""
    return await db.fetchval(_PLAYERS_DELETE, player_id) is not None


# Scenarios

_SCENARIOS_CREATE = SQL["scenarios/create"]


@retried
async def create_scenario(
    db: Db, player_id: int, scenario_type: str, content: str, difficulty_level: int
) -> Record:
    return await db.fetchrow(_SCENARIOS_CREATE, player_id, scenario_type, content, difficulty_level)


_SCENARIOS_CREATE_WITH_RESULT = SQL["scenarios/create_with_result"]


@retried
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


@retried
async def record_result(db: Db, scenario_id: int, is_successful: bool) -> Record:
    """One row: `scenario_exists`, and the scenario's columns (id null if nothing recorded)."""
    return await db.fetchrow(_SCENARIOS_RECORD_RESULT, scenario_id, is_successful)


# Ratings

_RATINGS_LEADERBOARD = SQL["ratings/leaderboard"]


async def leaderboard(db: Db, skip: int, limit: int) -> list[Record]:
    return await db.fetch(_RATINGS_LEADERBOARD, skip, limit)


_RATINGS_LEADERBOARD_AFTER = SQL["ratings/leaderboard_after"]


async def leaderboard_after(db: Db, after_rating: float, after_id: int, limit: int) -> list[Record]:
    """The entries after the player (`after_rating`, `after_id`) in the leaderboard's order: a
    cursor's page."""
    return await db.fetch(_RATINGS_LEADERBOARD_AFTER, after_rating, after_id, limit)


_RATINGS_LEADERBOARD_AROUND = SQL["ratings/leaderboard_around"]


async def leaderboard_around(db: Db, player_id: int, limit: int) -> list[Record]:
    """`limit` entries around the player, the player among them; [] when no such player."""
    return await db.fetch(_RATINGS_LEADERBOARD_AROUND, player_id, limit)


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


# Accounts and access

_AUTH_CREATE_PLAYER = SQL["auth/create_player"]


async def create_player_with_password(
    db: Db, username: str, email: str, password_hash: str
) -> Record:
    return await db.fetchrow(_AUTH_CREATE_PLAYER, username, email, password_hash)


_AUTH_FIND_CREDENTIALS = SQL["auth/find_credentials"]


async def find_credentials(db: Db, login: str) -> Record | None:
    """(player_id, password_hash) of the player with this username or email, if any."""
    return await db.fetchrow(_AUTH_FIND_CREDENTIALS, login)


_AUTH_START_SESSION = SQL["auth/start_session"]


async def start_session(
    db: Db,
    player_id: int,
    verified_hash: str,
    new_hash: str | None,
    refresh_token_hash: bytes,
    refresh_ttl: int,
) -> int | None:
    """The new session's id, or None when the password hash changed meanwhile."""
    return await db.fetchval(
        _AUTH_START_SESSION, player_id, verified_hash, new_hash, refresh_token_hash, refresh_ttl
    )


_AUTH_ROTATE_REFRESH_TOKEN = SQL["auth/rotate_refresh_token"]


async def rotate_refresh_token(
    db: Db, presented_hash: bytes, next_hash: bytes, refresh_ttl: int
) -> int | None:
    """The session's player id when rotated; None for an unknown, expired or reused token."""
    return await db.fetchval(_AUTH_ROTATE_REFRESH_TOKEN, presented_hash, next_hash, refresh_ttl)


_AUTH_END_SESSION = SQL["auth/end_session"]


async def end_session(db: Db, token_hash: bytes) -> None:
    await db.execute(_AUTH_END_SESSION, token_hash)


_AUTH_END_PLAYER_SESSIONS = SQL["auth/end_player_sessions"]


async def end_player_sessions(db: Db, player_id: int) -> None:
    await db.execute(_AUTH_END_PLAYER_SESSIONS, player_id)


_AUTH_GET_PASSWORD_HASH = SQL["auth/get_password_hash"]


async def get_password_hash(db: Db, player_id: int) -> str | None:
    return await db.fetchval(_AUTH_GET_PASSWORD_HASH, player_id)


_AUTH_SET_PASSWORD = SQL["auth/set_password"]


async def set_password(db: Db, player_id: int, password_hash: str) -> None:
    await db.execute(_AUTH_SET_PASSWORD, player_id, password_hash)


_AUTH_CREATE_CLIENT = SQL["auth/create_client"]


async def create_client(
    db: Db, client_id: str, name: str, secret_hash: bytes, scope: str
) -> Record:
    return await db.fetchrow(_AUTH_CREATE_CLIENT, client_id, name, secret_hash, scope)


_AUTH_LIST_CLIENTS = SQL["auth/list_clients"]


async def list_clients(db: Db) -> list[Record]:
    return await db.fetch(_AUTH_LIST_CLIENTS)


_AUTH_REVOKE_CLIENT = SQL["auth/revoke_client"]


async def revoke_client(db: Db, client_id: str) -> Record | None:
    return await db.fetchrow(_AUTH_REVOKE_CLIENT, client_id)


_AUTH_AUTHENTICATE_CLIENT = SQL["auth/authenticate_client"]


async def authenticate_client(db: Db, client_id: str, secret_hash: bytes) -> str | None:
    """The client's scope when the id and secret match a client not revoked."""
    return await db.fetchval(_AUTH_AUTHENTICATE_CLIENT, client_id, secret_hash)


# Idempotency keys

_IDEMPOTENCY_CLAIM = SQL["idempotency/claim"]


async def claim_idempotency_key(
    db: Db, scope: str, key: str, fingerprint: bytes, ttl: float, wait: str
) -> bool:
    """Whether this request is to run: the key is new (or expired) and now held by this
    transaction. False: the key holds a kept answer (find_idempotency_key). A request still
    running with the key makes this fail after `wait` (asyncpg.LockNotAvailableError)."""
    return await db.fetchrow(_IDEMPOTENCY_CLAIM, scope, key, fingerprint, ttl, wait) is not None


_IDEMPOTENCY_FIND = SQL["idempotency/find"]


async def find_idempotency_key(db: Db, scope: str, key: str, fingerprint: bytes) -> Record | None:
    """(same_request, status, body, location) kept for the key, if any."""
    return await db.fetchrow(_IDEMPOTENCY_FIND, scope, key, fingerprint)


_IDEMPOTENCY_KEEP = SQL["idempotency/keep"]


async def keep_idempotent_answer(
    db: Db, scope: str, key: str, status: int, body: bytes, location: str | None
) -> None:
    await db.execute(_IDEMPOTENCY_KEEP, scope, key, status, body, location)


_IDEMPOTENCY_SAVEPOINT = SQL["idempotency/savepoint"]


async def idempotency_savepoint(db: Db) -> None:
    await db.execute(_IDEMPOTENCY_SAVEPOINT)


_IDEMPOTENCY_ROLLBACK_TO_SAVEPOINT = SQL["idempotency/rollback_to_savepoint"]


async def idempotency_rollback_to_savepoint(db: Db) -> None:
    await db.execute(_IDEMPOTENCY_ROLLBACK_TO_SAVEPOINT)
