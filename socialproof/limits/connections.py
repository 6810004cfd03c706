"""Serving with connections a hostile client cannot hoard: at most MAX_CONNECTIONS open per
process (beyond that a connection is answered 503 and closed at once), HEADER_TIMEOUT to send
a request's headers, bodies left compressed (and refused before the handler), and the
right status for oversize request lines and headers."""

import asyncio
import logging
from typing import Any, cast

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from socialproof.logs import AccessLogger
from socialproof.settings import Settings

# A request line (method, URL with its query string, version) may take this many bytes, a
# header line one byte less. The two limits differ so that a line too long says which it was:
# 414 for the URL, 431 for a header.
MAX_REQUEST_LINE_BYTES = 8192
MAX_HEADER_LINE_BYTES = MAX_REQUEST_LINE_BYTES - 1
MAX_HEADERS = 128

# After answering a request whose body was not read whole (408, 413, 415), the rest of the body
# is read and dropped for this long before closing, so that the client sees the answer rather
# than a reset; aiohttp's 10 s would let a slow client hold its connection that much longer.
LINGER_SECONDS = 2.0

_TOO_MANY_CONNECTIONS = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: application/json\r\n"
    b"Content-Length: 33\r\n"
    b"Retry-After: 1\r\n"
    b"Connection: close\r\n"
    b"\r\n"
    b'{"detail":"Too many connections"}'
)


class GuardedRequestHandler(RequestHandler):
    """aiohttp's connection handler, answering an oversize request line 414 and oversize or
    too many headers 431 (aiohttp answers 400 to both). The answer itself, JSON and one log
    line, is `socialproof.protocol_errors`'."""

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if isinstance(exc, LineTooLong):
            status = 414 if exc.args[1:2] == (MAX_REQUEST_LINE_BYTES,) else 431
        elif isinstance(exc, BadHttpMessage) and exc.message == "Too many headers received":
            status = 431
        return super().handle_error(request, status, exc, message)


class _Refused(asyncio.Protocol):
    """A connection over the cap: told 503 at once, without reading it. Closing right away
    would reset a connection whose request is still unread, and the client would never see the
    answer; so the connection ends when the client closes it, or after a second."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have the same methods.
        writer = cast(asyncio.Transport, transport)
        writer.write(_TOO_MANY_CONNECTIONS)
        writer.write_eof()
        self._closing = asyncio.get_running_loop().call_later(1.0, transport.close)
        self._transport = transport

    def eof_received(self) -> bool:
        self._closing.cancel()
        self._transport.close()
        return False


class GuardedSite(web.BaseSite):
    """A TCP site whose connections are GuardedRequestHandlers, at most `max_connections`."""

    def __init__(self, runner: web.AppRunner, settings: Settings, reuse_port: bool) -> None:
        super().__init__(runner)
        self._settings = settings
        self._reuse_port = reuse_port or None
        access_log = logging.getLogger("aiohttp.access") if settings.access_log else None
        self._handler_options: dict[str, Any] = {
            "keepalive_timeout": settings.header_timeout,
            "auto_decompress": False,
            "max_line_size": MAX_REQUEST_LINE_BYTES,
            "max_field_size": MAX_HEADER_LINE_BYTES,
            "max_headers": MAX_HEADERS,
            "lingering_time": LINGER_SECONDS,
            "access_log_class": AccessLogger,
            "access_log": access_log,
        }

    @property
    def name(self) -> str:
        return f"http://{self._settings.host}:{self._settings.port}"

    def _new_connection(self) -> asyncio.Protocol:
        server = self._runner.server
        assert server is not None
        if len(server.connections) >= self._settings.max_connections:
            return _Refused()
        return GuardedRequestHandler(
            server, loop=asyncio.get_running_loop(), **self._handler_options
        )

    async def start(self) -> None:
        await super().start()
        self._server = await asyncio.get_running_loop().create_server(
            self._new_connection,
            self._settings.host,
            self._settings.port,
            backlog=self._settings.max_connections,
            reuse_port=self._reuse_port,
        )
