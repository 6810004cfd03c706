"""Request bodies a hostile client cannot use against the service: compressed bodies are
refused (415) rather than inflated, and a body must arrive whole within BODY_TIMEOUT (408).

Bodies are read whole before the handler, which then reads them from memory. A multipart body
could not be parsed from there (aiohttp parses it from the connection), so it is refused (415):
the API takes JSON, and the token endpoint a urlencoded form (RFC 6749, section 4.3)."""

import asyncio

from aiohttp import hdrs, web

from socialproof.errors import error_response
from socialproof.serialization import MAX_BODY_BYTES

UNSUPPORTED_ENCODING = "Content-Encoding is not supported: send the body uncompressed"
UNSUPPORTED_MULTIPART = "Multipart bodies are not supported: send JSON or a urlencoded form"
BODY_TIMED_OUT = "Request body took too long to arrive"
TOO_LARGE = f"Request body is larger than {MAX_BODY_BYTES} bytes"


async def read_whole(request: web.Request, body_timeout: float) -> web.Response | None:
    """Read the request's body into memory, whole, within `body_timeout` seconds: None once it
    is there (reading it again costs nothing), else the answer that refuses it."""
    # The server does not inflate bodies (auto_decompress off): a few kilobytes of gzip can
    # inflate to gigabytes, and the contract's bodies are small JSON anyway.
    if request.headers.get(hdrs.CONTENT_ENCODING, "identity").strip().lower() != "identity":
        return error_response(415, UNSUPPORTED_ENCODING)
    if request.content_type.startswith("multipart/"):
        return error_response(415, UNSUPPORTED_MULTIPART)
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return error_response(413, TOO_LARGE)
    try:
        if request.content.is_eof():  # all of it is here (a small body comes with its headers)
            await request.read()  # cannot wait, so it needs no timer
        else:
            async with asyncio.timeout(body_timeout):
                await request.read()
    except web.HTTPRequestEntityTooLarge:  # a chunked body past the limit
        return error_response(413, TOO_LARGE)
    except (TimeoutError, ConnectionResetError) as error:
        # The half-read body is referenced from the error's traceback, which the request's
        # payload keeps: a cycle that would hold the memory until a full garbage collection.
        _forget_traceback(error)
        if isinstance(error, ConnectionResetError):
            raise  # the client hung up: errors.answer says so, at INFO
        response = error_response(408, BODY_TIMED_OUT)
        response.force_close()  # the rest of the body may still be on its way
        return response
    return None


def _forget_traceback(error: BaseException) -> None:
    """Drop the frames `error` and the errors it came from refer to."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__
