"""JSON in and out: the cattrs converters (JSON bodies and responses, query strings) and the
helpers handlers call."""

from datetime import datetime
from typing import Any, TypeVar

import orjson
from aiohttp import hdrs, web
from cattrs import Converter
from cattrs.preconf.orjson import make_converter

from socialproof.errors import (
    NotFound,
    RequestValidationError,
    UnsupportedMediaType,
)
from socialproof.headers import Response
from socialproof.validation import (
    MAX_BIGINT,
    FieldError,
    error_item,
    has_rule,
    int_from_text,
    query_rule_hook,
    rule_hook,
    structure_request,
)

MAX_BODY_BYTES = 1024 * 1024

Model = TypeVar("Model")

# JSON bodies in, responses out.
converter = make_converter()
converter.register_structure_hook_factory(has_rule, rule_hook)

# Query strings: the same rules, applied to text read as the field's type.
query_converter = Converter()
query_converter.register_structure_hook_factory(has_rule, query_rule_hook)


# Timestamps go to orjson as they are (asyncpg gives them in UTC) and come out in ISO 8601
# with a Z, 2026-11-26T10:30:00.123456Z: orjson writes them several times faster than
# strftime would.
converter.register_unstructure_hook(datetime, lambda value: value)
_JSON_OPTIONS = orjson.OPT_UTC_Z


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return rows_response(converter.unstructure(data), status, headers)


def rows_response(
    data: dict[str, Any] | list[dict[str, Any]],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """`data` already in JSON's types (rows as dicts, timestamps included): written by orjson
    without the converter, the read path's cheapest answer."""
    return Response(
        body=orjson.dumps(data, option=_JSON_OPTIONS),
        status=status,
        headers=headers,
        content_type="application/json",
    )


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def parse_body(request: web.Request, cls: type[Model]) -> Model:
    """The request's JSON body as `cls`; 422 for anything malformed (its size and arrival were
    bounded as it was read, before the handler: `limits.bodies`).

    A body labelled as anything but JSON is 415: a browser sends `text/plain` or a form across
    sites without asking first (no CORS preflight). No Content-Type at all is read as JSON.
    """
    raw = await request.read()  # in memory: read whole, within its size, before the handler
    if not raw.strip():
        raise RequestValidationError([error_item(["body"], "missing", "Field required")])
    if request.headers.get(hdrs.CONTENT_TYPE) and not _is_json(request.content_type):
        raise UnsupportedMediaType("Content-Type must be application/json")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise RequestValidationError(
            [error_item(["body"], "json_invalid", f"JSON decode error: {error}")]
        ) from None
    return structure_request(converter, data, cls, "body")


def parse_query(request: web.Request, cls: type[Model]) -> Model:
    """The query string as `cls`; a repeated parameter counts by its last value."""
    query = request.rel_url.query
    return structure_request(
        query_converter, {key: query.getall(key)[-1] for key in query}, cls, "query"
    )


def path_id(request: web.Request, name: str, not_found: str) -> int:
    """An id from the path: 422 when it is not an integer, 404 when no row could have it."""
    text = request.match_info[name]
    try:
        # Plain ASCII digits, as nearly every id comes, need no pattern to be read.
        value = (
            int(text)
            if text.isascii() and text.isdigit() and len(text) <= 19
            else int_from_text(text)
        )
    except FieldError as error:
        raise RequestValidationError([error_item(["path", name], error.type, error.msg)]) from None
    if not 1 <= value <= MAX_BIGINT:
        raise NotFound(not_found)
    return value
