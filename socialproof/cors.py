"""CORS: browser front-ends served from the origins in CORS_ALLOW_ORIGINS may call the API.

Credentials are not allowed: no cookie carries a session here; a token travels in the
`Authorization` header, which a page sends only when its own script adds it. The other half of
the browser story is in `serialization.parse_body`: a body whose Content-Type is not JSON is
refused (415), so a cross-site form or a `text/plain` fetch, which needs no preflight, cannot
create anything.

One middleware rather than aiohttp-cors: that library is configured route by route (each route
added to it, an OPTIONS route registered beside each) and adds its headers from a signal, only
to answers of routes it knows; this covers every route and every answer, the error
middleware's included, in a few lines.
"""

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware

ALLOW_METHODS = "GET, POST, PATCH, DELETE"
ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-ID"
EXPOSE_HEADERS = (
    "Location, X-Request-ID, Retry-After, RateLimit, RateLimit-Policy, Link, Idempotent-Replayed"
)
# How long a browser may reuse a preflight's answer, in seconds.
MAX_AGE = "600"


def _is_preflight(request: web.Request) -> bool:
    """An OPTIONS request asking about a real path (an unknown one stays 404)."""
    return (
        request.method == hdrs.METH_OPTIONS
        and hdrs.ACCESS_CONTROL_REQUEST_METHOD in request.headers
        and not isinstance(request.match_info.http_exception, web.HTTPNotFound)
    )


def cors_middlewares(origins: tuple[str, ...]) -> list[Middleware]:
    """The CORS middleware for `origins`, or none at all when no origin is allowed."""
    if not origins:
        return []
    allowed = frozenset(origin.rstrip("/").lower() for origin in origins)

    @web.middleware
    async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None or origin not in allowed:
            response = await handler(request)
        elif _is_preflight(request):
            response = web.Response(
                status=204,
                headers={
                    hdrs.ACCESS_CONTROL_ALLOW_ORIGIN: origin,
                    hdrs.ACCESS_CONTROL_ALLOW_METHODS: ALLOW_METHODS,
                    hdrs.ACCESS_CONTROL_ALLOW_HEADERS: ALLOW_HEADERS,
                    hdrs.ACCESS_CONTROL_MAX_AGE: MAX_AGE,
                },
            )
        else:
            response = await handler(request)
            response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
            response.headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = EXPOSE_HEADERS
        # The answer depends on the Origin: a cache must not give one origin's to another.
        response.headers[hdrs.VARY] = hdrs.ORIGIN
        return response

    return [cors_middleware]
