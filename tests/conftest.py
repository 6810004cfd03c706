"""Fixtures: a real PostgreSQL (embedded, or TEST_DATABASE_URL), a migrated database for the
run, emptied before every test, and the app built by the same factory that serves it; with
TEST_PGBOUNCER=1, the app reaches the database through pgbouncer in transaction mode."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import attrs
import pytest

from socialproof import migrations
from socialproof.app import create_app
from socialproof.settings import Settings
from tests import pg, pgbouncer
from tests.api import Client
from tests.auth_api import TEST_JWT_SECRET


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    with pg.server_url() as url:
        yield url


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """This run's own database, with every migration applied."""
    with pg.fresh_database(server_url) as url:
        migrations.apply(url)
        yield url


# The apps' statement timeout (DB_TIMEOUT).
DB_TIMEOUT = 3.0


@pytest.fixture(scope="session")
def service_database_url(database_url: str) -> Iterator[str]:
    """Where the service connects: the run's database; with TEST_PGBOUNCER=1, a pgbouncer in
    front of it that gives its server connections the apps' statement timeout."""
    if not pgbouncer.PASS:
        yield database_url
        return
    with pgbouncer.running(database_url, statement_timeout=DB_TIMEOUT) as url:
        yield url


@pytest.fixture
def empty_tables(database_url: str) -> str:
    pg.run(database_url, "truncate_all")
    return database_url


@pytest.fixture
def settings(empty_tables: str, service_database_url: str) -> Settings:
    """The service as it was before accounts: AUTH=off, no token needed anywhere."""
    return Settings(
        database_url=service_database_url,
        statement_cache_size=pgbouncer.STATEMENT_CACHE_SIZE,
        pool_min_size=1,
        pool_max_size=10,
        db_timeout=DB_TIMEOUT,
        auth="off",
        rate_limits=False,  # tests that count requests turn them on
    )


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[Client]], settings: Settings
) -> AsyncIterator[Client]:
    yield await aiohttp_client(create_app(settings))


@pytest.fixture
def auth_settings(settings: Settings) -> Settings:
    """The service with accounts: AUTH=required, a known signing key."""
    return attrs.evolve(settings, auth="required", jwt_secret=TEST_JWT_SECRET)


@pytest.fixture
async def auth_client(
    aiohttp_client: Callable[..., Awaitable[Client]], auth_settings: Settings
) -> AsyncIterator[Client]:
    yield await aiohttp_client(create_app(auth_settings))
