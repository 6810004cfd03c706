"""The pool: a statement on a free connection run without asyncpg's acquire, and connections
given back in place when nothing in that can wait, asyncpg's shielded way otherwise."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import asyncpg
import attrs
import pytest

from socialproof import database, queries
from socialproof.settings import Settings
from socialproof.sqlfiles import SQL
from tests import pg

BACKEND_PID = SQL["service/backend_pid"]


def _loop_turned() -> asyncio.Event:
    """Set once the event loop has run what was scheduled before it."""
    turned = asyncio.Event()
    asyncio.get_running_loop().call_soon(turned.set)
    return turned


@contextmanager
def tasks_started() -> Iterator[list[asyncio.Task[Any]]]:
    """The tasks the event loop starts while the block runs."""
    loop = asyncio.get_running_loop()
    started: list[asyncio.Task[Any]] = []

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        task = asyncio.Task(coro, loop=loop, **kwargs)
        started.append(task)
        return task

    loop.set_task_factory(factory)
    try:
        yield started
    finally:
        loop.set_task_factory(None)


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[database.BoundedPool]:
    # One connection: whatever the next acquire gets is the one released before it.
    pool = await database.create_pool(attrs.evolve(settings, pool_min_size=1, pool_max_size=1))
    yield pool
    await pool.close()


async def test_a_connection_with_nothing_to_undo_goes_back_in_place(
    pool: database.BoundedPool,
) -> None:
    connection = await pool.acquire()
    await queries.ping(connection)
    turned = _loop_turned()
    await pool.release(connection)
    assert not turned.is_set(), "the release waited on the event loop"
    assert pool.get_idle_size() == 1

    async with pool.acquire() as again:
        await queries.ping(again)


async def test_a_connection_left_in_a_transaction_is_rolled_back_as_it_goes_back(
    pool: database.BoundedPool,
) -> None:
    connection = await pool.acquire()
    transaction = connection.transaction()
    await transaction.start()
    await queries.create_player(connection, "left_open", "left_open@example.com")
    turned = _loop_turned()
    await pool.release(connection)
    assert turned.is_set(), "the ROLLBACK was not waited for"

    async with pool.acquire() as again:
        assert not again.is_in_transaction()
        assert await queries.get_player(again, 1) is None
        assert await queries.list_players(again, 0, 10) == []


async def test_a_cancelled_release_of_an_open_transaction_still_gives_the_connection_back(
    pool: database.BoundedPool,
) -> None:
    """The shielded way: the ROLLBACK finishes though the task that released it is cancelled,
    and the same connection serves the next acquire (not one opened in its place)."""
    connection = await pool.acquire()
    backend = connection.get_server_pid()
    transaction = connection.transaction()
    await transaction.start()
    await queries.create_player(connection, "cancelled", "cancelled@example.com")
    releasing = asyncio.ensure_future(pool.release(connection))
    await asyncio.sleep(0)
    releasing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await releasing

    async with asyncio.timeout(5):
        async with pool.acquire() as again:
            assert again.get_server_pid() == backend
            assert not again.is_in_transaction()
            assert await queries.list_players(again, 0, 10) == []


async def test_a_statement_on_a_free_connection_skips_asyncpgs_acquire_and_release(
    pool: database.BoundedPool, settings: Settings
) -> None:
    """No proxy (asyncpg's acquire makes one for its caller) and no task (its release runs as
    one), and the connection is free again when the statement returns."""
    url = settings.database_url or ""
    backend = await pool.fetchval(BACKEND_PID)
    with tasks_started() as started:
        assert await pool.fetchval(BACKEND_PID) == backend
        assert await pool.fetchrow(BACKEND_PID) == (backend,)
        assert await pool.fetch(BACKEND_PID) == [(backend,)]
        assert await pool.execute(BACKEND_PID) == "SELECT 1"
    assert started == []
    assert pool.get_idle_size() == 1
    async with pg.players_locked(url):
        waiting = asyncio.ensure_future(queries.get_player(pool, 1))
        await pg.lock_waiters(url)
        (holder,) = pool._holders
        assert holder._proxy is None, "the statement went through asyncpg's acquire"
    assert await waiting is None


async def test_a_failed_statement_gives_its_connection_back_in_place(
    pool: database.BoundedPool,
) -> None:
    backend = await pool.fetchval(BACKEND_PID)
    await queries.create_player(pool, "taken", "taken@example.com")
    with tasks_started() as started:
        with pytest.raises(asyncpg.UniqueViolationError):
            await queries.create_player(pool, "taken", "taken@example.com")
        assert await pool.fetchval(BACKEND_PID) == backend
    assert started == []
    assert pool.get_idle_size() == 1


async def test_a_cancelled_statement_ends_on_the_server_before_its_connection_is_reused(
    pool: database.BoundedPool, settings: Settings
) -> None:
    """The shielded way: the statement, waiting on a lock, is cancelled on the server too, and
    the same connection, idle again, serves the next statement."""
    url = settings.database_url or ""
    backend = await pool.fetchval(BACKEND_PID)
    async with pg.players_locked(url):
        waiting = asyncio.ensure_future(queries.get_player(pool, 1))
        await pg.lock_waiters(url)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        async with asyncio.timeout(5):
            assert await pool.fetchval(BACKEND_PID) == backend
        assert pg.run(url, "count_lock_waiters") == [(0,)]
    assert pool.get_idle_size() == 1


async def test_a_connection_ended_mid_statement_is_given_back_once_and_made_again(
    pool: database.BoundedPool, settings: Settings
) -> None:
    """asyncpg gives back the holder of a connection that closes; the statement's own give-back
    must not give it back twice (a holder twice in the queue would serve two at once)."""
    url = settings.database_url or ""
    backend = await pool.fetchval(BACKEND_PID)
    async with pg.players_locked(url):
        waiting = asyncio.ensure_future(queries.get_player(pool, 1))
        await pg.lock_waiters(url)
        assert pg.run(url, "terminate_service_connections") == [(1,)]
        # Whichever asyncpg reads first: the server's 57P01, or the connection closing.
        with pytest.raises((asyncpg.AdminShutdownError, asyncpg.ConnectionDoesNotExistError)):
            await waiting
    first, second = await asyncio.gather(pool.fetchval(BACKEND_PID), pool.fetchval(BACKEND_PID))
    assert first == second != backend
    assert pool.get_idle_size() == 1


async def test_a_free_connection_the_server_ended_is_made_again(
    pool: database.BoundedPool, settings: Settings
) -> None:
    """As with asyncpg's own acquire: a statement that comes before the pool has read that its
    connection closed fails on it (the request answers 503); after that, a new connection."""
    backend = await pool.fetchval(BACKEND_PID)
    assert pg.run(settings.database_url or "", "terminate_service_connections") == [(1,)]
    with suppress(asyncpg.ConnectionDoesNotExistError):
        assert await pool.fetchval(BACKEND_PID) != backend
    assert await pool.fetchval(BACKEND_PID) not in (None, backend)
    assert pool.get_idle_size() == 1


async def test_a_statement_on_a_closed_pool_is_refused(pool: database.BoundedPool) -> None:
    await pool.close()
    with pytest.raises(asyncpg.InterfaceError, match="pool is closed"):
        await pool.fetchval(BACKEND_PID)
