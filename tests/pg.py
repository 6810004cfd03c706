"""Test-side database helpers: the test server, throwaway databases on it, SQL from tests/sql."""

import asyncio
import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg
import psycopg
from psycopg import sql

from socialproof import pgserver

SQL_DIR = Path(__file__).parent / "sql"


def read(name: str) -> str:
    """The text of a statement in tests/sql."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


@contextmanager
def server_url() -> Iterator[str]:
    """TEST_DATABASE_URL when set, else a throwaway embedded PostgreSQL."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
        return
    with (
        tempfile.TemporaryDirectory(prefix="socialproof-test-") as tmp,
        pgserver.throwaway_embedded(Path(tmp) / "pgdata") as url,
    ):
        yield url


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new empty database on the server of `url`, dropped afterwards; yields its URL."""
    name = f"socialproof_test_{secrets.token_hex(4)}"
    try:
        yield pgserver.create_database(url, name)
    finally:
        pgserver.drop_database(url, name)


def run(url: str, name: str) -> list[tuple]:
    """Run a statement from tests/sql and return its rows (none for a command)."""
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql.SQL(read(name)))
        return cursor.fetchall() if cursor.description else []


@contextmanager
def loaded(url: str, *fixtures: str) -> Iterator[str]:
    """The tables of `url` emptied and filled by the statements `fixtures` (tests/sql), for
    tests that only read them; emptied again afterwards. Yields `url`."""
    run(url, "truncate_all")
    for fixture in fixtures:
        run(url, fixture)
    try:
        yield url
    finally:
        run(url, "truncate_all")


@asynccontextmanager
async def players_locked(database_url: str) -> AsyncIterator[None]:
    """The players' table locked by another session for as long as the block runs."""
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            await conn.execute(read("lock_players"))
            yield
    finally:
        await conn.close()


async def lock_waiters(database_url: str, at_least: int = 1) -> None:
    """Wait until `at_least` of the service's statements wait on a lock."""
    deadline = time.monotonic() + 5
    while run(database_url, "count_lock_waiters")[0][0] < at_least:
        assert time.monotonic() < deadline, "no statement came to wait on the lock"
        await asyncio.sleep(0.05)
