"""The application factory: the one way to build the app, for serving and for tests."""

from aiohttp import web
from aiohttp.typedefs import Middleware

from socialproof.auth.tokens import TokenSigner
from socialproof.database import pool_context
from socialproof.errors import error_middleware
from socialproof.handlers.docs import setup_docs
from socialproof.keys import Lifecycle, lifecycle_key, settings_key, signer_key
from socialproof.limits.bodies import body_middleware
from socialproof.limits.middleware import Limiter, limiter_key
from socialproof.routes import setup_routes
from socialproof.serialization import MAX_BODY_BYTES
from socialproof.settings import Settings


def create_app(settings: Settings) -> web.Application:
    """Build the app for `settings`, whose database URL must already be resolved (and, with
    AUTH=required, its JWT_SECRET: `auth.keyring.with_signing_key`)."""
    middlewares: list[Middleware] = [error_middleware, body_middleware(settings.body_timeout)]
    limiter = Limiter.from_settings(settings)
    if limiter is not None:
        # Outermost, so that a refused request costs nothing and every answer carries the
        # limit's headers.
        middlewares = [limiter.middleware, *middlewares]
    app = web.Application(middlewares=middlewares, client_max_size=MAX_BODY_BYTES)
    app[settings_key] = settings
    app[lifecycle_key] = Lifecycle()
    app[signer_key] = None if settings.auth == "off" else TokenSigner.from_settings(settings)
    app.cleanup_ctx.append(pool_context)
    if limiter is not None:
        app[limiter_key] = limiter
        app.cleanup_ctx.append(limiter.context)
    setup_routes(app)
    setup_docs(app)
    return app
