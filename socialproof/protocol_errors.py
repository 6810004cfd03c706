"""Requests aiohttp answers by itself: one JSON answer and one log line, no request bytes.

A request aiohttp cannot parse (a malformed request line, a header or URL over its limits) is
answered by its low-level `RequestHandler.handle_error`, before any route is matched:
in plain text that quotes the offending bytes, logged as an ERROR with a traceback. aiohttp
has no hook for this answer, so `install()` replaces that one method: the answer becomes the
contract's `{"detail": ...}` with the headers every other answer has, and the log one WARNING
line naming the request's id, the status and the kind of fault (never the bytes: they may
hold a token). An exception that escapes the serving wrapper still answers 500, logged with its
traceback.
"""

import logging
from http import HTTPStatus

import orjson
from aiohttp import web, web_protocol
from aiohttp.http_exceptions import BadHttpMethod

from socialproof.headers import Response
from socialproof.logs import REQUEST_ID_HEADER, new_request_id, request_id

log = logging.getLogger(__name__)


def handle_error(
    self: web_protocol.RequestHandler,
    request: web.BaseRequest,
    status: int = 500,
    exc: BaseException | None = None,
    message: str | None = None,
) -> web.StreamResponse:
    rid = request_id.get()  # set when a handler's exception escaped the serving wrapper
    if rid is None:
        rid = new_request_id()
        request_id.set(rid)
    if status >= 500:
        log.error("unhandled error on %s", request.remote, exc_info=exc)
    else:
        # Non-HTTP bytes on the first request are port scans and TLS probes: not worth a line.
        quiet = isinstance(exc, BadHttpMethod) and self._request_count == 1
        log.log(
            logging.DEBUG if quiet else logging.WARNING,
            "malformed request from %s: %d %s",
            request.remote,
            status,
            type(exc).__name__,
        )
    if request.writer.output_size > 0:  # part of an answer is out: the connection is lost
        raise ConnectionError("cannot answer an error after the response has started")
    response = Response(
        body=orjson.dumps({"detail": HTTPStatus(status).phrase}),
        status=status,
        content_type="application/json",
        headers={REQUEST_ID_HEADER: rid},
    )
    response.force_close()
    return response


def install() -> None:
    """Make aiohttp's own error answers the service's (idempotent, process-wide)."""
    web_protocol.RequestHandler.handle_error = handle_error  # type: ignore[method-assign]
