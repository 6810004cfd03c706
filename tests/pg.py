"""Test-side database helpers: the test server, throwaway databases on it, SQL from tests/sql."""

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
