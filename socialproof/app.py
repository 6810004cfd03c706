"""The application factory: the one way to build the app, for serving and for tests."""

from aiohttp import web

from socialproof import protocol_errors
from socialproof.auth.tokens import TokenSigner
from socialproof.cursors import Cursors
from socialproof.database import pool_context
from socialproof.deadlines import RequestDeadlines
from socialproof.handlers.docs import setup_docs
from socialproof.keys import (
    Lifecycle,
    cursors_key,
    deadlines_key,
    lifecycle_key,
    settings_key,
    signer_key,
)
from socialproof.limits import limiter as limits
from socialproof.limits.limiter import Limiter, limiter_key
from socialproof.metrics import rate_limited, rate_limiter_unavailable, setup_metrics
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
    # No middlewares: every handler is served through `socialproof.serving`, added with its
    # route (routes.py).
    app = web.Application(client_max_size=MAX_BODY_BYTES)
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
    protocol_errors.install()
    setup_docs(app)
    setup_routes(app)  # last: each route is served with the state above
    setup_metrics(app)
    return app
