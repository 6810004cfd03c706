"""Every collection answers with and without the trailing slash, as the FastAPI original did."""

import re

import pytest

from socialproof.routes import ROUTES
from tests.api import Client, create_player, create_scenario, get_json

COLLECTIONS = ["/players", "/players/{player_id}/scenarios", "/leaderboard"]


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_a_collection_answers_the_same_with_a_trailing_slash(
    client: Client, collection: str
) -> None:
    player = await create_player(client)
    await create_scenario(client, player["id"], is_successful=True)
    path = collection.format(player_id=player["id"])
    listing = await get_json(client, path)
    assert listing, path
    assert await get_json(client, f"{path}/") == listing


async def test_every_route_is_served_as_every_request_is(client: Client) -> None:
    """Each route, HEAD beside GET, and what no route takes, answers through the serving wrapper
    (a request id, the headers of every answer): none is added around it."""
    requests = [("GET", "/no/such/route"), ("POST", "/players/1"), ("OPTIONS", "/players/1")]
    for method, path, _ in ROUTES:
        url = re.sub(r"\{[^}]+\}", "1", path).replace("static/1", "static/swagger-ui.css")
        requests += [(method, url), *([("HEAD", url)] if method == "GET" else [])]
    for method, url in requests:
        response = await client.request(method, url)
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers.get("X-Request-ID", "")), url
        assert "Server" not in response.headers, (method, url)
        assert response.headers["X-Content-Type-Options"] == "nosniff", (method, url)
