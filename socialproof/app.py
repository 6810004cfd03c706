"""The application factory: the one way to build the app, for serving and for tests."""

from aiohttp import web

from socialproof import protocol_errors
from socialproof.auth.tokens import TokenSigner
from socialproof.cors import cors_middlewares
from socialproof.database import pool_context
from socialproof.errors import error_middleware
from socialproof.handlers.docs import setup_docs
from socialproof.headers import on_response_prepare
from socialproof.keys import Lifecycle, lifecycle_key, settings_key, signer_key
from socialproof.logs import request_context_middleware
from socialproof.metrics import metrics_middleware, setup_metrics
from socialproof.routes import setup_routes
from socialproof.serialization import MAX_BODY_BYTES
from socialproof.settings import Settings


def create_app(settings: Settings) -> web.Application:
    """Build the app for `settings`, whose database URL must already be resolved (and, with
    AUTH=required, its JWT_SECRET: `auth.keyring.with_signing_key`)."""
    middlewares = [
        request_context_middleware,  # outermost: every line logged for a request names its id
        metrics_middleware,  # times whatever happens inside, errors included
        *cors_middlewares(settings.cors_allow_origins),  # none while no origin is allowed
        error_middleware,  # innermost: every failure becomes the contract's JSON
    ]
    app = web.Application(middlewares=middlewares, client_max_size=MAX_BODY_BYTES)
    app[settings_key] = settings
    app[lifecycle_key] = Lifecycle()
    app[signer_key] = None if settings.auth == "off" else TokenSigner.from_settings(settings)
    app.cleanup_ctx.append(pool_context)
    app.on_response_prepare.append(on_response_prepare)
    protocol_errors.install()
    setup_routes(app)
    setup_docs(app)
    setup_metrics(app)
    return app
