"""Scenarios: POST /scenarios/, GET /scenarios/{id}, GET /players/{id}/scenarios."""

import pytest

from tests.api import Client, create_player, create_scenario


async def test_create_scenario(client: Client) -> None:
    player = await create_player(client)
    response = await client.post(
        "/scenarios/",
        json={
            "player_id": player["id"],
            "scenario_type": "negotiation",
            "content": "Ask for a raise.",
            "difficulty_level": 7,
        },
    )
    assert response.status == 201
    body = await response.json()
    assert response.headers["Location"] == f"/scenarios/{body['id']}"
    assert body == {
        "id": body["id"],
        "player_id": player["id"],
        "scenario_type": "negotiation",
        "content": "Ask for a raise.",
        "difficulty_level": 7,
        "is_successful": None,
        "created_at": body["created_at"],
        "completed_at": None,
        "rating_before": None,
        "rating_after": None,
    }
    assert body["created_at"].endswith("Z")
    fetched = await client.get(f"/scenarios/{body['id']}")
    assert fetched.status == 200
    assert await fetched.json() == body


async def test_create_scenario_without_trailing_slash(client: Client) -> None:
    player = await create_player(client)
    response = await client.post(
        "/scenarios",
        json={
            "player_id": player["id"],
            "scenario_type": "t",
            "content": "c",
            "difficulty_level": 1,
        },
    )
    assert response.status == 201


@pytest.mark.parametrize("player_id", [424242, 0, -3, 9223372036854775807])
async def test_scenario_for_a_missing_player_is_404(client: Client, player_id: int) -> None:
    response = await client.post(
        "/scenarios/",
        json={"player_id": player_id, "scenario_type": "t", "content": "c", "difficulty_level": 1},
    )
    assert response.status == 404
    assert await response.json() == {"detail": "Player not found"}


async def test_unknown_scenario_is_404(client: Client) -> None:
    for scenario_id in ("777", "0", "99999999999999999999"):
        response = await client.get(f"/scenarios/{scenario_id}")
        assert response.status == 404
        assert await response.json() == {"detail": "Scenario not found"}
    bad = await client.get("/scenarios/seven")
    assert bad.status == 422
    assert (await bad.json())["detail"][0]["loc"] == ["path", "scenario_id"]


async def test_player_scenarios_in_id_order_with_paging(client: Client) -> None:
    player = await create_player(client, "user1")
    other = await create_player(client, "user2")
    mine = [await create_scenario(client, player["id"]) for _ in range(4)]
    await create_scenario(client, other["id"])
    response = await client.get(f"/players/{player['id']}/scenarios")
    assert response.status == 200
    assert await response.json() == mine
    page = await client.get(f"/players/{player['id']}/scenarios", params={"skip": 1, "limit": 2})
    assert [s["id"] for s in await page.json()] == [mine[1]["id"], mine[2]["id"]]


async def test_player_without_scenarios_has_an_empty_list(client: Client) -> None:
    player = await create_player(client)
    response = await client.get(f"/players/{player['id']}/scenarios")
    assert response.status == 200
    assert await response.json() == []


async def test_scenarios_of_a_missing_player_is_404(client: Client) -> None:
    response = await client.get("/players/999/scenarios")
    assert response.status == 404
    assert await response.json() == {"detail": "Player not found"}


async def test_scenarios_bad_paging_is_422(client: Client) -> None:
    player = await create_player(client)
    response = await client.get(
        f"/players/{player['id']}/scenarios", params={"limit": "0", "skip": "x"}
    )
    assert response.status == 422
    locs = sorted(e["loc"] for e in (await response.json())["detail"])
    assert locs == [["query", "limit"], ["query", "skip"]]


async def test_filter_player_scenarios_by_type_and_result(client: Client) -> None:
    player = await create_player(client)
    pid = player["id"]
    won = await create_scenario(client, pid, scenario_type="a", is_successful=True)
    lost = await create_scenario(client, pid, scenario_type="b", is_successful=False)
    open_a = await create_scenario(client, pid, scenario_type="a")
    path = f"/players/{pid}/scenarios"

    async def ids(**params: str) -> list[int]:
        response = await client.get(path, params=params)
        assert response.status == 200, await response.text()
        return [s["id"] for s in await response.json()]

    assert await ids() == [won["id"], lost["id"], open_a["id"]]
    assert await ids(scenario_type="a") == [won["id"], open_a["id"]]
    assert await ids(is_successful="true") == [won["id"]]
    assert await ids(is_successful="false") == [lost["id"]]
    assert await ids(scenario_type="a", is_successful="false") == []
    assert await ids(scenario_type="a", limit="1", skip="1") == [open_a["id"]]
    assert await ids(scenario_type="zzz") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        *((text, True) for text in ["true", "1", "yes", "on", "t", "y", "True", "YES"]),
        *((text, False) for text in ["false", "0", "no", "off", "f", "n", "False", "Off"]),
    ],
)
async def test_result_filter_reads_booleans_as_the_original_did(
    client: Client, text: str, value: bool
) -> None:
    """The original's validation library reads these spellings, in any case, as booleans."""
    player = await create_player(client)
    won = await create_scenario(client, player["id"], is_successful=True)
    lost = await create_scenario(client, player["id"], is_successful=False)
    await create_scenario(client, player["id"])
    response = await client.get(
        f"/players/{player['id']}/scenarios", params={"is_successful": text}
    )
    assert response.status == 200, await response.text()
    assert [s["id"] for s in await response.json()] == [(won if value else lost)["id"]]


async def test_bad_filters_are_422(client: Client) -> None:
    player = await create_player(client)
    response = await client.get(
        f"/players/{player['id']}/scenarios",
        params={"is_successful": "maybe", "scenario_type": "x" * 51},
    )
    assert response.status == 422
    errors = {tuple(e["loc"]): e["type"] for e in (await response.json())["detail"]}
    assert errors == {
        ("query", "scenario_type"): "string_too_long",
        ("query", "is_successful"): "bool_parsing",
    }
