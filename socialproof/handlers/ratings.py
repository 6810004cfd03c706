"""Where players stand: the leaderboard, a player's rank, stats and rating history."""

from aiohttp import web

from socialproof import queries
from socialproof.cursors import LEADERBOARD, next_page, position_after
from socialproof.errors import PLAYER_NOT_FOUND, NotFound, RequestValidationError
from socialproof.models import (
    LeaderboardEntry,
    LeaderboardPage,
    PlayerRank,
    PlayerStats,
    RatingChange,
)
from socialproof.replicas import read_db
from socialproof.serialization import json_response, parse_query, path_id
from socialproof.validation import MAX_BIGINT, error_item

AROUND_ALONE = "Value error, around takes neither skip nor cursor"


async def leaderboard(request: web.Request) -> web.Response:
    page = parse_query(request, LeaderboardPage)
    db = read_db(request)
    if page.around is not None:
        return await _leaderboard_around(db, page)
    # One row more than the page: whether it comes says whether a next page exists.
    after = position_after(request, LEADERBOARD, page.cursor, page.skip)
    if after is None:
        rows = await queries.leaderboard(db, page.skip, page.limit + 1)
    else:
        rows = await queries.leaderboard_after(db, *after, page.limit + 1)
    rows, headers = next_page(request, LEADERBOARD, rows, page.limit)
    return json_response([LeaderboardEntry(**row) for row in rows], headers=headers)


async def _leaderboard_around(db: queries.Db, page: LeaderboardPage) -> web.Response:
    """The `limit` entries around the player `page.around`: a window, with no next page."""
    assert page.around is not None
    if page.skip or page.cursor is not None:
        raise RequestValidationError([error_item(["query", "around"], "value_error", AROUND_ALONE)])
    if not 1 <= page.around <= MAX_BIGINT:
        raise NotFound(PLAYER_NOT_FOUND)
    rows = await queries.leaderboard_around(db, page.around, page.limit)
    if not rows:
        raise NotFound(PLAYER_NOT_FOUND)
    return json_response([LeaderboardEntry(**row) for row in rows])


async def player_rank(request: web.Request) -> web.Response:
    player_id = path_id(request, "player_id", PLAYER_NOT_FOUND)
    row = await queries.player_rank(read_db(request), player_id)
    if row is None:
        raise NotFound(PLAYER_NOT_FOUND)
    return json_response(PlayerRank(**row))


async def player_stats(request: web.Request) -> web.Response:
    player_id = path_id(request, "player_id", PLAYER_NOT_FOUND)
    rows = await queries.player_stats(read_db(request), player_id)
    if rows is None:
        raise NotFound(PLAYER_NOT_FOUND)
    return json_response(PlayerStats.from_rows(player_id, rows))


async def rating_history(request: web.Request) -> web.Response:
    player_id = path_id(request, "player_id", PLAYER_NOT_FOUND)
    rows = await queries.rating_history(read_db(request), player_id)
    if rows is None:
        raise NotFound(PLAYER_NOT_FOUND)
    return json_response([RatingChange(**row) for row in rows])
