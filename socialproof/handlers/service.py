"""The service itself: a welcome, and the probes an operator or orchestrator watches.

/health and /health/ready use a connection of their own (not the pool's), so they answer
within HEALTH_TIMEOUT whatever the pool is doing; /health/live does not touch the database.
"""

import logging

from aiohttp import web

from socialproof import MIGRATIONS_DIR, queries
from socialproof.keys import lifecycle_key, probe_key
from socialproof.serialization import json_response

log = logging.getLogger(__name__)

_ROOT = {"message": "Welcome to the SocialProof API", "docs": "/docs"}
_LIVE = {"status": "ok"}
# The migrations this version ships, as yoyo names them (the file name without `.sql`).
MIGRATION_IDS = sorted(
    path.stem for path in MIGRATIONS_DIR.glob("*.sql") if not path.stem.endswith(".rollback")
)


async def root(request: web.Request) -> web.Response:
    return json_response(_ROOT)


async def health(request: web.Request) -> web.Response:
    try:
        await queries.ping(request.app[probe_key])
    except Exception as error:
        log.warning("health: database unreachable: %r", error)
        return json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return json_response({"status": "ok", "database": "ok"})


async def live(request: web.Request) -> web.Response:
    """The process answers; nothing else is checked."""
    return json_response(_LIVE)


def _not_ready(reason: str) -> web.Response:
    return json_response({"status": "unavailable", "reason": reason}, status=503)


async def ready(request: web.Request) -> web.Response:
    """Ready for traffic: not draining, the database reachable, every migration applied."""
    if request.app[lifecycle_key].draining:
        return _not_ready("draining")
    try:
        missing = await queries.migrations_missing(request.app[probe_key], MIGRATION_IDS)
    except Exception as error:
        log.warning("ready: database unreachable: %r", error)
        return _not_ready("database unreachable")
    if missing:
        return _not_ready(f"migrations pending: {', '.join(sorted(missing))}")
    return json_response({"status": "ok"})
