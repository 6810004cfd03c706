"""REQUEST_TIMEOUT for every request, without a timer per request.

asyncio.timeout() arms and disarms an event-loop timer for each request: a tenth of a read's
CPU here. Instead each request notes its deadline in a dict, and one task looks every
SWEEP_SECONDS for requests past theirs and cancels them, as asyncio.timeout() would: the error
middleware turns that cancellation into 503 `Request timed out`. A request is cut at most
SWEEP_SECONDS after its deadline.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import suppress
from typing import Any

from aiohttp import web

SWEEP_SECONDS = 0.1

Task = asyncio.Task[Any]


class RequestDeadlines:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._deadlines: dict[Task, float] = {}
        self._expired: set[Task] = set()

    def start(self, task: Task) -> None:
        """`task` (the request's) must end within `seconds` from now."""
        self._deadlines[task] = task.get_loop().time() + self.seconds

    def finish(self, task: Task) -> bool:
        """`task` is done with its request: whether it was cut for running past its deadline."""
        del self._deadlines[task]
        if task in self._expired:
            self._expired.discard(task)
            return True
        return False

    async def context(self, _app: web.Application) -> AsyncIterator[None]:
        """cleanup_ctx: the sweeper runs exactly as long as the application."""
        sweeper = asyncio.create_task(self._sweep())
        yield
        sweeper.cancel()
        with suppress(asyncio.CancelledError):
            await sweeper

    async def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            now = loop.time()
            for task, deadline in list(self._deadlines.items()):
                if deadline <= now and task not in self._expired:
                    self._expired.add(task)
                    task.cancel()
