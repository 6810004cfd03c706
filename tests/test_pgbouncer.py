"""The service behind a real pgbouncer in transaction mode, set up as the README says: what
pgbouncer before 1.21 cannot keep (prepared statements, a statement timeout asked for at
start-up), what start-up checks, migrations kept off it, and PostgreSQL going away behind it.

The API's own tests run through pgbouncer too, in .ci/run's pass with TEST_PGBOUNCER=1."""

import logging
import subprocess
import sys
from collections.abc import Awaitable, Callable

import asyncpg
import attrs
import pytest

from socialproof import PROJECT_ROOT, database, migrations, pgserver, queries
from socialproof.__main__ import check_connections
from socialproof.app import create_app
from socialproof.settings import Settings
from tests.api import Client, create_player, wait_until_served
from tests.pg import players_locked
from tests.pgbouncer import running
from tests.proxy import DatabaseProxy
from tests.test_bounds import MARGIN, STATEMENT_TIMED_OUT, timed
from tests.test_cli import service_env

AppClient = Callable[..., Awaitable[Client]]


@pytest.mark.parametrize("cache_size", [0, 100])
async def test_the_statement_cache_setting_decides_whether_a_statement_survives_pgbouncer(
    empty_tables: str, cache_size: int
) -> None:
    """The pool and the probes' connection prepare a statement on one server connection; a
    transaction of another client then holds that one (pgbouncer hands out the last one
    used), so the next query goes to another. With DB_STATEMENT_CACHE_SIZE=0 nothing was
    kept to miss; with a cache, pgbouncer before 1.21 loses the named statement."""
    version = pgserver.pgbouncer_version()
    if cache_size and version and version >= (1, 21):
        pytest.skip(f"pgbouncer {version} can keep prepared statements (max_prepared_statements)")
    with running(empty_tables) as url:
        settings = Settings(
            database_url=url, statement_cache_size=cache_size, pool_min_size=1, pool_max_size=1
        )
        pool = await database.create_pool(settings)
        probe = database.ProbeConnection(settings)
        other = await asyncpg.connect(url, statement_cache_size=0)
        try:
            assert await queries.get_player(pool, 1) is None
            await queries.ping(probe)
            async with other.transaction():
                await queries.ping(other)
                if cache_size == 0:
                    assert await queries.get_player(pool, 1) is None
                    await queries.ping(probe)
                else:
                    with pytest.raises(asyncpg.InvalidSQLStatementNameError):
                        await queries.get_player(pool, 1)
                    with pytest.raises(asyncpg.InvalidSQLStatementNameError):
                        await queries.ping(probe)
        finally:
            await other.close()
            probe.close()
            await pool.close()


async def test_a_lock_wait_through_pgbouncer_ends_at_the_statement_timeout_it_sets(
    aiohttp_client: AppClient, settings: Settings, database_url: str
) -> None:
    """pgbouncer ignores the statement_timeout the service asks for and sets DB_TIMEOUT on its
    server connections itself (connect_query): a statement queued behind a lock is ended by
    PostgreSQL (57014), as it is without pgbouncer."""
    with running(database_url, statement_timeout=0.5) as url:
        app = create_app(
            attrs.evolve(settings, database_url=url, statement_cache_size=0, db_timeout=0.5)
        )
        client = await aiohttp_client(app)
        player = await create_player(client)
        async with players_locked(database_url):
            status, body, elapsed = await timed(client, "GET", f"/players/{player['id']}")
    assert (status, body) == (503, STATEMENT_TIMED_OUT)
    assert 0.5 <= elapsed < 0.5 + MARGIN


@pytest.mark.parametrize("statement_timeout", [None, 3.0], ids=["not-set", "set"])
def test_start_up_through_pgbouncer_checks_its_statement_timeout_not_the_server_slots(
    empty_tables: str, statement_timeout: float | None, caplog: pytest.LogCaptureFixture
) -> None:
    """Through pgbouncer the pools count against its client limit, so a size far beyond
    PostgreSQL's slots starts; a statement timeout that is not DB_TIMEOUT is warned of."""
    with running(empty_tables, statement_timeout=statement_timeout) as url:
        settings = Settings(database_url=url, db_timeout=3.0, workers=64, pool_max_size=100)
        with caplog.at_level(logging.INFO, logger="socialproof"):
            check_connections(settings, warn_superuser=False)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    if statement_timeout is None:
        assert len(warnings) == 1 and "connect_query" in warnings[0], warnings
        assert "statement_timeout of 0 ms" in warnings[0] and "3000 ms" in warnings[0]
    else:
        assert warnings == []
    assert any("through a pooler" in r.getMessage() for r in caplog.records)


def test_migrations_read_through_pgbouncer_but_change_the_schema_only_directly(
    database_url: str,
) -> None:
    """psycopg names the statements it prepares alike on every connection: through pgbouncer
    they would clash on a shared server connection, so yoyo's reads prepare none; applying
    or rolling back through pgbouncer is refused before anything is locked or run."""
    with running(database_url) as url:
        for _ in range(3):  # each on a new client connection, on the same server connection
            assert migrations.applied(url) == migrations.applied(database_url)
            assert migrations.pending(url) == []
        with pytest.raises(migrations.DirectConnectionRequired, match="not through a pooler"):
            migrations.apply(url)
        with pytest.raises(migrations.DirectConnectionRequired):
            migrations.rollback(url, 1)
        command = subprocess.run(
            [sys.executable, "-m", "socialproof", "migrate", "rollback"],
            env=service_env(DATABASE_URL=url),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert command.returncode == 1
    assert command.stderr.strip().splitlines() == [
        "error: migrations must connect to PostgreSQL itself, not through a pooler such as "
        "pgbouncer: point DATABASE_URL at the server for migrate"
    ]
    assert migrations.pending(database_url) == []


async def test_postgres_gone_behind_pgbouncer_is_503_then_recovers_without_restart(
    aiohttp_client: AppClient, settings: Settings, database_url: str
) -> None:
    """pgbouncer stays up while the connection to PostgreSQL behind it is cut: requests are
    answered 503 within their bounds, and served again once PostgreSQL is back."""
    proxy = DatabaseProxy(database_url)
    await proxy.start()
    try:
        with running(proxy.url, statement_timeout=2.0) as url:
            bounds = attrs.evolve(
                settings, database_url=url, statement_cache_size=0, db_timeout=2.0
            )
            client = await aiohttp_client(create_app(bounds))
            player = await create_player(client)

            await proxy.stop()
            for method, path, body in (
                ("GET", f"/players/{player['id']}", None),
                ("POST", "/players/", {"username": "user2", "email": "u2@example.com"}),
                ("GET", "/health", None),
            ):
                status, _, elapsed = await timed(client, method, path, json=body)
                assert status == 503, path
                # pgbouncer's query_wait_timeout, 2 s, ends the wait for a server connection.
                assert elapsed < 2 + MARGIN, path

            await proxy.start()
            await wait_until_served(client, player)
    finally:
        await proxy.stop()
