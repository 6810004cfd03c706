"""REQUEST_TIMEOUT for every request, without a timer per request.

asyncio.timeout() arms and disarms an event-loop timer for each request: a tenth of a read's
CPU here. Instead each request notes its deadline in a dict, and one task looks every
SWEEP_SECONDS for requests past theirs and cancels them, as asyncio.timeout() would: the serving
wrapper turns that cancellation into 503 `Request timed out`. A request is cut at most
SWEEP_SECONDS after its deadline. Times are `time.perf_counter()`'s, which the serving wrapper
reads anyway to time the request.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import suppress
from time import perf_counter
from typing import Any

from aiohttp import web

SWEEP_SECONDS = 0.1
# A request still running this long after it was cut is cut once more: the first cancellation
# can be held up, by design, where cleanup is shielded from it (asyncpg gives a connection back
# to its pool under asyncio.shield, and waits there for a statement it cancelled to end, which
# a server that has stopped answering never does). The second ends the wait for the request;
# the shielded cleanup goes on in the background, bounded by asyncpg.
GRACE_SECONDS = 1.0

Task = asyncio.Task[Any]


class RequestDeadlines:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._deadlines: dict[Task, float] = {}
        # The tasks cut, and how many times.
        self._cuts: dict[Task, int] = {}

    def start(self, task: Task, now: float) -> None:
        """`task` (the request's) must end within `seconds` from `now` (perf_counter)."""
        self._deadlines[task] = now + self.seconds

    def finish(self, task: Task) -> bool:
        """`task` is done with its request: whether it was cut for running past its deadline.
        If it was, its cancellations are withdrawn, so that it can go on to answer."""
        del self._deadlines[task]
        if not self._cuts or task not in self._cuts:
            return False
        for _ in range(self._cuts.pop(task)):
            task.uncancel()
        return True

    async def context(self, _app: web.Application) -> AsyncIterator[None]:
        """cleanup_ctx: the sweeper runs exactly as long as the application."""
        sweeper = asyncio.create_task(self._sweep())
        yield
        sweeper.cancel()
        with suppress(asyncio.CancelledError):
            await sweeper

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            now = perf_counter()
            for task, deadline in list(self._deadlines.items()):
                cuts = self._cuts.get(task, 0)
                if (cuts == 0 and deadline <= now) or (
                    cuts == 1 and deadline + GRACE_SECONDS <= now
                ):
                    self._cuts[task] = cuts + 1
                    task.cancel()
