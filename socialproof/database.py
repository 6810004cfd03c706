"""The PostgreSQL side of start-up: the embedded server, the URL, the connection pool."""

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from aiohttp import web

from socialproof import pgserver
from socialproof.keys import db_key, settings_key
from socialproof.settings import Settings

log = logging.getLogger(__name__)


def start_embedded(data_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL keeping its data in `data_dir`; return its URL.

    The server stops when this process exits; the data stays for the next start.
    """
    return pgserver.start_embedded(data_dir)


class NoResetConnection(asyncpg.Connection):
    """Skips the reset query asyncpg sends when a connection goes back to the pool.

    Safe because the service never changes session state (no SET, LISTEN, temp tables or
    open transactions survive a request); it saves a round trip per request. The bench's
    floor app uses it too, so the two are served alike.
    """

    def get_reset_query(self) -> str:
        return ""


async def create_pool(settings: Settings) -> asyncpg.Pool:
    assert settings.database_url is not None, "resolve the database URL before creating a pool"
    return await asyncpg.create_pool(
        settings.database_url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        timeout=settings.db_timeout,  # connecting
        command_timeout=settings.db_timeout,  # each statement
        connection_class=NoResetConnection,
        # Whatever the server's default, the service works in UTC.
        server_settings={"timezone": "UTC", "application_name": "socialproof"},
    )


async def pool_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the pool lives exactly as long as the application."""
    pool = await create_pool(app[settings_key])
    app[db_key] = pool
    yield
    try:
        await asyncio.wait_for(pool.close(), timeout=10)
    except TimeoutError:
        log.warning("database pool did not close in time; terminating its connections")
        pool.terminate()
