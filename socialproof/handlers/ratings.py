"""Where players stand: the leaderboard, a player's rank, stats and rating history."""

from aiohttp import web

from socialproof import queries
from socialproof.errors import PLAYER_NOT_FOUND, NotFound
from socialproof.models import (
    LeaderboardEntry,
    LeaderboardPage,
    PlayerRank,
    PlayerStats,
    RatingChange,
)
from socialproof.replicas import read_db
from socialproof.serialization import json_response, parse_query, path_id


async def leaderboard(request: web.Request) -> web.Response:
    page = parse_query(request, LeaderboardPage)
    rows = await queries.leaderboard(read_db(request), page.skip, page.limit)
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
