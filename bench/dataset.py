"""The bench's data: a database of its own, built afresh each run from the service's migrations,
then filled in one transaction of INSERT ... SELECT (bench/sql, read by the service's own SQL
file loader) with the players' triggers off and the rating bands counted once after (the
triggers are made for one-row writes); its rating history checked."""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import asyncpg

from bench import BENCH_DIR
from socialproof import migrations, pgserver
from socialproof.sqlfiles import SqlFiles

SQL = SqlFiles(BENCH_DIR / "sql")
# Every target is up at once, each with pools sized like the service's (33 connections a
# worker by default, the probes' included; pgbouncer's 32 for the one behind it): more than
# PostgreSQL's default 100.
MAX_CONNECTIONS = 400
T = TypeVar("T")


def embedded_server(data_dir: Path) -> tuple[str, int]:
    """The embedded server keeping its data in `data_dir`, with room for MAX_CONNECTIONS: its
    URL and its postmaster's pid (the parent of every backend, for PostgreSQL's CPU time)."""
    url = pgserver.start_embedded(data_dir, max_connections=MAX_CONNECTIONS)
    return url, int((data_dir / "postmaster.pid").read_text().split()[0])


def connected(url: str, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """`work` done on a connection of its own to `url`, closed after."""

    async def run() -> T:
        conn = await asyncpg.connect(url, command_timeout=None)
        try:
            return await work(conn)
        finally:
            await conn.close()

    return asyncio.run(run())


@dataclass(frozen=True)
class Dataset:
    url: str
    #: Ids 1..players and 1..scenarios; rows past them were added by the run.
    players: int
    scenarios: int
    played: float
    load_seconds: float
    #: dataset_check.sql's counts of inconsistencies in the rating history, all 0 when sound.
    inconsistencies: dict[str, int]


async def _fill(
    conn: asyncpg.Connection, players: int, scenarios: int, played: float
) -> dict[str, int]:
    if scenarios:
        steps = [
            ("elo_fold_create", ()),
            ("raw_scenarios_create", ()),
            ("raw_scenarios_fill", (players, scenarios, played)),
            ("players_fill", (players,)),
            ("scenarios_fill", ()),
        ]
    else:  # players alone, with ratings drawn from a spread: the scaling study's
        steps = [("scaling_players_fill", (players,))]
    steps += [("players_sequence_sync", ()), ("scenarios_sequence_sync", ())]
    async with conn.transaction():
        await conn.execute(SQL["rating_triggers_disable"])
        for name, args in steps:
            await conn.execute(SQL[name], *args)
        await conn.execute(SQL["rating_triggers_enable"])
        await conn.execute(SQL["rating_bands_rebuild"])
    await conn.execute(SQL["vacuum_analyze"])
    # Without the privilege, a checkpoint may land during a measurement.
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
        await conn.execute(SQL["checkpoint"])
    return dict(await conn.fetchrow(SQL["dataset_check"])) if scenarios else {}


def load(server_url: str, name: str, players: int, scenarios: int, played: float) -> Dataset:
    """Database `name` on the server of `server_url`, built afresh: migrated, then filled with
    `players` and `scenarios`, a share `played` of them with a result."""
    pgserver.drop_database(server_url, name)
    url = pgserver.create_database(server_url, name)
    migrations.apply(url)
    started = time.perf_counter()
    inconsistencies = connected(url, lambda conn: _fill(conn, players, scenarios, played))
    seconds = round(time.perf_counter() - started, 1)
    return Dataset(url, players, scenarios, played, seconds, inconsistencies)


def result_pool(url: str, players: int, size: int) -> int:
    """`size` fresh unplayed scenarios with consecutive ids, for POST /scenarios/{id}/result
    to play each once (a replay is a 409); the first id."""
    row = connected(url, lambda conn: conn.fetchrow(SQL["result_pool_create"], players, size))
    if row["created"] != row["last_id"] - row["first_id"] + 1:
        raise RuntimeError("the result pool's ids are not consecutive: something else writes")
    return row["first_id"]


def server_facts(url: str) -> dict[str, str]:
    """The server settings that bear on the numbers (version, shared_buffers, ...)."""
    rows = connected(url, lambda conn: conn.fetch(SQL["server_facts"]))
    return {row["name"]: row["setting"] for row in rows}
