"""Scenarios: create one for a player (played or not), read it, record its result."""

from aiohttp import web

from socialproof import queries
from socialproof.auth.permissions import (
    may_access_scenarios_of,
    may_record_results,
    refuse_player,
)
from socialproof.auth.principal import authenticated
from socialproof.errors import PLAYER_NOT_FOUND, SCENARIO_NOT_FOUND, Conflict, Forbidden, NotFound
from socialproof.idempotency import idempotent
from socialproof.keys import db_key
from socialproof.models import Scenario, ScenarioCreate, ScenarioResult
from socialproof.serialization import json_response, parse_body, path_id
from socialproof.validation import MAX_BIGINT

RESULT_ALREADY_RECORDED = "Scenario result already recorded"


@idempotent
async def create_scenario(request: web.Request, db: queries.Db) -> web.Response:
    who = authenticated(request)
    body = await parse_body(request, ScenarioCreate)
    if body.is_successful is not None and not may_record_results(who):
        raise Forbidden()
    if not 1 <= body.player_id <= MAX_BIGINT:
        raise NotFound(PLAYER_NOT_FOUND)
    if not may_access_scenarios_of(who, body.player_id):
        await refuse_player(db, who, body.player_id)
    if body.is_successful is None:
        row = await queries.create_scenario(
            db, body.player_id, body.scenario_type, body.content, body.difficulty_level
        )
    else:
        row = await queries.create_scenario_with_result(
            db,
            body.player_id,
            body.scenario_type,
            body.content,
            body.difficulty_level,
            body.is_successful,
        )
        if row is None:
            raise NotFound(PLAYER_NOT_FOUND)
    return json_response(
        Scenario(**row), status=201, headers={"Location": f"/scenarios/{row['id']}"}
    )


async def get_scenario(request: web.Request) -> web.Response:
    who = authenticated(request)
    scenario_id = path_id(request, "scenario_id", SCENARIO_NOT_FOUND)
    row = await queries.get_scenario(request.app[db_key], scenario_id)
    if row is None:
        raise NotFound(SCENARIO_NOT_FOUND)
    if not may_access_scenarios_of(who, row["player_id"]):
        raise Forbidden()
    return json_response(Scenario(**row))


@idempotent
async def record_result(request: web.Request, db: queries.Db) -> web.Response:
    who = authenticated(request)
    if not may_record_results(who):
        raise Forbidden()
    scenario_id = path_id(request, "scenario_id", SCENARIO_NOT_FOUND)
    body = await parse_body(request, ScenarioResult)
    row = await queries.record_result(db, scenario_id, body.is_successful)
    if row["id"] is None:
        raise (
            Conflict(RESULT_ALREADY_RECORDED)
            if row["scenario_exists"]
            else NotFound(SCENARIO_NOT_FOUND)
        )
    return json_response(Scenario.from_row(row))
