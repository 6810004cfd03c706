"""The whole API at a glance. Collections answer with and without the trailing slash."""

from aiohttp import web

from socialproof.handlers import auth, metrics, players, ratings, scenarios, service


def setup_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/", service.root)
    router.add_get("/health", service.health)
    router.add_get("/health/live", service.live)
    router.add_get("/health/ready", service.ready)
    router.add_get("/metrics", metrics.metrics)

    for path in ("/players/", "/players"):
        router.add_post(path, players.create_player)
        router.add_get(path, players.list_players)
    router.add_get("/players/{player_id}", players.get_player)
    router.add_patch("/players/{player_id}", players.update_player)
    router.add_delete("/players/{player_id}", players.delete_player)
    for path in ("/players/{player_id}/scenarios", "/players/{player_id}/scenarios/"):
        router.add_get(path, players.list_player_scenarios)
    router.add_get("/players/{player_id}/rank", ratings.player_rank)
    router.add_get("/players/{player_id}/stats", ratings.player_stats)
    router.add_get("/players/{player_id}/rating-history", ratings.rating_history)

    for path in ("/scenarios/", "/scenarios"):
        router.add_post(path, scenarios.create_scenario)
    router.add_get("/scenarios/{scenario_id}", scenarios.get_scenario)
    router.add_post("/scenarios/{scenario_id}/result", scenarios.record_result)

    for path in ("/leaderboard", "/leaderboard/"):
        router.add_get(path, ratings.leaderboard)

    router.add_post("/auth/token", auth.token)
    router.add_post("/auth/revoke", auth.revoke)
