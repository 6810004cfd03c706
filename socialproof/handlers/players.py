"""Players: register, list, read, update, delete, and a player's scenarios.

A player's body carries their email: every answer with one is marked `no_store`.
"""

from aiohttp import web

from socialproof import queries
from socialproof.errors import PLAYER_NOT_FOUND, NotFound
from socialproof.headers import no_store
from socialproof.keys import db_key
from socialproof.models import Page, Player, PlayerCreate, PlayerUpdate, Scenario, ScenarioFilter
from socialproof.serialization import json_response, parse_body, parse_query, path_id


@no_store
async def create_player(request: web.Request) -> web.Response:
    body = await parse_body(request, PlayerCreate)
    row = await queries.create_player(request.app[db_key], body.username, body.email)
    return json_response(Player(**row), status=201, headers={"Location": f"/players/{row['id']}"})


@no_store
async def list_players(request: web.Request) -> web.Response:
    page = parse_query(request, Page)
    rows = await queries.list_players(request.app[db_key], page.skip, page.limit)
    return json_response([Player(**row) for row in rows])


@no_store
async def get_player(request: web.Request) -> web.Response:
    player_id = path_id(request, "player_id", PLAYER_NOT_FOUND)
    row = await queries.get_player(request.app[db_key], player_id)
    if row is None:
        raise NotFound(PLAYER_NOT_FOUND)
    return json_response(Player(**row))


async def list_player_scenarios(request: web.Request) -> web.Response:
    player_id = path_id(request, "player_id", PLAYER_NOT_FOUND)
    query = parse_query(request, ScenarioFilter)
    rows = await queries.list_player_scenarios(
        request.app[db_key],
        player_id,
        query.skip,
        query.limit,
        query.scenario_type,
        query.is_successful,
    )
    if rows is None:
        raise NotFound(PLAYER_NOT_FOUND)
    return json_response([Scenario(**row) for row in rows])


@no_store
async def update_player(request: web.Request) -> web.Response:
    player_id = path_id(request, "player_id", PLAYER_NOT_FOUND)
    body = await parse_body(request, PlayerUpdate)
    row = await queries.update_player(request.app[db_key], player_id, body.username, body.email)
    if row is None:
        raise NotFound(PLAYER_NOT_FOUND)
    return json_response(Player(**row))


async def delete_player(request: web.Request) -> web.Response:
    player_id = path_id(request, "player_id", PLAYER_NOT_FOUND)
    if not await queries.delete_player(request.app[db_key], player_id):
        raise NotFound(PLAYER_NOT_FOUND)
    return web.Response(status=204)
