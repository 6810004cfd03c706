"""Keyset cursors: every list walked to its end by `Link: <...>; rel="next"` gives the pages that
`skip` gives, ranks included, across ties and rows deleted between pages; a cursor from
another list, edited or made with another key is 422 on `query.cursor`."""

import re
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import pytest
from aiohttp import ClientResponse
from yarl import URL

from socialproof.app import create_app
from socialproof.cursors import (
    LEADERBOARD,
    PLAYER_SCENARIOS,
    PLAYERS,
    Cursors,
    InvalidCursor,
    scope_of,
)
from socialproof.settings import Settings
from tests import pg
from tests.api import Client, create_player, create_scenario, get_json, record_result
from tests.auth_api import TEST_JWT_SECRET, bearer, login, sign_up

NEXT = re.compile(r'^<([^<>"\s]+)>; rel="next"$')


def next_link(response: ClientResponse) -> str | None:
    """The target of the answer's `Link: <...>; rel="next"`, or None without one."""
    links = response.headers.getall("Link", [])
    if not links:
        return None
    (link,) = links
    match = NEXT.match(link)
    assert match, link
    return match.group(1)


async def walk(
    client: Client, path: str, headers: dict[str, str] | None = None, **params: Any
) -> list[list[dict[str, Any]]]:
    """Every page of a list, the first from `path` and `params`, each next one from the
    previous answer's Link, until an answer has none."""
    pages = []
    response = await client.get(path, params=params, headers=headers)
    while True:
        assert response.status == 200, await response.text()
        pages.append(await response.json())
        target = next_link(response)
        if target is None:
            return pages
        assert target.startswith(path), target
        assert len(pages) <= 1000, "the cursor does not move on"
        response = await client.get(target, headers=headers)


async def skip_pages(
    client: Client, path: str, limit: int, headers: dict[str, str] | None = None, **params: Any
) -> list[list[dict[str, Any]]]:
    """The same list in `skip` pages of `limit`, to the first page that is not full."""
    pages = []
    while True:
        query = {**params, "skip": len(pages) * limit, "limit": limit}
        response = await client.get(path, params=query, headers=headers)
        assert response.status == 200, await response.text()
        pages.append(await response.json())
        if len(pages[-1]) < limit:
            return pages


def without_trailing_empty(pages: list[list[Any]]) -> list[list[Any]]:
    """skip pages end with a short page, an empty one when the total divides evenly: no cursor
    page is ever empty, since a Link is only given when another row exists."""
    return pages[:-1] if len(pages) > 1 and pages[-1] == [] else pages


def cursor_of(target: str) -> str:
    return URL(target).query["cursor"]


async def status_and_error(client: Client, path: str, **params: Any) -> tuple[int, Any]:
    response = await client.get(path, params=params)
    body = await response.json()
    if response.status != 422:
        return response.status, body
    (error,) = body["detail"]
    return 422, error["loc"]


# The leaderboard


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8, 10, 44, 45, 100])
async def test_leaderboard_cursor_pages_are_the_skip_pages(
    client: Client, empty_tables: str, limit: int
) -> None:
    """Five groups of tied ratings and a few single ones: pages start and end inside groups,
    and the ranks on a cursor page are the skip page's."""
    pg.run(empty_tables, "cursors_tied_players")
    pages = await walk(client, "/leaderboard", limit=limit)
    assert pages == without_trailing_empty(await skip_pages(client, "/leaderboard", limit))
    board = [entry for page in pages for entry in page]
    assert len(board) == 45
    assert len({entry["player_id"] for entry in board}) == 45
    ratings = [entry["player_skill_rating"] for entry in board]
    assert board[0]["rank"] == 1
    for entry in board:  # competition ranks: 1 + the number rated strictly higher
        assert entry["rank"] == 1 + sum(rating > entry["player_skill_rating"] for rating in ratings)


async def test_leaderboard_without_a_next_page_has_no_link(client: Client) -> None:
    response = await client.get("/leaderboard")
    assert response.status == 200
    assert await response.json() == []
    assert "Link" not in response.headers
    for n in range(3):
        await create_player(client, f"player{n}")
    for limit, linked in [(2, True), (3, False), (10, False)]:
        response = await client.get("/leaderboard", params={"limit": limit})
        assert (next_link(response) is not None) is linked, limit


async def test_link_is_the_request_with_the_cursor_in_place_of_skip(client: Client) -> None:
    for n in range(5):
        await create_player(client, f"player{n}")
    response = await client.get("/leaderboard/?limit=2&skip=1&flavour=%3Cplain%3E")
    target = next_link(response)
    assert target is not None
    url = URL(target)
    assert not url.is_absolute()
    assert url.path == "/leaderboard/"
    assert list(url.query) == ["limit", "flavour", "cursor"]
    assert url.query["limit"] == "2"
    assert url.query["flavour"] == "<plain>"
    assert re.fullmatch(r"[A-Za-z0-9_-]+", url.query["cursor"])
    # Following it again from its own page moves the cursor on, and limit may change.
    second = await client.get(target)
    assert [e["player_id"] for e in await second.json()] == [4, 5]
    assert next_link(second) is None
    changed = await client.get("/leaderboard", params={"cursor": url.query["cursor"], "limit": 1})
    assert [e["player_id"] for e in await changed.json()] == [4]


async def test_rows_deleted_and_moved_between_pages(client: Client, empty_tables: str) -> None:
    """A cursor is a position, not a row: the row it came from may be gone, and the next page
    starts after that position in the table as it is now, with the ranks it has now."""
    pg.run(empty_tables, "cursors_tied_players")
    first = await client.get("/leaderboard", params={"limit": 12})
    page = await first.json()
    target = next_link(first)
    assert target is not None
    last = page[-1]
    pg.run(empty_tables, "cursors_delete_players")  # the page's last row among them
    assert last["player_id"] % 4 == 0 or last["player_id"] == 3
    board = await get_json(client, "/leaderboard", limit=1000)
    position = (-last["player_skill_rating"], last["player_id"])
    rest = [e for e in board if (-e["player_skill_rating"], e["player_id"]) > position]
    response = await client.get(target)
    pages = [await response.json()]
    while (target := next_link(response)) is not None and len(pages) <= 100:
        response = await client.get(target)
        pages.append(await response.json())
    assert [entry for page in pages for entry in page] == rest
    assert rest and rest[0]["rank"] > 1


# Players


@pytest.mark.parametrize("limit", [1, 4, 5, 19, 20, 100])
async def test_players_cursor_pages_are_the_skip_pages(
    client: Client, empty_tables: str, limit: int
) -> None:
    pg.run(empty_tables, "cursors_tied_players")
    pg.run(empty_tables, "cursors_delete_players")  # gaps in the ids
    pages = await walk(client, "/players/", limit=limit)
    assert pages == without_trailing_empty(await skip_pages(client, "/players/", limit))
    ids = [player["id"] for page in pages for player in page]
    assert ids == sorted(ids) and len(ids) == 33


async def test_players_deleted_between_pages(client: Client, empty_tables: str) -> None:
    pg.run(empty_tables, "cursors_tied_players")
    first = await client.get("/players", params={"limit": 8})
    assert [p["id"] for p in await first.json()] == list(range(1, 9))
    target = next_link(first)
    assert target is not None and URL(target).path == "/players"
    pg.run(empty_tables, "cursors_delete_players")  # 8 among them, 12 and 16 ahead
    second = await client.get(target)
    assert [p["id"] for p in await second.json()] == [9, 10, 11, 13, 14, 15, 17, 18]
    # The same fields in the same order as the first page (players go out as their rows).
    assert {tuple(p) for p in await second.json()} == {tuple(p) for p in await first.json()}


# A player's scenarios


async def test_scenario_cursor_pages_are_the_skip_pages_with_each_filter(client: Client) -> None:
    player = await create_player(client, "player1")
    other = await create_player(client, "player2")
    for n in range(23):
        kind = "negotiation" if n % 3 else "small talk"
        scenario = await create_scenario(client, player["id"], scenario_type=kind)
        await create_scenario(client, other["id"])
        if n % 4:
            await record_result(client, scenario["id"], n % 2 == 0)
    path = f"/players/{player['id']}/scenarios"
    filters: list[dict[str, Any]] = [
        {},
        {"scenario_type": "negotiation"},
        {"is_successful": "true"},
        {"scenario_type": "small talk", "is_successful": "false"},
        {"scenario_type": "nothing like it"},
    ]
    for where in filters:
        for limit in (1, 3, 5, 100):
            pages = await walk(client, path, limit=limit, **where)
            expected = without_trailing_empty(await skip_pages(client, path, limit, **where))
            assert pages == expected, (where, limit)
            for page in pages:
                assert {s["player_id"] for s in page} <= {player["id"]}


async def test_scenario_cursor_belongs_to_its_player_and_filters(client: Client) -> None:
    one = await create_player(client, "player1")
    two = await create_player(client, "player2")
    for _ in range(3):
        await create_scenario(client, one["id"])
        await create_scenario(client, two["id"])
    path = f"/players/{one['id']}/scenarios"
    first = await client.get(path, params={"limit": 1, "scenario_type": "negotiation"})
    target = next_link(first)
    assert target is not None
    assert URL(target).query["scenario_type"] == "negotiation"
    cursor = cursor_of(target)
    assert (await client.get(target)).status == 200
    for other_path, where in [
        (f"/players/{two['id']}/scenarios", {"scenario_type": "negotiation"}),
        (path, {}),
        (path, {"scenario_type": "small talk"}),
        (path, {"scenario_type": "negotiation", "is_successful": "true"}),
    ]:
        status, loc = await status_and_error(client, other_path, cursor=cursor, **where)
        assert (status, loc) == (422, ["query", "cursor"]), (other_path, where)


# Refused cursors


async def test_cursor_from_another_list_is_422(client: Client) -> None:
    player = await create_player(client, "player1")
    await create_player(client, "player2")
    for _ in range(2):
        await create_scenario(client, player["id"])
    cursors = {}
    for path in ("/leaderboard", "/players/", f"/players/{player['id']}/scenarios"):
        target = next_link(await client.get(path, params={"limit": 1}))
        assert target is not None, path
        cursors[path] = cursor_of(target)
    for made_by, cursor in cursors.items():
        for path in cursors:
            status, loc = await status_and_error(client, path, cursor=cursor)
            expected = 200 if path == made_by else 422
            assert status == expected, (made_by, path)
            if status == 422:
                assert loc == ["query", "cursor"]


async def test_edited_cursor_is_422(client: Client) -> None:
    for n in range(3):
        await create_player(client, f"player{n}")
    target = next_link(await client.get("/leaderboard", params={"limit": 1}))
    assert target is not None
    cursor = cursor_of(target)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for at in range(len(cursor)):
        swapped = alphabet[(alphabet.index(cursor[at]) + 1) % len(alphabet)]
        edited = cursor[:at] + swapped + cursor[at + 1 :]
        status, loc = await status_and_error(client, "/leaderboard", cursor=edited)
        assert (status, loc) == (422, ["query", "cursor"]), at
    for edited in (cursor[:-1], cursor[1:], cursor + "A", cursor + cursor):
        status, loc = await status_and_error(client, "/leaderboard", cursor=edited)
        assert (status, loc) == (422, ["query", "cursor"]), edited


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "x",
        "abc",
        "not a cursor",
        "!!!!",
        "AAAA",
        "A" * 44,
        "A" * 128,
        "A" * 129,
        "é" * 8,
        "AQ==",
        "%00",
        "a/b+c=",
    ],
)
async def test_garbage_cursor_is_422_on_every_list(client: Client, garbage: str) -> None:
    player = await create_player(client, "player1")
    for path in ("/leaderboard", "/players/", f"/players/{player['id']}/scenarios"):
        status, loc = await status_and_error(client, path, cursor=garbage)
        assert (status, loc) == (422, ["query", "cursor"]), path


async def test_skip_beside_a_cursor_is_422_unless_0(client: Client) -> None:
    for n in range(3):
        await create_player(client, f"player{n}")
    for path in ("/leaderboard", "/players/"):
        target = next_link(await client.get(path, params={"limit": 1}))
        assert target is not None
        cursor = cursor_of(target)
        status, loc = await status_and_error(client, path, cursor=cursor, skip=1)
        assert (status, loc) == (422, ["query", "skip"])
        assert (await client.get(path, params={"cursor": cursor, "skip": 0})).status == 200


def test_cursors_made_with_a_previous_key_are_read_and_others_refused() -> None:
    """As tokens: JWT_PREVIOUS_SECRETS still verify; a key the service does not hold, or none
    (AUTH=off's fixed key), does not."""
    old = Settings(auth="required", jwt_secret="an-old-signing-key-for-tests-0123456789")
    new = attrs.evolve(old, jwt_secret=TEST_JWT_SECRET, jwt_previous_secrets=old.jwt_secret)
    stranger = attrs.evolve(old, jwt_secret="another-services-key-for-tests-0123456")
    position = (512.25, 17)
    made = Cursors.from_settings(old).make(LEADERBOARD, b"", position)
    assert Cursors.from_settings(new).read(LEADERBOARD, b"", made) == position
    renewed = Cursors.from_settings(new).make(LEADERBOARD, b"", position)
    assert renewed != made
    for settings in (stranger, Settings(auth="off"), old):
        with pytest.raises(InvalidCursor):
            Cursors.from_settings(settings).read(LEADERBOARD, b"", renewed)
    without_key = Cursors.from_settings(Settings(auth="off"))
    public = without_key.make(PLAYERS, scope_of(), (5,))
    assert without_key.read(PLAYERS, scope_of(), public) == (5,)
    with pytest.raises(InvalidCursor):
        without_key.read(PLAYERS, scope_of(1), public)
    with pytest.raises(InvalidCursor):  # the same layout and scope, another list
        without_key.read(PLAYER_SCENARIOS, scope_of(), public)


async def test_cursors_with_accounts(
    aiohttp_client: Callable[..., Awaitable[Client]], auth_settings: Settings
) -> None:
    """With AUTH=required: a player walks their own scenarios; a cursor made by a service
    with another key is refused."""
    client = await aiohttp_client(create_app(auth_settings))
    player = await sign_up(client, "player1")
    token = bearer((await login(client, "player1"))["access_token"])
    path = f"/players/{player['id']}/scenarios"
    for _ in range(5):
        body = {"player_id": player["id"], "scenario_type": "t", "content": "c"}
        response = await client.post(
            "/scenarios/", json={**body, "difficulty_level": 3}, headers=token
        )
        assert response.status == 201
    pages = await walk(client, path, headers=token, limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert pages == without_trailing_empty(await skip_pages(client, path, 2, headers=token))
    elsewhere = attrs.evolve(auth_settings, jwt_secret="another-services-key-for-tests-0123456")
    foreign = Cursors.from_settings(elsewhere).make(LEADERBOARD, b"", (500.0, player["id"]))
    status, loc = await status_and_error(client, "/leaderboard", cursor=foreign)
    assert (status, loc) == (422, ["query", "cursor"])
