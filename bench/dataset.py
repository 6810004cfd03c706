"""The bench's data: a database of its own on the server, filled set-based by the statements
in bench/sql (read by the service's own SQL file loader), its history checked.

Each run builds its database afresh: the schema from the service's migrations, then one
transaction of INSERT ... SELECT with the players' triggers off and the rating bands counted
once after (the triggers are made for one-row writes).
"""

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench import BENCH_DIR
from socialproof import migrations, pgserver
from socialproof.sqlfiles import SqlFiles

SQL = SqlFiles(BENCH_DIR / "sql")
# Every target is up at once, each with pools sized like the service's (33 connections a
# worker by default, the probes' included; pgbouncer's 32 for the one behind it): more than
# PostgreSQL's default 100.
MAX_CONNECTIONS = 400


def embedded_server(data_dir: Path) -> tuple[str, int]:
    """The embedded server keeping its data in `data_dir`, with room for MAX_CONNECTIONS: its
    URL and its postmaster's pid (the parent of every backend, for PostgreSQL's CPU time)."""
    url = pgserver.start_embedded(data_dir, max_connections=MAX_CONNECTIONS)
    return url, int((data_dir / "postmaster.pid").read_text().split()[0])


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


async def _fill(url: str, players: int, scenarios: int, played: float) -> dict[str, int]:
    conn = await asyncpg.connect(url, command_timeout=None)
    try:
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
    finally:
        await conn.close()


def load(server_url: str, name: str, players: int, scenarios: int, played: float) -> Dataset:
    """Database `name` on the server of `server_url`, built afresh: migrated, then filled with
    `players` and `scenarios`, a share `played` of them with a result."""
    pgserver.drop_database(server_url, name)
    url = pgserver.create_database(server_url, name)
    migrations.apply(url)
    started = time.perf_counter()
    inconsistencies = asyncio.run(_fill(url, players, scenarios, played))
    seconds = round(time.perf_counter() - started, 1)
    return Dataset(url, players, scenarios, played, seconds, inconsistencies)


async def _fetch(url: str, name: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url, command_timeout=None)
    try:
        return await conn.fetch(SQL[name], *args)
    finally:
        await conn.close()


def result_pool(url: str, players: int, size: int) -> int:
    """`size` fresh unplayed scenarios with consecutive ids, for POST /scenarios/{id}/result
    to play each once (a replay is a 409); the first id."""
    (row,) = asyncio.run(_fetch(url, "result_pool_create", players, size))
    if row["created"] != row["last_id"] - row["first_id"] + 1:
        raise RuntimeError("the result pool's ids are not consecutive: something else writes")
    return row["first_id"]


def server_facts(url: str) -> dict[str, str]:
    """The server settings that bear on the numbers (version, shared_buffers, ...)."""
    return {row["name"]: row["setting"] for row in asyncio.run(_fetch(url, "server_facts"))}
