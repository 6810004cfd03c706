"""Retrying a write that PostgreSQL aborted to break a deadlock (40P01) or a serialization
failure (40001). Each write is one statement in its own transaction, so an aborted attempt
left nothing behind and running it again is safe.

A write run on a connection inside a longer transaction (a request with an Idempotency-Key)
is not retried on its own: the failure aborted the whole transaction, so it propagates to
whoever owns that transaction, which runs it again whole."""

import asyncio
import functools
import random
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import asyncpg

from socialproof import metrics

P = ParamSpec("P")
T = TypeVar("T")

RETRYABLE = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)
# Up to this many retries; before the nth, a pause drawn at random from 0 to n x the step,
# so that the transactions that collided do not meet again at once.
RETRIES = 4
RETRY_STEP = 0.02


def retried(write: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """`write`, run again up to RETRIES times after a deadlock or serialization failure; the
    last failure propagates (answered 503)."""

    @functools.wraps(write)
    async def attempt(*args: P.args, **kwargs: P.kwargs) -> T:
        for retry in range(1, RETRIES + 1):
            try:
                return await write(*args, **kwargs)
            except RETRYABLE as error:
                if args and _in_transaction(args[0]):
                    raise
                metrics.retry(error.sqlstate)
                await asyncio.sleep(random.uniform(0, retry * RETRY_STEP))
        return await write(*args, **kwargs)

    return attempt


def _in_transaction(db: object) -> bool:
    """Whether `db` is a connection (a pool's too) inside a transaction block."""
    return isinstance(db, asyncpg.Connection) and db.is_in_transaction()
