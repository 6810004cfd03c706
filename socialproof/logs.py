"""Logs: one JSON object a line (or text on a terminal), each carrying its request's id.

Every request gets an id: the client's `X-Request-ID` when it is a safe token, a fresh one
otherwise. It is echoed on the answer and kept in a context variable, so every line logged
while the request is served (the access log included) names it; a W3C `traceparent` header
adds its trace id the same way. aiohttp serves each request in its own task, which copies the
context: the id never leaks into the next request on a connection.
"""

import itertools
import logging
import re
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from multidict import istr

# istr: a header looked up or set by an istr skips the case folding a str costs each time.
REQUEST_ID_HEADER = istr("X-Request-ID")
TRACEPARENT_HEADER = istr("traceparent")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
trace_id: ContextVar[str | None] = ContextVar("trace_id", default=None)

# A client's id is taken as it is only when it cannot break a log line or a header.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# version-traceid-parentid-flags; an all-zero trace id is invalid (W3C Trace Context).
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")
_INVALID_TRACE_ID = "0" * 32


# Generated ids: this process's random prefix and a counter. Unique, as a request id must be,
# without a system call for fresh randomness on every request (os.urandom cost more than the
# rest of this module on a read); an id needs no secrecy.
_ID_PREFIX = secrets.token_hex(8)
_id_counter = itertools.count(1)


def new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_id_counter):016x}"


def start_request(request: web.Request) -> str:
    """Set the context of the request being served; return its id."""
    given = request.headers.get(REQUEST_ID_HEADER)
    rid = given if given is not None and _SAFE_REQUEST_ID.fullmatch(given) else new_request_id()
    request_id.set(rid)
    traceparent = request.headers.get(TRACEPARENT_HEADER)
    if traceparent is not None:
        match = _TRACEPARENT.fullmatch(traceparent.strip())
        if match and match[1] != _INVALID_TRACE_ID:
            trace_id.set(match[1])
    return rid


class AccessLogger(AbstractAccessLogger):
    """One line a request: peer, method, path, status, bytes, milliseconds.

    The path without its query string, and no headers: either may carry a token.
    """

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %d %d %.1fms",
            request.remote,
            request.method,
            request.path,
            response.status,
            response.body_length,
            time * 1000,
        )


class _RequestContext(logging.Filter):
    """Stamps each record with the current request's id and trace id (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.trace_id = trace_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request and trace ids, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", None) is not None:
            line["request_id"] = record.request_id
        if getattr(record, "trace_id", None) is not None:
            line["trace_id"] = record.trace_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


class TextFormatter(logging.Formatter):
    """For a terminal: the request id in brackets, `-` outside requests."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(rid)s]: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.rid = getattr(record, "request_id", None) or "-"
        return super().formatMessage(record)


def setup_logging(level: str, log_format: str) -> None:
    """Send every logger's lines to stderr, as JSON or as text (`auto`: JSON off a terminal)."""
    if log_format == "auto":
        log_format = "text" if sys.stderr.isatty() else "json"
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestContext())
    json = log_format == "json"
    handler.setFormatter(JsonFormatter() if json else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
