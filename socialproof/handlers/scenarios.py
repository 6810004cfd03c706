"""Scenarios: create one for a player, read it."""

from aiohttp import web

from socialproof import queries
from socialproof.errors import PLAYER_NOT_FOUND, SCENARIO_NOT_FOUND, NotFound
from socialproof.keys import db_key
from socialproof.models import Scenario, ScenarioCreate
from socialproof.serialization import json_response, parse_body, path_id
from socialproof.validation import MAX_BIGINT


async def create_scenario(request: web.Request) -> web.Response:
    body = await parse_body(request, ScenarioCreate)
    if not 1 <= body.player_id <= MAX_BIGINT:
        raise NotFound(PLAYER_NOT_FOUND)
    row = await queries.create_scenario(
        request.app[db_key],
        body.player_id,
        body.scenario_type,
        body.content,
        body.difficulty_level,
    )
    return json_response(
        Scenario.from_row(row), status=201, headers={"Location": f"/scenarios/{row['id']}"}
    )


async def get_scenario(request: web.Request) -> web.Response:
    scenario_id = path_id(request, "scenario_id", SCENARIO_NOT_FOUND)
    row = await queries.get_scenario(request.app[db_key], scenario_id)
    if row is None:
        raise NotFound(SCENARIO_NOT_FOUND)
    return json_response(Scenario.from_row(row))
