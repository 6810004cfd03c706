"""Headers every answer carries, or must not carry, and the ones some answers add."""

import functools

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler


def secure(response: web.StreamResponse) -> None:
    """No `Server` version to fingerprint; browsers take the content type as given."""
    response.headers.pop(hdrs.SERVER, None)
    response.headers["X-Content-Type-Options"] = "nosniff"


async def on_response_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """Runs after aiohttp has filled in its own headers (`Server` among them), before sending."""
    secure(response)


def no_store(handler: Handler) -> Handler:
    """For answers that carry an email or a token: no cache, shared or private, keeps them."""

    @functools.wraps(handler)
    async def answer(request: web.Request) -> web.StreamResponse:
        response = await handler(request)
        response.headers[hdrs.CACHE_CONTROL] = "no-store"
        return response

    return answer
