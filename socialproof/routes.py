"""The whole API at a glance. Collections answer with and without the trailing slash.

Every handler is added served (`socialproof.serving.served`), and so is the last route, which
answers whatever no other route takes: 404 for a path no route has, 405 (with `Allow`) for a
method the path's routes lack, or a CORS preflight.
"""

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from socialproof.cors import Cors
from socialproof.handlers import auth, docs, metrics, players, ratings, scenarios, service
from socialproof.keys import settings_key
from socialproof.metrics import UNMATCHED_ROUTE
from socialproof.serving import served

# (method, path template, handler). Within routes that begin alike, the router tries them in
# this order: the player by id, the most requested, comes before the collection.
ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/", service.root),
    ("GET", "/health", service.health),
    ("GET", "/health/live", service.live),
    ("GET", "/health/ready", service.ready),
    ("GET", "/metrics", metrics.metrics),
    ("GET", "/players/{player_id}", players.get_player),
    ("PATCH", "/players/{player_id}", players.update_player),
    ("DELETE", "/players/{player_id}", players.delete_player),
    ("POST", "/players/", players.create_player),
    ("GET", "/players/", players.list_players),
    ("POST", "/players", players.create_player),
    ("GET", "/players", players.list_players),
    ("GET", "/players/{player_id}/scenarios", players.list_player_scenarios),
    ("GET", "/players/{player_id}/scenarios/", players.list_player_scenarios),
    ("GET", "/players/{player_id}/rank", ratings.player_rank),
    ("GET", "/players/{player_id}/stats", ratings.player_stats),
    ("GET", "/players/{player_id}/rating-history", ratings.rating_history),
    ("POST", "/scenarios/", scenarios.create_scenario),
    ("POST", "/scenarios", scenarios.create_scenario),
    ("GET", "/scenarios/{scenario_id}", scenarios.get_scenario),
    ("POST", "/scenarios/{scenario_id}/result", scenarios.record_result),
    ("GET", "/leaderboard", ratings.leaderboard),
    ("GET", "/leaderboard/", ratings.leaderboard),
    ("POST", "/auth/token", auth.token),
    ("POST", "/auth/revoke", auth.revoke),
    ("GET", "/openapi.json", docs.openapi_json),
    ("GET", "/docs", docs.docs),
    ("GET", f"{docs.STATIC_PREFIX}/{{name}}", docs.static_file),
)


def setup_routes(app: web.Application) -> None:
    router = app.router
    for method, path, handler in ROUTES:
        serve = served(app, path, handler)
        router.add_route(method, path, serve)
        if method == hdrs.METH_GET:  # GET answers HEAD too, as aiohttp's add_get has it
            router.add_route(hdrs.METH_HEAD, path, serve)
    others = list(router.resources())
    cors = Cors.from_settings(app[settings_key].cors_allow_origins)

    async def unrouted(request: web.Request) -> web.StreamResponse:
        allowed: set[str] = set()
        for resource in others:
            _, methods = await resource.resolve(request)
            allowed |= methods
        if not allowed:
            raise web.HTTPNotFound()
        if cors is not None and request.method == hdrs.METH_OPTIONS:
            preflight = cors.preflight(request)
            if preflight is not None:
                return preflight
        raise web.HTTPMethodNotAllowed(request.method, allowed)

    router.add_route("*", "/{path:.*}", served(app, UNMATCHED_ROUTE, unrouted))
