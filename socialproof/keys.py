"""Typed application state: every key the app stores, in one place."""

from typing import TYPE_CHECKING, Any

import asyncpg
from aiohttp import web

from socialproof.auth.tokens import TokenSigner
from socialproof.deadlines import RequestDeadlines
from socialproof.settings import Settings

if TYPE_CHECKING:
    from socialproof.cursors import Cursors
    from socialproof.database import ProbeConnection
    from socialproof.replicas import ReadRouter


class Lifecycle:
    """Where the service is in its life: `draining` from SIGTERM until it stops."""

    def __init__(self) -> None:
        self.draining = False


settings_key = web.AppKey("settings", Settings)
db_key = web.AppKey("db", asyncpg.Pool)
openapi_key = web.AppKey("openapi", dict[str, Any])
openapi_json_key = web.AppKey("openapi_json", bytes)
lifecycle_key = web.AppKey("lifecycle", Lifecycle)
deadlines_key = web.AppKey("deadlines", RequestDeadlines)
probe_key: web.AppKey["ProbeConnection"] = web.AppKey("probe")
cursors_key: web.AppKey["Cursors"] = web.AppKey("cursors")
# None without DATABASE_REPLICA_URL.
read_router_key: web.AppKey["ReadRouter | None"] = web.AppKey("read_router")
# None when AUTH=off.
signer_key = web.AppKey("token_signer", TokenSigner | None)
