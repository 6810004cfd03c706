"""The one middleware every request passes through.

Each concern keeps its code in its own module: the request's id (logs), its timing (metrics),
its deadline (deadlines), the body read whole within its bound (limits.bodies), and every
failure mapped to the contract's JSON (errors). This calls them in order from one coroutine,
because each aiohttp middleware costs a frame, a partial and an await per request: the five
separate middlewares this replaces cost a read as much CPU as its SQL round trip.

The CORS middleware, when origins are allowed, runs outside this one (its headers go on every
answer, errors included); the rate limiter runs inside it (a refusal is timed and carries the
request's id, and the limiter's store failing is mapped like any other failure).
"""

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler

from socialproof import metrics
from socialproof.errors import answer
from socialproof.keys import deadlines_key, lifecycle_key, settings_key
from socialproof.limits.bodies import read_whole
from socialproof.logs import REQUEST_ID_HEADER, start_request

_current_task = asyncio.current_task


@web.middleware
async def serve(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Serve `request` within REQUEST_TIMEOUT, its body read first; every failure becomes its
    answer; while the service drains, each client is asked to close (`Connection: close`)."""
    app = request.app
    rid = start_request(request)
    method, started = metrics.request_started(request)
    task = _current_task()
    assert task is not None
    deadlines = app[deadlines_key]
    deadlines.start(task)
    try:
        if request.body_exists and (
            refused := await read_whole(request, app[settings_key].body_timeout)
        ):
            response: web.StreamResponse = refused
        else:
            response = await handler(request)
    except BaseException as error:
        timed_out = deadlines.finish(task)
        if timed_out:
            task.uncancel()  # the cancellation was the deadline's, and is answered here
        elif not isinstance(error, Exception):
            # Cancelled from outside (the client left, the server stops), or an exit: not
            # timed, only no longer in flight.
            metrics.request_abandoned(method)
            raise
        response = answer(request, error, timed_out)
    else:
        if deadlines.finish(task):
            task.uncancel()
    metrics.request_finished(request, method, response.status, started)
    if not response.prepared:
        response.headers[REQUEST_ID_HEADER] = rid
    if app[lifecycle_key].draining:
        response.force_close()
    return response
