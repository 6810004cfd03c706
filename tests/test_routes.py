"""Every collection answers with and without the trailing slash, as the FastAPI original did."""

import pytest

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
