"""Where the limiter keeps each key's theoretical arrival time: this process's memory,
PostgreSQL (shared by every process on the database) or Redis (shared by every machine). All
three take the same GCRA step (`rates.gcra_step`, `sql/limits/take.sql`, `gcra.lua`)."""

import asyncio
import logging
import time
from pathlib import Path
from typing import Protocol

import asyncpg
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from socialproof.limits.rates import Decision, Rate, decide, gcra_step
from socialproof.sqlfiles import SQL

log = logging.getLogger(__name__)

_TAKE = SQL["limits/take"]
_PURGE = SQL["limits/purge"]
_GCRA_LUA = (Path(__file__).parent / "gcra.lua").read_text(encoding="utf-8")

# After Redis fails to answer, requests skip it for this long (and meet the failure rule at
# once) instead of each waiting for its own timeout.
REDIS_RETRY_SECONDS = 1.0


class StoreUnavailable(Exception):
    """The store could not answer in time; the policy's failure rule decides."""


class Store(Protocol):
    async def take(self, key: str, rate: Rate) -> Decision:
        """One GCRA step for `key` under `rate`."""
        ...

    async def purge(self) -> None:
        """Forget keys whose quota is whole again."""
        ...


class MemoryStore:
    """This process's own counts: a dict lookup and integer arithmetic per request.

    At most `max_keys` keys (about 200 bytes each): when a new key would exceed it, the expired
    ones are dropped, and if that is not enough, all of them (callers are forgotten, not
    refused), so that many callers at once cannot grow the process without bound."""

    def __init__(self, max_keys: int = 200_000) -> None:
        self._tats: dict[str, int] = {}
        self._max_keys = max_keys

    async def take(self, key: str, rate: Rate) -> Decision:
        return self.take_now(key, rate)

    def take_now(self, key: str, rate: Rate) -> Decision:
        """`take`, for a caller that knows it needs no await (the limiter's hot path)."""
        now = time.monotonic_ns() // 1000
        tats = self._tats
        if len(tats) >= self._max_keys and key not in tats:
            self._make_room(now)
        admitted, tat = gcra_step(self._tats.get(key), now, rate)
        self._tats[key] = tat
        return decide(rate, admitted, tat - now)

    def _make_room(self, now: int) -> None:
        self._tats = {key: tat for key, tat in self._tats.items() if tat > now}
        if len(self._tats) >= self._max_keys:
            log.warning("more than %d callers counted in memory; forgetting them", self._max_keys)
            self._tats = {}

    async def purge(self) -> None:
        now = time.monotonic_ns() // 1000
        self._tats = {key: tat for key, tat in self._tats.items() if tat > now}


class PostgresStore:
    """One upsert per request on the service's own pool (the primary)."""

    def __init__(self, pool: asyncpg.Pool, purge_timeout: float) -> None:
        self._pool = pool
        # The pool's statements have no timeout of their own (`database.create_pool`): the
        # purge runs outside any request, so it sets one.
        self._purge_timeout = purge_timeout

    async def take(self, key: str, rate: Rate) -> Decision:
        row = await self._pool.fetchrow(_TAKE, key, rate.interval_us, rate.window_us)
        return decide(rate, row["admitted"], row["ahead_us"])

    async def purge(self) -> None:
        await self._pool.execute(_PURGE, timeout=self._purge_timeout)


class RedisStore:
    """One EVALSHA round trip per request; every wait bounded by `timeout`."""

    def __init__(self, url: str, prefix: str, timeout: float) -> None:
        self._client = redis.asyncio.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),  # a retry would double the wait; the rule decides
        )
        self._script = self._client.register_script(_GCRA_LUA)
        self._prefix = prefix
        self._timeout = timeout
        self._down_until = 0.0

    async def take(self, key: str, rate: Rate) -> Decision:
        if self._down_until and time.monotonic() < self._down_until:
            raise StoreUnavailable
        try:
            async with asyncio.timeout(self._timeout):
                admitted, ahead_us = await self._script(
                    keys=[self._prefix + key], args=[rate.interval_us, rate.window_us]
                )
        except (RedisError, OSError) as error:  # OSError includes TimeoutError
            if not self._down_until:
                log.warning(
                    "Redis unavailable for rate limits, applying the failure rule: %r", error
                )
            self._down_until = time.monotonic() + REDIS_RETRY_SECONDS
            raise StoreUnavailable from error
        if self._down_until:
            log.warning("Redis answers rate limits again")
            self._down_until = 0.0
        return decide(rate, admitted == 1, int(ahead_us))

    async def purge(self) -> None:
        """Nothing to do: each key expires in Redis when its TAT passes."""

    async def close(self) -> None:
        await self._client.aclose()
