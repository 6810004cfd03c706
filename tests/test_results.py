"""Recording results: the Elo rule, write-once, atomic under concurrency."""

import asyncio
from datetime import datetime

import pytest

from tests.api import Client, create_player, create_scenario, elo, get_json, record_result


@pytest.mark.parametrize(
    ("difficulty", "succeeded", "contract_value"),
    [(5, True, 516.0), (5, False, 484.0), (7, True, 524.3119), (3, False, 475.6881)],
)
async def test_contract_examples_from_500(
    client: Client, difficulty: int, succeeded: bool, contract_value: float
) -> None:
    player = await create_player(client)
    scenario = await create_scenario(client, player["id"], difficulty_level=difficulty)
    recorded = await record_result(client, scenario["id"], succeeded)
    assert recorded["rating_before"] == 500.0
    assert recorded["rating_after"] == pytest.approx(elo(500.0, difficulty, succeeded), abs=1e-9)
    # The contract gives its examples to four decimals.
    assert round(recorded["rating_after"], 4) == contract_value
    rating = (await get_json(client, f"/players/{player['id']}"))["player_skill_rating"]
    assert rating == recorded["rating_after"]


async def test_recording_fills_the_result_columns(client: Client) -> None:
    player = await create_player(client)
    scenario = await create_scenario(client, player["id"], difficulty_level=5)
    recorded = await record_result(client, scenario["id"], True)
    assert recorded["id"] == scenario["id"]
    assert recorded["is_successful"] is True
    assert recorded["completed_at"].endswith("Z")
    assert datetime.fromisoformat(recorded["completed_at"]) >= datetime.fromisoformat(
        recorded["created_at"]
    )
    assert (recorded["rating_before"], recorded["rating_after"]) == (500.0, 516.0)
    unchanged = {k: v for k, v in scenario.items() if k not in recorded or scenario[k] is not None}
    assert all(recorded[k] == v for k, v in unchanged.items())
    assert await get_json(client, f"/scenarios/{scenario['id']}") == recorded


async def test_a_chain_of_results_starts_each_from_the_current_rating(client: Client) -> None:
    player = await create_player(client)
    rating = 500.0
    for difficulty, succeeded in [(5, True), (9, True), (1, False), (10, False), (4, True)]:
        scenario = await create_scenario(client, player["id"], difficulty_level=difficulty)
        recorded = await record_result(client, scenario["id"], succeeded)
        assert recorded["rating_before"] == pytest.approx(rating, abs=1e-9)
        rating = elo(rating, difficulty, succeeded)
        assert recorded["rating_after"] == pytest.approx(rating, abs=1e-9)
    final = (await get_json(client, f"/players/{player['id']}"))["player_skill_rating"]
    assert final == pytest.approx(rating, abs=1e-9)


async def test_a_result_given_at_creation_is_applied_at_once(client: Client) -> None:
    player = await create_player(client)
    created = await create_scenario(client, player["id"], difficulty_level=7, is_successful=True)
    assert created["is_successful"] is True
    assert created["completed_at"] is not None
    assert created["rating_before"] == 500.0
    assert created["rating_after"] == pytest.approx(elo(500.0, 7, True), abs=1e-9)
    rating = (await get_json(client, f"/players/{player['id']}"))["player_skill_rating"]
    assert rating == created["rating_after"]
    again = await client.post(f"/scenarios/{created['id']}/result", json={"is_successful": False})
    assert again.status == 409


async def test_an_explicit_null_result_at_creation_leaves_it_unplayed(client: Client) -> None:
    player = await create_player(client)
    created = await create_scenario(client, player["id"], is_successful=None)
    assert created["is_successful"] is None
    assert created["rating_before"] is None


async def test_a_played_scenario_for_a_missing_player_is_404(client: Client) -> None:
    response = await client.post(
        "/scenarios/",
        json={
            "player_id": 4040,
            "scenario_type": "t",
            "content": "c",
            "difficulty_level": 5,
            "is_successful": True,
        },
    )
    assert response.status == 404
    assert await response.json() == {"detail": "Player not found"}


async def test_a_second_result_is_409_and_changes_nothing(client: Client) -> None:
    player = await create_player(client)
    scenario = await create_scenario(client, player["id"])
    first = await record_result(client, scenario["id"], True)
    response = await client.post(
        f"/scenarios/{scenario['id']}/result", json={"is_successful": False}
    )
    assert response.status == 409
    assert await response.json() == {"detail": "Scenario result already recorded"}
    assert await get_json(client, f"/scenarios/{scenario['id']}") == first
    rating = (await get_json(client, f"/players/{player['id']}"))["player_skill_rating"]
    assert rating == first["rating_after"]


async def test_result_for_a_missing_scenario_is_404(client: Client) -> None:
    for scenario_id in ("31337", "0", "-4"):
        response = await client.post(
            f"/scenarios/{scenario_id}/result", json={"is_successful": True}
        )
        assert response.status == 404
        assert await response.json() == {"detail": "Scenario not found"}


@pytest.mark.parametrize(
    ("body", "type_"),
    [
        ({}, "missing"),
        ({"is_successful": "true"}, "bool_type"),
        ({"is_successful": None}, "bool_type"),
    ],
)
async def test_bad_result_body_is_422(client: Client, body: dict[str, object], type_: str) -> None:
    player = await create_player(client)
    scenario = await create_scenario(client, player["id"])
    response = await client.post(f"/scenarios/{scenario['id']}/result", json=body)
    assert response.status == 422
    (error,) = (await response.json())["detail"]
    assert (error["loc"], error["type"]) == (["body", "is_successful"], type_)
    assert (await get_json(client, f"/scenarios/{scenario['id']}"))["is_successful"] is None


async def test_10_concurrent_results_on_one_scenario_record_exactly_one(client: Client) -> None:
    player = await create_player(client)
    scenario = await create_scenario(client, player["id"], difficulty_level=6)
    responses = await asyncio.gather(
        *(
            client.post(f"/scenarios/{scenario['id']}/result", json={"is_successful": n % 2 == 0})
            for n in range(10)
        )
    )
    assert sorted(r.status for r in responses) == [200] + [409] * 9
    (winner,) = [await r.json() for r in responses if r.status == 200]
    rating = (await get_json(client, f"/players/{player['id']}"))["player_skill_rating"]
    assert rating == pytest.approx(elo(500.0, 6, winner["is_successful"]), abs=1e-9)
    history = await get_json(client, f"/players/{player['id']}/rating-history")
    assert len(history) == 1


async def test_30_concurrent_results_for_one_player_apply_one_after_another(
    client: Client,
) -> None:
    player = await create_player(client)
    other = await create_player(client, "bystander")
    scenarios = [
        await create_scenario(client, player["id"], difficulty_level=1 + n % 10) for n in range(30)
    ]
    outcomes = {s["id"]: n % 3 != 0 for n, s in enumerate(scenarios)}
    responses = await asyncio.gather(
        *(
            client.post(f"/scenarios/{sid}/result", json={"is_successful": ok})
            for sid, ok in outcomes.items()
        )
    )
    assert [r.status for r in responses] == [200] * 30

    history = await get_json(client, f"/players/{player['id']}/rating-history")
    assert sorted(h["scenario_id"] for h in history) == sorted(outcomes)
    rating = 500.0
    difficulty = {s["id"]: s["difficulty_level"] for s in scenarios}
    for entry in history:
        assert entry["rating_before"] == pytest.approx(rating, abs=1e-9)
        rating = elo(rating, difficulty[entry["scenario_id"]], outcomes[entry["scenario_id"]])
        assert entry["rating_after"] == pytest.approx(rating, abs=1e-9)
    final = (await get_json(client, f"/players/{player['id']}"))["player_skill_rating"]
    assert final == history[-1]["rating_after"]
    assert (await get_json(client, f"/players/{other['id']}"))["player_skill_rating"] == 500.0
    # As datetimes: the text drops a zero fraction, so "...:05Z" sorts after "...:05.1Z".
    completed = [datetime.fromisoformat(h["completed_at"]) for h in history]
    assert completed == sorted(completed)


async def test_30_concurrent_played_scenarios_for_one_player_apply_one_after_another(
    client: Client,
) -> None:
    """POST /scenarios/ with a result: each must start from the rating the previous one left."""
    player = await create_player(client)
    plays = [(1 + n % 10, n % 3 != 0) for n in range(30)]
    responses = await asyncio.gather(
        *(
            client.post(
                "/scenarios/",
                json={
                    "player_id": player["id"],
                    "scenario_type": "negotiation",
                    "content": "Ask for a raise.",
                    "difficulty_level": difficulty,
                    "is_successful": succeeded,
                },
            )
            for difficulty, succeeded in plays
        )
    )
    assert [r.status for r in responses] == [201] * 30
    created = {s["id"]: s for s in [await r.json() for r in responses]}

    history = await get_json(client, f"/players/{player['id']}/rating-history")
    assert sorted(h["scenario_id"] for h in history) == sorted(created)
    rating = 500.0
    for entry in history:
        scenario = created[entry["scenario_id"]]
        assert entry["rating_before"] == pytest.approx(rating, abs=1e-9)
        rating = elo(rating, scenario["difficulty_level"], scenario["is_successful"])
        assert entry["rating_after"] == pytest.approx(rating, abs=1e-9)
    final = (await get_json(client, f"/players/{player['id']}"))["player_skill_rating"]
    assert final == history[-1]["rating_after"]


async def test_results_racing_a_delete_of_their_player_never_fail(client: Client) -> None:
    """Both take the player's row lock first, so they queue instead of deadlocking."""
    player = await create_player(client)
    scenarios = [await create_scenario(client, player["id"]) for _ in range(20)]
    results = [
        client.post(f"/scenarios/{s['id']}/result", json={"is_successful": True}) for s in scenarios
    ]
    delete = client.delete(f"/players/{player['id']}")
    responses = await asyncio.gather(*results[:10], delete, *results[10:])
    delete_response = responses.pop(10)
    result_responses = responses
    statuses = [r.status for r in result_responses]
    assert set(statuses) <= {200, 404}, [await r.text() for r in result_responses]
    assert delete_response.status == 204
    assert (await client.get(f"/players/{player['id']}")).status == 404
