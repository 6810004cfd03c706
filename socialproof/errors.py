"""Every way a request can fail, and the one middleware that turns each into the contract's JSON."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import orjson
from aiohttp import web

log = logging.getLogger(__name__)

PLAYER_NOT_FOUND = "Player not found"
SCENARIO_NOT_FOUND = "Scenario not found"
DATABASE_UNAVAILABLE = "Database unavailable"


class ApiError(Exception):
    """An answer other than success; `detail` is what the client reads."""

    status = 500

    def __init__(self, detail: Any) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(ApiError):
    status = 400


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class PayloadTooLarge(ApiError):
    status = 413


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

# Failures that mean "the database cannot be reached or cannot serve right now" (SQLSTATE
# classes 08 and 57, too many connections, client-side timeouts and socket errors): 503, and
# the pool reconnects by itself once the server answers again.
DATABASE_DOWN_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes TimeoutError and refused or reset connections
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
)


def error_response(status: int, detail: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=orjson.dumps({"detail": detail}),
        status=status,
        content_type="application/json",
        headers=headers,
    )


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        return error_response(error.status, error.detail)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        headers = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None
        return error_response(error.status, error.reason, headers)
    except asyncpg.IntegrityConstraintViolationError as error:
        known = CONSTRAINT_ERRORS.get(error.constraint_name or "")
        if known is None:
            log.exception("unmapped constraint violation on %s %s", request.method, request.path)
            return error_response(500, "Internal Server Error")
        return error_response(known.status, known.detail)
    except DATABASE_DOWN_ERRORS as error:
        log.warning("database unavailable on %s %s: %r", request.method, request.path, error)
        return error_response(503, DATABASE_UNAVAILABLE)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Internal Server Error")
