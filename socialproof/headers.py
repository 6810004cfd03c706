"""Headers every answer carries, or must not carry, and the ones some answers add."""

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler
from multidict import istr

CONTENT_TYPE_OPTIONS = istr("X-Content-Type-Options")

# Handlers whose answers carry an email or a token (marked by `no_store`).
_NOT_STORED: set[Handler] = set()


def no_store(handler: Handler) -> Handler:
    """Marks a handler whose answers carry an email or a token: no cache, shared or private,
    may keep them. The handler is returned as it is: the mark costs a request no extra call."""
    _NOT_STORED.add(handler)
    return handler


def secure(response: web.StreamResponse) -> None:
    """No `Server` version to fingerprint; browsers take the content type as given."""
    response.headers.pop(hdrs.SERVER, None)
    response.headers[CONTENT_TYPE_OPTIONS] = "nosniff"


async def on_response_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """Runs after aiohttp has filled in its own headers (`Server` among them), before sending."""
    secure(response)
    if request.match_info.handler in _NOT_STORED:
        response.headers[hdrs.CACHE_CONTROL] = "no-store"
