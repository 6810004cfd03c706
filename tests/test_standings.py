"""Where players stand: leaderboard, rank, stats and rating history."""

import pytest

from tests.api import Client, create_player, create_scenario, elo, get_json, record_result


async def play(client: Client, player_id: int, difficulty: int, succeeded: bool) -> dict:
    scenario = await create_scenario(client, player_id, difficulty_level=difficulty)
    return await record_result(client, scenario["id"], succeeded)


async def test_leaderboard_ranks_ties_together_by_competition_ranking(client: Client) -> None:
    a = await create_player(client, "alice")
    b = await create_player(client, "bob")
    c = await create_player(client, "carol")
    d = await create_player(client, "dave")
    await play(client, b["id"], 5, True)  # bob 516
    await play(client, d["id"], 5, True)  # dave 516
    await play(client, a["id"], 5, False)  # alice 484; carol stays at 500

    board = await get_json(client, "/leaderboard")
    assert [(e["rank"], e["username"]) for e in board] == [
        (1, "bob"),
        (1, "dave"),
        (3, "carol"),
        (4, "alice"),
    ]
    assert board[0] == {
        "rank": 1,
        "player_id": b["id"],
        "username": "bob",
        "player_skill_rating": 516.0,
    }
    assert [e["player_id"] for e in board] == [b["id"], d["id"], c["id"], a["id"]]

    for skip, limit in [(1, 2), (1, 10), (2, 1), (3, 5)]:
        page = await get_json(client, "/leaderboard", skip=skip, limit=limit)
        assert page == board[skip : skip + limit], (skip, limit)
    assert await get_json(client, "/leaderboard", skip=4) == []
    assert await get_json(client, "/leaderboard/") == board


async def test_leaderboard_ties_below_the_first_rating_share_a_rank(client: Client) -> None:
    """Only the page's first rating is counted against the table; ties further down get their
    shared rank from within the page."""
    a = await create_player(client, "alice")
    b = await create_player(client, "bob")
    c = await create_player(client, "carol")
    d = await create_player(client, "dave")
    await play(client, a["id"], 5, True)  # alice 516; bob and carol stay at 500
    await play(client, d["id"], 5, False)  # dave 484

    board = await get_json(client, "/leaderboard")
    assert [(e["rank"], e["player_id"]) for e in board] == [
        (1, a["id"]),
        (2, b["id"]),
        (2, c["id"]),
        (4, d["id"]),
    ]
    for skip, limit in [(0, 3), (1, 3), (2, 2), (3, 1)]:
        page = await get_json(client, "/leaderboard", skip=skip, limit=limit)
        assert page == board[skip : skip + limit], (skip, limit)


async def test_leaderboard_defaults_to_10(client: Client) -> None:
    for n in range(12):
        await create_player(client, f"player{n:02}")
    board = await get_json(client, "/leaderboard")
    assert len(board) == 10
    assert {e["rank"] for e in board} == {1}
    assert [e["player_id"] for e in board] == sorted(e["player_id"] for e in board)


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "1001"}, {"skip": "-1"}])
async def test_leaderboard_bad_paging_is_422(client: Client, params: dict[str, str]) -> None:
    response = await client.get("/leaderboard", params=params)
    assert response.status == 422
    (error,) = (await response.json())["detail"]
    assert error["loc"] == ["query", next(iter(params))]


async def test_rank_counts_strictly_higher_ratings(client: Client) -> None:
    a = await create_player(client, "alice")
    b = await create_player(client, "bob")
    c = await create_player(client, "carol")
    await play(client, a["id"], 5, True)
    await play(client, b["id"], 5, True)
    assert await get_json(client, f"/players/{c['id']}/rank") == {
        "player_id": c["id"],
        "rank": 3,
        "player_skill_rating": 500.0,
        "total_players": 3,
    }
    assert (await get_json(client, f"/players/{b['id']}/rank"))["rank"] == 1
    await client.delete(f"/players/{a['id']}")
    assert (await get_json(client, f"/players/{c['id']}/rank"))["total_players"] == 2


async def test_rank_of_a_missing_player_is_404(client: Client) -> None:
    for path in ("/players/77/rank", "/players/77/stats", "/players/77/rating-history"):
        response = await client.get(path)
        assert response.status == 404, path
        assert await response.json() == {"detail": "Player not found"}


async def test_stats_with_nothing_completed(client: Client) -> None:
    player = await create_player(client)
    assert await get_json(client, f"/players/{player['id']}/stats") == {
        "player_id": player["id"],
        "scenarios_total": 0,
        "scenarios_completed": 0,
        "scenarios_succeeded": 0,
        "success_rate": None,
        "by_type": {},
    }
    await create_scenario(client, player["id"], scenario_type="negotiation")
    stats = await get_json(client, f"/players/{player['id']}/stats")
    assert stats["scenarios_total"] == 1
    assert stats["success_rate"] is None
    assert stats["by_type"] == {"negotiation": {"total": 1, "completed": 0, "succeeded": 0}}


async def test_stats_per_type(client: Client) -> None:
    player = await create_player(client)
    pid = player["id"]
    for scenario_type, result in [
        ("negotiation", True),
        ("negotiation", False),
        ("negotiation", None),
        ("small-talk", True),
        ("small-talk", True),
        ("interview", False),
    ]:
        scenario = await create_scenario(client, pid, scenario_type=scenario_type)
        if result is not None:
            await record_result(client, scenario["id"], result)
    stats = await get_json(client, f"/players/{pid}/stats")
    assert stats == {
        "player_id": pid,
        "scenarios_total": 6,
        "scenarios_completed": 5,
        "scenarios_succeeded": 3,
        "success_rate": pytest.approx(3 / 5),
        "by_type": {
            "interview": {"total": 1, "completed": 1, "succeeded": 0},
            "negotiation": {"total": 3, "completed": 2, "succeeded": 1},
            "small-talk": {"total": 2, "completed": 2, "succeeded": 2},
        },
    }


async def test_rating_history_in_the_order_results_were_applied(client: Client) -> None:
    player = await create_player(client)
    pid = player["id"]
    first = await create_scenario(client, pid, difficulty_level=8)
    second = await create_scenario(client, pid, difficulty_level=2)
    assert await get_json(client, f"/players/{pid}/rating-history") == []
    # Applied in the opposite order to their ids; history follows application.
    r2 = await record_result(client, second["id"], False)
    r1 = await record_result(client, first["id"], True)
    created = await create_scenario(client, pid, difficulty_level=5, is_successful=True)
    history = await get_json(client, f"/players/{pid}/rating-history")
    assert [h["scenario_id"] for h in history] == [second["id"], first["id"], created["id"]]
    assert history[0] == {
        "scenario_id": second["id"],
        "completed_at": r2["completed_at"],
        "difficulty_level": 2,
        "is_successful": False,
        "rating_before": 500.0,
        "rating_after": pytest.approx(elo(500.0, 2, False), abs=1e-9),
    }
    assert history[1]["rating_before"] == history[0]["rating_after"]
    assert history[1]["rating_after"] == r1["rating_after"]
    assert history[2]["rating_before"] == history[1]["rating_after"]
    final = (await get_json(client, f"/players/{pid}"))["player_skill_rating"]
    assert final == history[-1]["rating_after"]
