"""The PostgreSQL side of start-up: the embedded server, the URL, the connection pool."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import attrs
import psycopg
from aiohttp import web
from asyncpg.pool import PoolConnectionHolder, PoolConnectionProxy
from psycopg.rows import kwargs_row

from socialproof import pgserver
from socialproof.errors import DatabaseUnreachable
from socialproof.keys import db_key, probe_key, settings_key
from socialproof.settings import Settings
from socialproof.sqlfiles import SQL

log = logging.getLogger(__name__)

_CONNECTION_CAPACITY = SQL["service/connection_capacity"]


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


class BoundedPool(asyncpg.Pool):
    """asyncpg's pool, with every acquire bounded and a statement on a free connection run
    without asyncpg's bookkeeping.

    Bounded: an acquire waits at most `acquire_timeout` seconds (TimeoutError). With a
    connection free it cannot wait, so it is made without a timer: asyncpg bounds an acquire
    with asyncio.wait_for, a task and a timer per call. Only an acquire that may wait pays for
    its bound. A free holder whose connection is closed reconnects within `timeout`
    (DB_TIMEOUT), so that wait is bounded too.

    Free connections first: a statement run on the pool (`fetchrow`, `fetch`, `fetchval`,
    `execute`) takes a free, open connection straight off asyncpg's queue of holders
    (`_queue`), runs on it, and gives it back in place when nothing in that can wait. asyncpg
    would wrap it in an acquire context, a proxy, two coroutines for the acquire and two for
    the release (its reset under a timeout context), and run the release as a task of its own:
    with all that, a primary-key read ran at 0.84-0.91 of the bench's floor, and without it at
    1.04-1.07 (medians of 8 alternating rounds, PostgreSQL 15 here). Anything else (no
    connection free, one to reconnect, a pool not open) goes asyncpg's way.

    In place: `_give_back` returns a connection as asyncpg's release would when the connection
    has no transaction open, no cancellation pending, no listener and no reset query to send
    (`NoResetConnection`), is of the pool's current generation and under `max_queries`: then
    asyncpg's release cannot wait on anything, so there is nothing for a cancellation to
    interrupt. Any other connection goes asyncpg's shielded way (`asyncio.shield`), so that a
    cancelled request cannot stop its ROLLBACK or cancellation halfway.

    Reaches into asyncpg's pool, holder and protocol (pinned below 0.33 in pyproject.toml);
    tests/test_pool.py holds every way.
    """

    __slots__ = ("acquire_timeout",)

    def __init__(self, *args: Any, acquire_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acquire_timeout = acquire_timeout

    def acquire(self, *, timeout: float | None = None) -> Any:
        if timeout is None and self._queue.empty():
            timeout = self.acquire_timeout
        return super().acquire(timeout=timeout)

    def _take_free(self) -> PoolConnectionHolder | None:
        """A free holder with an open connection, taken off the queue as asyncpg's acquire would;
        None when a statement should go asyncpg's way."""
        if self._closing or self._closed or not self._initialized or self._queue.empty():
            return None
        holder = self._queue.get_nowait()
        con = holder._con
        if (
            con is None
            or con.is_closed()
            or holder._generation != self._generation
            or holder._setup is not None
        ):
            # The queue is last in, first out: asyncpg's acquire takes this holder next and
            # connects it again.
            self._queue.put_nowait(holder)
            return None
        holder._maybe_cancel_inactive_callback()
        holder._in_use = self._loop.create_future()
        return holder

    async def _give_back(self, holder: PoolConnectionHolder, con: asyncpg.Connection) -> None:
        """Give back `holder`, taken with its connection `con`."""
        if holder._con is not con or holder._in_use is None:
            return  # given back already, by asyncpg, when `con` closed
        con._on_release()
        protocol = con._protocol
        if (
            isinstance(con, NoResetConnection)
            and self._reset is None
            and holder._generation == self._generation
            and con._top_xact is None
            and not con._listeners
            and not con._log_listeners
            and protocol is not None
            and not protocol._is_cancelling()
            and not protocol.is_in_transaction()
            and protocol.queries_count < holder._max_queries
            and not con.is_closed()
        ):
            # asyncpg's PoolConnectionHolder.release, less what cannot apply here.
            holder._timeout = None
            holder._release()
            holder._setup_inactive_callback()
        else:
            await asyncio.shield(holder.release(holder._timeout))

    # asyncpg's Pool.release, overridden: its signature, timeout included.
    async def release(
        self,
        connection: Any,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> None:
        """Give back a connection from `acquire`: in place when nothing in that can wait."""
        if (
            type(connection) is PoolConnectionProxy
            and connection._con is not None  # None once released: asyncpg's way says so
            and connection._holder._pool is self
            and timeout is None
        ):
            self._check_init()
            await self._give_back(connection._holder, connection._con)
        else:
            await super().release(connection, timeout=timeout)

    async def _run(
        self,
        on_pool: Callable[..., Awaitable[Any]],
        on_connection: Callable[..., Awaitable[Any]],
        query: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """`on_connection` (asyncpg's Connection method) on a free connection, given back as
        above; when none is free, `on_pool` (asyncpg's Pool method, with its acquire)."""
        holder = self._take_free()
        if holder is None:
            return await on_pool(self, query, *args, **kwargs)
        con = holder._con
        try:
            return await on_connection(con, query, *args, **kwargs)
        finally:
            await self._give_back(holder, con)

    # asyncpg's statements on the pool, taking the same arguments (timeout, record_class,
    # column) and returning the same awaitable.
    def fetchrow(self, query: str, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        return self._run(asyncpg.Pool.fetchrow, asyncpg.Connection.fetchrow, query, args, kwargs)

    def fetch(self, query: str, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        return self._run(asyncpg.Pool.fetch, asyncpg.Connection.fetch, query, args, kwargs)

    def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        return self._run(asyncpg.Pool.fetchval, asyncpg.Connection.fetchval, query, args, kwargs)

    def execute(self, query: str, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        return self._run(asyncpg.Pool.execute, asyncpg.Connection.execute, query, args, kwargs)


async def _connect(*args: Any, **kwargs: Any) -> asyncpg.Connection:
    """asyncpg.connect, with a failure to reach the server told apart from other OSErrors."""
    try:
        return await asyncpg.connect(*args, **kwargs)
    except OSError as error:  # refused, reset, timed out (TimeoutError is an OSError)
        raise DatabaseUnreachable(repr(error)) from error


def _server_settings(settings: Settings) -> dict[str, str]:
    return {
        # Whatever the server's default, the service works in UTC.
        "timezone": "UTC",
        "application_name": "socialproof",
        # The server ends a statement (waiting on a lock included) after DB_TIMEOUT: 57014.
        # pgbouncer cannot carry it to its shared server connections: it is told to ignore it
        # and sets it itself (README: pgbouncer); start-up checks the value it set.
        "statement_timeout": str(round(settings.db_timeout * 1000)),
    }


# How much longer than DB_TIMEOUT a client with a statement timeout waits for an answer.
CLIENT_MARGIN = 1.0


async def create_pool(settings: Settings, *, statement_timeout: float | None = None) -> BoundedPool:
    """The pool for `settings.database_url`. `statement_timeout`: how long the client waits for
    any statement's answer (asyncpg's command_timeout); None for the primary's pool (below)."""
    assert settings.database_url is not None, "resolve the database URL before creating a pool"
    pool = BoundedPool(
        settings.database_url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        acquire_timeout=settings.db_acquire_timeout,
        connect=_connect,
        timeout=settings.db_timeout,  # connecting
        # The primary's pool has no command_timeout: it arms a timer for every statement, a
        # fifth of the cost a primary-key read adds to its SQL. A statement on it runs within
        # a request, cut at REQUEST_TIMEOUT even when the server stops answering altogether
        # (and so never sends its statement_timeout error); the one that runs outside a
        # request (the rate limiter's purge) sets its own bound.
        command_timeout=statement_timeout,
        connection_class=NoResetConnection,
        server_settings=_server_settings(settings),
        # Prepared statements kept per connection: one round trip a query. 0 behind a
        # pgbouncer that cannot keep them (transaction mode before 1.21): each query is then
        # described and sent again unnamed, two round trips that stay on one server connection.
        statement_cache_size=settings.statement_cache_size,
        # asyncpg.create_pool's defaults, which the Pool class itself does not have.
        max_queries=50000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
        record_class=asyncpg.Record,
    )
    await pool
    return pool


class ProbeConnection:
    """One connection of the health probes' own, outside the pool, so that they answer within
    HEALTH_TIMEOUT whatever the pool is doing; made again after any failure."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # None until first used, and again after a failure.
        self.connection: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()

    async def fetchval(self, query: str, *args: Any) -> Any:
        """The first value of `query`'s first row; raises on any failure or past the bound."""
        timeout = self._settings.health_timeout
        async with asyncio.timeout(timeout), self._lock:
            try:
                if self.connection is None or self.connection.is_closed():
                    self.connection = await _connect(
                        self._settings.database_url,
                        timeout=timeout,
                        server_settings=_server_settings(self._settings),
                        statement_cache_size=self._settings.statement_cache_size,
                    )
                return await self.connection.fetchval(query, *args)
            except BaseException:  # cancelled by the bound included
                self.close()
                raise

    def close(self) -> None:
        if self.connection is not None:
            self.connection.terminate()
            self.connection = None


@attrs.frozen
class ConnectionRoom:
    """What start-up learns of the server's connection slots (sql/service/connection_capacity)."""

    max_connections: int
    reserved: int
    open: int
    role_name: str
    is_superuser: bool
    # What a session gets when it asks for nothing; through a pooler, what the service's
    # statements run with (the pooler ignores the service's own statement_timeout).
    statement_timeout_ms: int
    # The connection reached the server through a pooler (pgbouncer), so the service's pools
    # count against the pooler's client limit rather than the server's slots.
    through_pooler: bool = False

    @property
    def free(self) -> int:
        """Slots an ordinary role could still take, once the connection that asked is closed."""
        return self.max_connections - self.reserved - (self.open - 1)


def connection_room(database_url: str) -> ConnectionRoom:
    with psycopg.connect(
        database_url, autocommit=True, row_factory=kwargs_row(ConnectionRoom)
    ) as conn:
        room = conn.execute(_CONNECTION_CAPACITY).fetchone()
        assert room is not None
        return attrs.evolve(room, through_pooler=pgserver.through_pooler(conn))


def connections_needed(settings: Settings) -> int:
    """Every worker's pool at its largest, and each worker's probe connection."""
    return settings.workers * (settings.pool_max_size + 1)


async def pool_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the pool lives exactly as long as the application."""
    pool = await create_pool(app[settings_key])
    app[db_key] = pool
    app[probe_key] = probe = ProbeConnection(app[settings_key])
    yield
    probe.close()
    await close_pool(pool, "database pool")


async def close_pool(pool: asyncpg.Pool, name: str) -> None:
    """Close `pool`, its connections given 10 s to finish, then terminated."""
    try:
        await asyncio.wait_for(pool.close(), timeout=10)
    except TimeoutError:
        log.warning("%s did not close in time; terminating its connections", name)
        pool.terminate()
