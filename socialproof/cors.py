"""CORS: browser front-ends served from the origins in CORS_ALLOW_ORIGINS may call the API.

Credentials are not allowed: no cookie carries a session here; a token travels in the
`Authorization` header, which a page sends only when its own script adds it. The other half of
the browser story is in `serialization.parse_body`: a body whose Content-Type is not JSON is
refused (415), so a cross-site form or a `text/plain` fetch, which needs no preflight, cannot
create anything.

Not aiohttp-cors: that library is configured route by route (each route added to it, an OPTIONS
route registered beside each) and adds its headers from a signal, only to answers of routes it
knows; this covers every route and every answer, errors included, in a few lines, called by
the wrapper every handler is served through (`socialproof.serving`).
"""

from aiohttp import hdrs, web

from socialproof.headers import Response

ALLOW_METHODS = "GET, POST, PATCH, DELETE"
ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-ID"
EXPOSE_HEADERS = (
    "Location, X-Request-ID, Retry-After, RateLimit, RateLimit-Policy, Link, Idempotent-Replayed"
)
# How long a browser may reuse a preflight's answer, in seconds.
MAX_AGE = "600"


class Cors:
    """The CORS headers for the origins in CORS_ALLOW_ORIGINS (`from_settings`: None when no
    origin is allowed, and then nothing is added anywhere)."""

    def __init__(self, origins: tuple[str, ...]) -> None:
        self.allowed = frozenset(origin.rstrip("/").lower() for origin in origins)

    @classmethod
    def from_settings(cls, origins: tuple[str, ...]) -> "Cors | None":
        return cls(origins) if origins else None

    def preflight(self, request: web.Request) -> Response | None:
        """The answer to a preflight from an allowed origin; None for any other request.
        Asked only of OPTIONS requests to a path that has routes (`socialproof.routes`)."""
        origin = request.headers.get(hdrs.ORIGIN)
        if hdrs.ACCESS_CONTROL_REQUEST_METHOD not in request.headers or origin not in self.allowed:
            return None
        return Response(
            status=204,
            headers={
                hdrs.ACCESS_CONTROL_ALLOW_ORIGIN: origin,
                hdrs.ACCESS_CONTROL_ALLOW_METHODS: ALLOW_METHODS,
                hdrs.ACCESS_CONTROL_ALLOW_HEADERS: ALLOW_HEADERS,
                hdrs.ACCESS_CONTROL_MAX_AGE: MAX_AGE,
            },
        )

    def add_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        """On every answer: whom it may be shown to, and that it depends on the Origin (a cache
        must not give one origin's answer to another)."""
        headers = response.headers
        origin = request.headers.get(hdrs.ORIGIN)
        if origin in self.allowed and hdrs.ACCESS_CONTROL_ALLOW_ORIGIN not in headers:
            headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
            headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = EXPOSE_HEADERS
        headers[hdrs.VARY] = hdrs.ORIGIN
