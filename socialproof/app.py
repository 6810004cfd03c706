"""The application factory: the one way to build the app, for serving and for tests."""

from aiohttp import web
from aiohttp.typedefs import Middleware

from socialproof import protocol_errors
from socialproof.auth.tokens import TokenSigner
from socialproof.cors import cors_middlewares
from socialproof.cursors import Cursors
from socialproof.database import pool_context
from socialproof.deadlines import RequestDeadlines
from socialproof.handlers.docs import setup_docs
from socialproof.headers import on_response_prepare
from socialproof.keys import (
    Lifecycle,
    cursors_key,
    deadlines_key,
    lifecycle_key,
    settings_key,
    signer_key,
)
from socialproof.limits import middleware as limits
from socialproof.limits.middleware import Limiter, limiter_key
from socialproof.metrics import rate_limited, rate_limiter_unavailable, setup_metrics
from socialproof.middleware import serve
from socialproof.replicas import setup_replica
from socialproof.routes import setup_routes
from socialproof.serialization import MAX_BODY_BYTES
from socialproof.settings import Settings

# The limiter's refusals and its store's outages, counted per policy.
limits.on_rejected.append(rate_limited)
limits.on_store_unavailable.append(rate_limiter_unavailable)


def create_app(settings: Settings) -> web.Application:
    """Build the app for `settings`, whose database URL must already be resolved (and, with
    AUTH=required, its JWT_SECRET: `auth.keyring.with_signing_key`)."""
    limiter = Limiter.from_settings(settings)
    middlewares: list[Middleware] = [
        # Outermost, so that its headers go on every answer; none while no origin is allowed.
        *cors_middlewares(settings.cors_allow_origins),
        serve,  # the request's id, timing, deadline, body and error answers (middleware.py)
        # Before the handler: a refused request costs no SQL.
        *([limiter.middleware] if limiter is not None else []),
    ]
    app = web.Application(middlewares=middlewares, client_max_size=MAX_BODY_BYTES)
    app[settings_key] = settings
    app[lifecycle_key] = Lifecycle()
    app[deadlines_key] = RequestDeadlines(settings.request_timeout)
    app.cleanup_ctx.append(app[deadlines_key].context)
    app[signer_key] = None if settings.auth == "off" else TokenSigner.from_settings(settings)
    app[cursors_key] = Cursors.from_settings(settings)
    app.cleanup_ctx.append(pool_context)
    setup_replica(app)  # after the pool: its check samples the primary
    if limiter is not None:
        app[limiter_key] = limiter
        app.cleanup_ctx.append(limiter.context)
    app.on_response_prepare.append(on_response_prepare)
    protocol_errors.install()
    setup_routes(app)
    setup_docs(app)
    setup_metrics(app)
    return app
