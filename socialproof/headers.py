"""Headers every answer carries, or must not carry, and the ones some answers add.

Every answer the service gives is one of the responses below: aiohttp adds its `Server` header
(with its version) as it sends an answer, after any handler or wrapper has seen it, so these
take it out there. The other choice, an `on_response_prepare` signal, costs every request a
signal dispatch: a sixth of the cost a primary-key read adds to its SQL.
"""

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler
from multidict import istr

CONTENT_TYPE_OPTIONS = istr("X-Content-Type-Options")

# Handlers whose answers carry an email or a token (marked by `no_store`).
_NOT_STORED: set[Handler] = set()


def no_store(handler: Handler) -> Handler:
    """Marks a handler whose answers carry an email or a token: no cache, shared or private,
    may keep them. The handler is returned as it is; `socialproof.serving` adds the header."""
    _NOT_STORED.add(handler)
    return handler


def is_no_store(handler: Handler) -> bool:
    return handler in _NOT_STORED


class _Secured(web.StreamResponse):
    async def _prepare_headers(self) -> None:
        await super()._prepare_headers()
        # No `Server` version to fingerprint; browsers take the content type as given.
        headers = self.headers
        del headers[hdrs.SERVER]
        headers[CONTENT_TYPE_OPTIONS] = "nosniff"


class Response(_Secured, web.Response):
    """aiohttp's Response, sent without `Server` and with `X-Content-Type-Options: nosniff`."""


class FileResponse(_Secured, web.FileResponse):
    """aiohttp's FileResponse, sent as `Response` is."""
