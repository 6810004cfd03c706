"""PATCH and DELETE /players/{id}."""

import pytest

from tests.api import Client, create_player, create_scenario, get_json


async def test_patch_username_and_email(client: Client) -> None:
    player = await create_player(client, "user1")
    response = await client.patch(
        f"/players/{player['id']}", json={"username": "renamed", "email": "New@EXAMPLE.org"}
    )
    assert response.status == 200
    body = await response.json()
    assert body == {**player, "username": "renamed", "email": "New@example.org"}
    assert await get_json(client, f"/players/{player['id']}") == body


async def test_patch_one_field_keeps_the_other(client: Client) -> None:
    player = await create_player(client, "user1")
    response = await client.patch(f"/players/{player['id']}", json={"email": "x@example.com"})
    assert (await response.json())["username"] == "user1"
    response = await client.patch(
        f"/players/{player['id']}", json={"username": "user2", "email": None}
    )
    assert (await response.json())["email"] == "x@example.com"
    unchanged = await client.patch(f"/players/{player['id']}", json={})
    assert unchanged.status == 200
    assert (await unchanged.json())["username"] == "user2"


async def test_patch_to_a_case_variant_of_ones_own_name_is_allowed(client: Client) -> None:
    player = await create_player(client, "user1")
    response = await client.patch(f"/players/{player['id']}", json={"username": "USER1"})
    assert response.status == 200


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"username": "Taken"}, "Username already taken"),
        ({"email": "TAKEN@example.com"}, "Email already registered"),
    ],
)
async def test_patch_to_a_taken_value_is_400(
    client: Client, change: dict[str, str], detail: str
) -> None:
    await create_player(client, "taken")
    player = await create_player(client, "user1")
    response = await client.patch(f"/players/{player['id']}", json=change)
    assert response.status == 400
    assert await response.json() == {"detail": detail}
    assert await get_json(client, f"/players/{player['id']}") == player


async def test_patch_validates_like_creation(client: Client) -> None:
    player = await create_player(client, "user1")
    response = await client.patch(
        f"/players/{player['id']}", json={"username": "a b", "email": "nope"}
    )
    assert response.status == 422
    locs = [e["loc"] for e in (await response.json())["detail"]]
    assert locs == [["body", "username"], ["body", "email"]]


async def test_patch_a_missing_player_is_404(client: Client) -> None:
    response = await client.patch("/players/999", json={"username": "whoever"})
    assert response.status == 404
    assert await response.json() == {"detail": "Player not found"}


async def test_delete_cascades_to_scenarios(client: Client) -> None:
    player = await create_player(client, "user1")
    keeper = await create_player(client, "user2")
    gone = await create_scenario(client, player["id"])
    kept = await create_scenario(client, keeper["id"])

    response = await client.delete(f"/players/{player['id']}")
    assert response.status == 204
    assert await response.read() == b""

    assert (await client.get(f"/players/{player['id']}")).status == 404
    assert (await client.get(f"/scenarios/{gone['id']}")).status == 404
    assert (await client.get(f"/scenarios/{kept['id']}")).status == 200
    again = await client.delete(f"/players/{player['id']}")
    assert again.status == 404
    assert await again.json() == {"detail": "Player not found"}
    # The freed username and email can be registered again.
    await create_player(client, "user1")
