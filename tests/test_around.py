"""GET /leaderboard?around={player_id}: the `limit` entries that contain the player, centred on
them where the table's edges allow, with the ranks the leaderboard's own pages give."""

from typing import Any

import pytest

from tests import pg
from tests.api import Client, create_player, get_json


def window(board: list[dict[str, Any]], player_id: int, limit: int) -> list[dict[str, Any]]:
    """The expected answer, from the whole board: `limit` consecutive entries (or all of them),
    starting (limit - 1) // 2 before the player, moved back inside the board at its edges."""
    at = next(n for n, entry in enumerate(board) if entry["player_id"] == player_id)
    size = min(limit, len(board))
    start = min(max(at - (limit - 1) // 2, 0), len(board) - size)
    return board[start : start + size]


async def test_every_player_and_size_against_the_whole_board(
    client: Client, empty_tables: str
) -> None:
    """Five groups of tied ratings and a few single ones: windows that start inside a group
    (its ties above the window) and at its head, at the top, the middle and the bottom."""
    pg.run(empty_tables, "cursors_tied_players")
    board = await get_json(client, "/leaderboard", limit=1000)
    assert len(board) == 45
    for entry in board:
        for limit in (1, 2, 3, 4, 5, 9, 10, 11, 44, 45, 46, 1000):
            answer = await get_json(client, "/leaderboard", around=entry["player_id"], limit=limit)
            assert answer == window(board, entry["player_id"], limit), (entry, limit)


async def test_edges_and_the_middle(client: Client) -> None:
    players = [await create_player(client, f"player{n:02}") for n in range(30)]
    ids = [player["id"] for player in players]  # all at 500: ordered by id, all rank 1
    for around, expected in [
        (ids[0], ids[:10]),  # the first player gets the top 10
        (ids[1], ids[:10]),
        (ids[15], ids[11:21]),  # four ahead, five behind
        (ids[-1], ids[-10:]),  # the last gets the bottom 10
        (ids[-3], ids[-10:]),
    ]:
        answer = await get_json(client, "/leaderboard", around=around)  # limit 10 by default
        assert [entry["player_id"] for entry in answer] == expected
        assert {entry["rank"] for entry in answer} == {1}
    answer = await get_json(client, "/leaderboard", around=ids[15], limit=5)
    assert [entry["player_id"] for entry in answer] == ids[13:18]
    answer = await get_json(client, "/leaderboard", around=ids[15], limit=1)
    assert [entry["player_id"] for entry in answer] == [ids[15]]


async def test_ranks_match_the_rank_of_each_player(client: Client, empty_tables: str) -> None:
    pg.run(empty_tables, "cursors_tied_players")
    pg.run(empty_tables, "cursors_delete_players")
    board = await get_json(client, "/leaderboard", limit=1000)
    for entry in board:
        answer = await get_json(client, "/leaderboard", around=entry["player_id"], limit=3)
        (me,) = [e for e in answer if e["player_id"] == entry["player_id"]]
        rank = await get_json(client, f"/players/{entry['player_id']}/rank")
        assert me["rank"] == rank["rank"] == entry["rank"]


async def test_around_answers_have_no_link(client: Client) -> None:
    players = [await create_player(client, f"player{n}") for n in range(5)]
    response = await client.get("/leaderboard", params={"around": players[0]["id"], "limit": 2})
    assert response.status == 200
    assert "Link" not in response.headers


@pytest.mark.parametrize("player_id", ["3", "0", "-1", "9223372036854775807"])
async def test_unknown_player_is_404(client: Client, player_id: str) -> None:
    await create_player(client, "player1")
    await create_player(client, "player2")
    response = await client.get("/leaderboard", params={"around": player_id})
    assert response.status == 404
    assert await response.json() == {"detail": "Player not found"}


async def test_deleted_player_is_404(client: Client) -> None:
    player = await create_player(client, "player1")
    await create_player(client, "player2")
    assert (await client.delete(f"/players/{player['id']}")).status == 204
    response = await client.get("/leaderboard", params={"around": player["id"]})
    assert response.status == 404
    assert await response.json() == {"detail": "Player not found"}


@pytest.mark.parametrize(
    ("params", "loc", "type_"),
    [
        ({"around": "abc"}, "around", "int_parsing"),
        ({"around": "1.5"}, "around", "int_parsing"),
        ({"around": ""}, "around", "int_parsing"),
        ({"around": "9223372036854775808"}, "around", "less_than_equal"),
        ({"around": "1", "limit": "0"}, "limit", "greater_than_equal"),
        ({"around": "1", "limit": "1001"}, "limit", "less_than_equal"),
        ({"around": "1", "skip": "1"}, "around", "value_error"),
        ({"around": "1", "cursor": "AAAA"}, "around", "value_error"),
    ],
)
async def test_malformed_is_422(
    client: Client, params: dict[str, str], loc: str, type_: str
) -> None:
    await create_player(client, "player1")
    response = await client.get("/leaderboard", params=params)
    assert response.status == 422
    (error,) = (await response.json())["detail"]
    assert error["loc"] == ["query", loc]
    assert error["type"] == type_
