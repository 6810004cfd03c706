"""Players: POST /players/, GET /players/, GET /players/{id} as the seed's clients use them."""

import re
from datetime import UTC, datetime

import attrs
import pytest

from socialproof.models import Player
from tests.api import Client, create_player

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")


async def test_create_player_returns_201_with_location_and_the_player(client: Client) -> None:
    response = await client.post(
        "/players/", json={"username": "user1", "email": "user@example.com"}
    )
    assert response.status == 201
    assert response.content_type == "application/json"
    body = await response.json()
    assert response.headers["Location"] == f"/players/{body['id']}"
    assert set(body) == {"id", "username", "email", "player_skill_rating", "created_at"}
    assert body["username"] == "user1"
    assert body["email"] == "user@example.com"
    assert body["player_skill_rating"] == 500.0
    assert TIMESTAMP.match(body["created_at"]), body["created_at"]
    created = datetime.fromisoformat(body["created_at"])
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60


async def test_create_player_without_trailing_slash(client: Client) -> None:
    response = await client.post("/players", json={"username": "user1", "email": "u@example.com"})
    assert response.status == 201


async def test_email_is_stored_normalized(client: Client) -> None:
    player = await create_player(client, "user1", email="Some.One@EXAMPLE.Com")
    assert player["email"] == "Some.One@example.com"


@pytest.mark.parametrize(
    ("second", "detail"),
    [
        ({"username": "other", "email": "user1@example.com"}, "Email already registered"),
        ({"username": "other", "email": "USER1@Example.com"}, "Email already registered"),
        ({"username": "user1", "email": "other@example.com"}, "Username already taken"),
        ({"username": "USER1", "email": "other@example.com"}, "Username already taken"),
    ],
)
async def test_duplicates_are_400_case_insensitively(
    client: Client, second: dict[str, str], detail: str
) -> None:
    await create_player(client, "user1")
    response = await client.post("/players/", json=second)
    assert response.status == 400
    assert await response.json() == {"detail": detail}
    listing = await (await client.get("/players/")).json()
    assert len(listing) == 1


async def test_get_player(client: Client) -> None:
    player = await create_player(client, "user1")
    response = await client.get(f"/players/{player['id']}")
    assert response.status == 200
    assert await response.json() == player


@pytest.mark.parametrize("player_id", ["12345", "0", "-1", "9223372036854775808", "99999999999"])
async def test_unknown_player_is_404(client: Client, player_id: str) -> None:
    response = await client.get(f"/players/{player_id}")
    assert response.status == 404
    assert await response.json() == {"detail": "Player not found"}


@pytest.mark.parametrize("player_id", ["abc", "1.5", "1e3", "%20"])
async def test_non_integer_player_id_is_422(client: Client, player_id: str) -> None:
    response = await client.get(f"/players/{player_id}")
    assert response.status == 422
    (error,) = (await response.json())["detail"]
    assert error["loc"] == ["path", "player_id"]
    assert error["type"] == "int_parsing"


async def test_list_players_by_id_with_skip_and_limit(client: Client) -> None:
    created = [await create_player(client, f"user{n}") for n in range(5)]
    for path in ("/players/", "/players"):
        response = await client.get(path)
        assert response.status == 200
        assert await response.json() == created
    page = await (await client.get("/players/", params={"skip": 1, "limit": 2})).json()
    assert [p["id"] for p in page] == [created[1]["id"], created[2]["id"]]
    past_the_end = await client.get("/players/", params={"skip": 10})
    assert await past_the_end.json() == []


async def test_list_players_defaults_to_100(client: Client) -> None:
    for n in range(101):
        await create_player(client, f"user{n:03}")
    assert len(await (await client.get("/players/")).json()) == 100
    everyone = await client.get("/players/", params={"limit": 1000})
    assert len(await everyone.json()) == 101


@pytest.mark.parametrize(
    ("params", "loc", "type_"),
    [
        ({"skip": "-1"}, ["query", "skip"], "greater_than_equal"),
        ({"limit": "0"}, ["query", "limit"], "greater_than_equal"),
        ({"limit": "1001"}, ["query", "limit"], "less_than_equal"),
        ({"limit": "ten"}, ["query", "limit"], "int_parsing"),
        ({"skip": "1.5"}, ["query", "skip"], "int_parsing"),
        ({"skip": "9223372036854775808"}, ["query", "skip"], "less_than_equal"),
    ],
)
async def test_list_players_bad_query_is_422(
    client: Client, params: dict[str, str], loc: list[str], type_: str
) -> None:
    response = await client.get("/players/", params=params)
    assert response.status == 422
    (error,) = (await response.json())["detail"]
    assert error["loc"] == loc
    assert error["type"] == type_
    assert error["msg"]


async def test_every_bad_query_parameter_is_reported(client: Client) -> None:
    response = await client.get("/players/", params={"skip": "-5", "limit": "x"})
    assert response.status == 422
    locs = [e["loc"] for e in (await response.json())["detail"]]
    assert locs == [["query", "skip"], ["query", "limit"]]


async def test_every_answer_with_a_player_has_the_fields_of_the_player_model(
    client: Client,
) -> None:
    """Players go out as their rows, without a model: sql/players must return exactly the
    fields of `models.Player`, in its order, from every statement that answers with one."""
    fields = [field.name for field in attrs.fields(Player)]
    created = await client.post("/players/", json={"username": "user1", "email": "u@example.com"})
    player = await created.json()
    path = f"/players/{player['id']}"
    answers = [
        player,
        await (await client.get(path)).json(),
        (await (await client.get("/players/")).json())[0],
        await (await client.patch(path, json={"username": "user2"})).json(),
    ]
    for answer in answers:
        assert list(answer) == fields, answer
