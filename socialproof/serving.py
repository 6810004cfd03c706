"""The wrapper every route's handler is served through, applied once when routes are added.

Each concern keeps its code in its own module: the request's id (logs), its timing (metrics),
its deadline (deadlines), the body read whole within its bound (limits.bodies), the rate
limiter (limits), every failure mapped to the contract's JSON (errors), the CORS headers
(cors) and the stamp on answers to writes that a read replica needs (replicas). `served`
calls them in order from one coroutine.

Not an aiohttp middleware: aiohttp builds a middleware chain around the matched handler on every
request (a cache lookup, a partial, a frame), which cost a primary-key read a third as much as
everything this does; what a route needs is known when it is added, so it is worked out then.
A request no route matches is served the same way, by the router's last route
(`socialproof.routes`).
"""

from time import perf_counter

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from socialproof import metrics
from socialproof.cors import Cors
from socialproof.errors import answer
from socialproof.headers import is_no_store
from socialproof.keys import deadlines_key, lifecycle_key, settings_key
from socialproof.limits.bodies import read_whole
from socialproof.limits.limiter import limiter_key
from socialproof.logs import REQUEST_ID_HEADER, start_request
from socialproof.replicas import write_stamp


def served(app: web.Application, route: str, handler: Handler) -> Handler:
    """`handler`, for the route whose path template is `route`, served as every request is:
    within REQUEST_TIMEOUT, its body read first, rate-limited, timed, every failure answered
    as the contract says, and while the service drains each client asked to close
    (`Connection: close`)."""
    settings = app[settings_key]
    deadlines = app[deadlines_key]
    lifecycle = app[lifecycle_key]
    body_timeout = settings.body_timeout
    limiter = app.get(limiter_key)  # None when every policy is off
    cors = Cors.from_settings(settings.cors_allow_origins)
    no_store = is_no_store(handler)
    stamp_write = write_stamp(settings)  # None without a read replica
    # The route's durations, by method and status: looked up in the metrics module once each.
    durations: dict[tuple[str, int], metrics.Durations] = {}
    in_flight = metrics.in_flight
    counted_methods = metrics.COUNTED_METHODS

    async def serve(request: web.Request) -> web.StreamResponse:
        rid = start_request(request)
        method = request.method
        if method not in counted_methods:
            method = metrics.OTHER_METHOD
        in_flight[method] += 1
        started = perf_counter()
        task = request.task
        deadlines.start(task, started)
        try:
            if request.body_exists and (refused := await read_whole(request, body_timeout)):
                response: web.StreamResponse = refused
            elif limiter is not None:
                response = await limiter.admit(request, handler)
            else:
                response = await handler(request)
        except BaseException as error:
            # Cut at its deadline: the cancellation is answered here.
            timed_out = deadlines.finish(task)
            if not timed_out and not isinstance(error, Exception):
                # Cancelled from outside (the client left, the server stops), or an exit: not
                # timed, only no longer in flight.
                in_flight[method] -= 1
                raise
            response = answer(request, error, timed_out)
        else:
            deadlines.finish(task)
        in_flight[method] -= 1
        status = response.status
        timer = durations.get((method, status))
        if timer is None:
            timer = durations[method, status] = metrics.durations(method, route, status)
        timer.observe(perf_counter() - started)
        if not response.prepared:
            headers = response.headers
            headers[REQUEST_ID_HEADER] = rid
            if no_store:
                headers[hdrs.CACHE_CONTROL] = "no-store"
            if cors is not None:
                cors.add_headers(request, response)
            if stamp_write is not None:
                stamp_write(request, response)
        if lifecycle.draining:
            response.force_close()
        return response

    return serve
