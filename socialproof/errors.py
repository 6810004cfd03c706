"""Every way a request can fail, and the answer in the contract's JSON that each becomes."""

import errno
import logging
from typing import Any

import asyncpg
import orjson
from aiohttp import web

from socialproof import metrics
from socialproof.headers import Response

log = logging.getLogger(__name__)

PLAYER_NOT_FOUND = "Player not found"
SCENARIO_NOT_FOUND = "Scenario not found"


class ApiError(Exception):
    """An answer other than success; `detail` is what the client reads."""

    status = 500
    headers: dict[str, str] | None = None

    def __init__(self, detail: Any) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(ApiError):
    status = 400


class NotAuthenticated(ApiError):
    """No bearer token where one is needed."""

    status = 401
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012 (read-only)

    def __init__(self) -> None:
        super().__init__("Not authenticated")


class InvalidCredentials(ApiError):
    """A bearer token that fails verification."""

    status = 401
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}  # noqa: RUF012 (read-only)

    def __init__(self) -> None:
        super().__init__("Could not validate credentials")


class Forbidden(ApiError):
    """Authenticated, but not allowed."""

    status = 403

    def __init__(self) -> None:
        super().__init__("Not enough permissions")


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class UnsupportedMediaType(ApiError):
    status = 415


class RequestValidationError(ApiError):
    """422 in FastAPI's shape: `detail` is a list of {"loc", "msg", "type"}, one per bad field."""

    status = 422


# A violated constraint, by name, and what the client is told. The names are the ones the
# migrations give; a violation not listed here is a server fault (500), not client input.
CONSTRAINT_ERRORS: dict[str, ApiError] = {
    "player_profiles_username_key": BadRequest("Username already taken"),
    "player_profiles_email_key": BadRequest("Email already registered"),
    "game_scenarios_player_id_fkey": NotFound(PLAYER_NOT_FOUND),
}


class DatabaseUnreachable(Exception):
    """A new database connection could not be made (refused, reset or timed out)."""


RETRY_AFTER = {"Retry-After": "1"}
DATABASE_UNAVAILABLE = "Database unavailable"
STATEMENT_TIMED_OUT = "Database statement timed out"
DATABASE_BUSY = "Database busy, try again"
REQUEST_TIMED_OUT = "Request timed out"
INTERNAL_ERROR = "Internal Server Error"
CLIENT_CLOSED = "Client closed the connection"

_CONNECTION_LOST = (
    DatabaseUnreachable,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InternalClientError,
    TimeoutError,
)
_NO_SUCH_FILE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG})

# One total mapping from what failed to the answer, as PostgREST's: a SQLSTATE is looked up
# whole, then by its class (its first two characters); what is not listed is a server fault.
SQLSTATE_ANSWERS: dict[str, tuple[int, str]] = {
    "08": (503, DATABASE_UNAVAILABLE),  # connection exception
    "53300": (503, DATABASE_UNAVAILABLE),  # too_many_connections
    "57P01": (503, DATABASE_UNAVAILABLE),  # admin_shutdown (terminated, or a fast shutdown)
    "57P02": (503, DATABASE_UNAVAILABLE),  # crash_shutdown
    "57P03": (503, DATABASE_UNAVAILABLE),  # cannot_connect_now (starting up, shutting down)
    "57014": (503, STATEMENT_TIMED_OUT),  # query_canceled: statement_timeout, or cancelled
    "40P01": (503, DATABASE_BUSY),  # deadlock_detected, once retries are spent
    "40001": (503, DATABASE_BUSY),  # serialization_failure, once retries are spent
}


def answer_for(error: Exception) -> tuple[int, Any]:
    """(status, detail) for anything a handler raised; a 500 for whatever is not listed."""
    if isinstance(error, ApiError):
        return error.status, error.detail
    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
        known = CONSTRAINT_ERRORS.get(error.constraint_name or "")
        if known is not None:
            return known.status, known.detail
    if isinstance(error, asyncpg.PostgresError):
        sqlstate = error.sqlstate or ""
        listed = SQLSTATE_ANSWERS.get(sqlstate) or SQLSTATE_ANSWERS.get(sqlstate[:2])
        return listed or (500, INTERNAL_ERROR)
    # Connecting failed, the connection was lost mid-statement, or no answer came in time
    # (asyncpg raises TimeoutError when acquiring from the pool or a statement outlasts it).
    # asyncpg's InternalClientError ("cannot switch to state ...") is a connection the server
    # dropped while it sat idle in the pool, found out by the next statement sent on it.
    if isinstance(error, _CONNECTION_LOST):
        return 503, DATABASE_UNAVAILABLE
    # Files are read only for /docs/static/: a name that cannot be a file there is not found.
    if isinstance(error, OSError) and error.errno in _NO_SUCH_FILE:
        return 404, "Not Found"
    return 500, INTERNAL_ERROR


def database_error_kind(error: Exception) -> str | None:
    """What metrics count a database error by: its SQLSTATE, or how the client side failed."""
    if isinstance(error, asyncpg.PostgresError):
        return error.sqlstate or "unknown"
    if isinstance(error, (*_CONNECTION_LOST, asyncpg.InterfaceError)):
        return type(error).__name__
    return None


def error_response(status: int, detail: Any, headers: dict[str, str] | None = None) -> web.Response:
    return Response(
        body=orjson.dumps({"detail": detail}),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def answer(request: web.Request, error: BaseException, timed_out: bool) -> web.Response:
    """The answer to a request whose handler raised `error`; `timed_out`: it was cut at its
    deadline (REQUEST_TIMEOUT)."""
    if timed_out:
        log.warning("503 on %s %s: past REQUEST_TIMEOUT", request.method, request.path)
        return error_response(503, REQUEST_TIMED_OUT, RETRY_AFTER)
    if isinstance(error, ApiError):
        return error_response(error.status, error.detail, error.headers)
    if isinstance(error, web.HTTPException):
        if error.status < 400:  # a redirect: its status and headers (Location), no body
            return Response(status=error.status, headers=error.headers)
        headers = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None
        return error_response(error.status, error.reason, headers)
    if isinstance(error, ConnectionResetError):
        # The client hung up (mid-body, say): nothing failed here and nobody reads the answer.
        log.info("client closed the connection on %s %s", request.method, request.path)
        response = error_response(400, CLIENT_CLOSED)
        response.force_close()
        return response
    assert isinstance(error, Exception)
    status, detail = answer_for(error)
    if (kind := database_error_kind(error)) is not None:
        metrics.database_error(kind)
    if status == 503:
        log.warning("503 on %s %s: %r", request.method, request.path, error)
        return error_response(status, detail, RETRY_AFTER)
    if status == 500:
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
    return error_response(status, detail)
