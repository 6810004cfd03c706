"""Typed application state: every key the app stores, in one place."""

from typing import Any

import asyncpg
from aiohttp import web

from socialproof.auth.tokens import TokenSigner
from socialproof.settings import Settings

settings_key = web.AppKey("settings", Settings)
db_key = web.AppKey("db", asyncpg.Pool)
openapi_key = web.AppKey("openapi", dict[str, Any])
# None when AUTH=off.
signer_key = web.AppKey("token_signer", TokenSigner | None)
