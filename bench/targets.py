"""What the bench measures against what: the routes wrk drives, and the servers it compares.

A new variant is one line: in TARGETS it is measured beside the service, in alternating
rounds, on the routes it names; in WINS it is a floor habit weighed against the floor.
"""

import secrets
from dataclasses import dataclass, field

from socialproof.auth.tokens import TokenSigner
from socialproof.settings import Settings


@dataclass(frozen=True)
class Route:
    #: Its wrk script: bench/lua/<key>.lua.
    key: str
    label: str
    #: Writes run after every read: they add rows the reads would otherwise be measured on.
    writes: bool
    #: The floor (a) route its rate is held against: the primary-key read or the INSERT.
    floor: str


ROUTES = (
    Route("get_player", "GET /players/{id}", writes=False, floor="get_player"),
    Route("create_player", "POST /players/", writes=True, floor="create_player"),
    Route("create_scenario", "POST /scenarios/", writes=True, floor="create_player"),
    # The same write under an Idempotency-Key of its own each time.
    Route("create_scenario_keyed", "POST /scenarios/ with a key", True, "create_player"),
    Route("record_result", "POST /scenarios/{id}/result", writes=True, floor="create_player"),
    Route("list_scenarios", "GET /players/{id}/scenarios?limit=20", False, "get_player"),
    Route("leaderboard", "GET /leaderboard?limit=10", writes=False, floor="get_player"),
    Route("rank", "GET /players/{id}/rank", writes=False, floor="get_player"),
    Route("stats", "GET /players/{id}/stats", writes=False, floor="get_player"),
)
ROUTE = {route.key: route for route in ROUTES}

# Python's arguments for each server; the bench adds --host and --port.
SERVICE = ("-m", "socialproof", "serve")
FLOOR = ("-m", "bench.floor_app")


@dataclass(frozen=True)
class Needs:
    """The oldest pgbouncer that can serve a target, and why."""

    version: tuple[int, ...]
    why: str


@dataclass(frozen=True)
class Target:
    name: str
    program: tuple[str, ...]
    #: Settings over the bench's own (bench/measure.py): DATABASE_URL, the pool, no access log.
    env: dict[str, str] = field(default_factory=dict)
    #: The routes it is measured on; none means every route.
    routes: tuple[str, ...] = ()
    #: In TARGETS, those its rate is reported over, round by round, on every route both ran.
    vs: tuple[str, ...] = ("service",)
    #: Served through pgbouncer in transaction mode, with these [pgbouncer] settings over the
    #: bench's (bench/measure.py); None: straight to PostgreSQL.
    pgbouncer: dict[str, object] | None = None
    #: The oldest pgbouncer that can serve it; with an older one it is left out, saying why.
    pgbouncer_since: Needs | None = None


# The service with accounts signs with this run's own key; the bench's writes carry a game
# server's token signed with it, valid for the whole run (the other targets ignore it).
ACCOUNTS = Settings(jwt_secret=secrets.token_urlsafe(32), access_token_ttl=24 * 3600)
ACCOUNTS_ENV = {
    "AUTH": "required",
    "JWT_SECRET": str(ACCOUNTS.jwt_secret),
    "ACCESS_TOKEN_TTL": str(ACCOUNTS.access_token_ttl),
}


def game_server_token() -> str:
    return TokenSigner.from_settings(ACCOUNTS).issue("client:bench", "results:write")


# The routes floor (a) serves: the primary-key read and the INSERT.
READ_AND_INSERT = ("get_player", "create_player")
# Every policy on, each set far above what the bench sends: what counting costs.
HIGH_LIMITS = {
    "RATE_LIMITS": "on",
    "RATE_LIMIT_AUTH": "1000000/second",
    "RATE_LIMIT_WRITE": "1000000/second",
    "RATE_LIMIT_READ": "1000000/second",
}
REDIS = {**HIGH_LIMITS, "REDIS_URL": "redis://127.0.0.1:6379/0"}
# Behind pgbouncer: each statement prepared anew (what pgbouncer before 1.21 needs) straight
# to PostgreSQL and through pgbouncer, and with the statement cache on through a pgbouncer
# that keeps prepared statements itself.
NO_STATEMENT_CACHE = {"DB_STATEMENT_CACHE_SIZE": "0"}
KEEPS_PREPARED_STATEMENTS = Needs(
    (1, 21),
    "pgbouncer keeps prepared statements in transaction mode from 1.21 on "
    "(max_prepared_statements); before, a cached statement is missing on the next server "
    'connection (26000, prepared statement "__asyncpg_stmt_1__" does not exist)',
)

# The first is the service as `make run` serves it but with AUTH=off and RATE_LIMITS=off
# (bench/measure.py); each other is up beside it and measured in the same alternating rounds.
TARGETS = (
    Target("service", SERVICE, vs=("floor (a)",)),
    Target("floor (a)", FLOOR, routes=READ_AND_INSERT, vs=()),
    Target("service, 2 workers", SERVICE, env={"WORKERS": "2"}, routes=("get_player",)),
    # A public read with no token, and a write with a game server's token.
    Target("service, AUTH=required", SERVICE, ACCOUNTS_ENV, ("get_player", "create_scenario")),
    # Reads and writes counted in memory, sign-ups in PostgreSQL.
    Target("service, limits", SERVICE, HIGH_LIMITS, READ_AND_INSERT, ("floor (a)", "service")),
    Target(
        "service, AUTH=required, limits",
        SERVICE,
        {**ACCOUNTS_ENV, **HIGH_LIMITS},
        ("create_scenario",),
        ("service, AUTH=required",),
    ),
    Target("service, limits in Redis", SERVICE, REDIS, READ_AND_INSERT),
    Target("service, DB_STATEMENT_CACHE_SIZE=0", SERVICE, NO_STATEMENT_CACHE, READ_AND_INSERT),
    Target(
        "service via pgbouncer, DB_STATEMENT_CACHE_SIZE=0",
        SERVICE,
        NO_STATEMENT_CACHE,
        READ_AND_INSERT,
        ("service, DB_STATEMENT_CACHE_SIZE=0", "service"),
        pgbouncer={},
    ),
    Target(
        "service via pgbouncer",
        SERVICE,
        routes=READ_AND_INSERT,
        pgbouncer={"max_prepared_statements": 200},
        pgbouncer_since=KEEPS_PREPARED_STATEMENTS,
    ),
)

# The floor with one habit flipped back to the slower choice; the first is the baseline.
WINS = (
    Target("floor: no reset query, uvloop, orjson, statement cache, no access log", FLOOR),
    Target("asyncpg's reset query on every release", (*FLOOR, "--reset-query")),
    Target("no prepared statement reuse", (*FLOOR, "--statement-cache-size=0")),
    Target("stdlib json instead of orjson", (*FLOOR, "--json=stdlib")),
    Target("asyncio's loop instead of uvloop", (*FLOOR, "--loop=asyncio")),
    Target("access log on", (*FLOOR, "--access-log")),
    Target("one pass-through middleware", (*FLOOR, "--middlewares=1")),
    Target("pool of 4 connections", FLOOR, env={"DB_POOL_MAX_SIZE": "4"}),
)
