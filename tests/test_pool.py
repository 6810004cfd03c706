"""The pool's release: in place when nothing in it can wait, asyncpg's shielded way otherwise."""

import asyncio
from collections.abc import AsyncIterator

import attrs
import pytest

from socialproof import database, queries
from socialproof.settings import Settings


def _loop_turned() -> asyncio.Event:
    """Set once the event loop has run what was scheduled before it."""
    turned = asyncio.Event()
    asyncio.get_running_loop().call_soon(turned.set)
    return turned


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
