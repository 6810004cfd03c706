"""The service itself: a welcome and a health check."""

from aiohttp import web

from socialproof import queries
from socialproof.errors import DATABASE_DOWN_ERRORS
from socialproof.keys import db_key
from socialproof.serialization import json_response

_ROOT = {"message": "Welcome to the SocialProof API", "docs": "/docs"}


async def root(request: web.Request) -> web.Response:
    return json_response(_ROOT)


async def health(request: web.Request) -> web.Response:
    try:
        await queries.ping(request.app[db_key])
    except DATABASE_DOWN_ERRORS:
        return json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return json_response({"status": "ok", "database": "ok"})
