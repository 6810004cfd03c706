"""A public read on the read replica, run again on the primary when the replica cannot answer.

`ReplicaReads` stands where a pool would in a data-access function (it has the pool's
`fetch`, `fetchrow` and `fetchval`); socialproof/replicas.py decides when a request gets it.
Reads change nothing, so running one again on the primary is always safe.
"""

from collections.abc import Callable
from typing import Any

import asyncpg
from asyncpg import Pool, Record

from socialproof.errors import DATABASE_UNAVAILABLE, answer_for

# A standby cancels a query that stands in the way of its replay (a recovery conflict) with
# one of these; the query succeeds on the primary, and the replica is not down for it.
_RECOVERY_CONFLICTS = frozenset({"40001", "40P01"})

# Told of each failure the primary answered instead: the error, and whether the replica looks
# down (unreachable, shutting down) rather than in one query's way.
OnFailure = Callable[[Exception, bool], None]


class ReplicaReads:
    """The replica's pool, with the primary's behind it for reads the replica fails."""

    __slots__ = ("_on_failure", "primary", "replica")

    def __init__(self, replica: Pool, primary: Pool, on_failure: OnFailure) -> None:
        self.replica = replica
        self.primary = primary
        self._on_failure = on_failure

    def _falls_back(self, error: Exception) -> bool:
        """Whether the primary should answer after the replica failed with `error`."""
        if answer_for(error) == (503, DATABASE_UNAVAILABLE):
            self._on_failure(error, True)
            return True
        if isinstance(error, asyncpg.PostgresError) and error.sqlstate in _RECOVERY_CONFLICTS:
            self._on_failure(error, False)
            return True
        return False

    async def fetch(self, query: str, *args: Any) -> list[Record]:
        try:
            return await self.replica.fetch(query, *args)
        except Exception as error:
            if not self._falls_back(error):
                raise
        return await self.primary.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> Record | None:
        try:
            return await self.replica.fetchrow(query, *args)
        except Exception as error:
            if not self._falls_back(error):
                raise
        return await self.primary.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        try:
            return await self.replica.fetchval(query, *args)
        except Exception as error:
            if not self._falls_back(error):
                raise
        return await self.primary.fetchval(query, *args)
