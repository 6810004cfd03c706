"""Players: register, list, read, update, delete, and a player's scenarios.

A player's body carries their email: every answer with one is marked `no_store`.
"""

from typing import Any

from aiohttp import web
from asyncpg import Record

from socialproof import queries
from socialproof.auth import passwords
from socialproof.auth.permissions import (
    may_access_scenarios_of,
    may_manage_player,
    refuse_player,
    sees_email_of,
)
from socialproof.auth.principal import Principal, authenticated, caller
from socialproof.cursors import PLAYER_SCENARIOS, PLAYERS, next_page, position_after, scope_of
from socialproof.errors import PLAYER_NOT_FOUND, BadRequest, NotFound, RequestValidationError
from socialproof.headers import Response, no_store
from socialproof.idempotency import idempotent
from socialproof.keys import db_key, signer_key
from socialproof.models import (
    Page,
    PlayerCreate,
    PlayerSignUp,
    PlayerUpdate,
    Scenario,
    ScenarioFilter,
)
from socialproof.replicas import read_db
from socialproof.serialization import json_response, parse_body, parse_query, path_id, rows_response
from socialproof.validation import error_item

WRONG_CURRENT_PASSWORD = "Current password is incorrect"


def _player(row: Record, who: Principal) -> dict[str, Any]:
    """The player as `who` may see them: the email only for the player themself and admins.

    The row as it is: sql/players returns exactly the fields of `models.Player`, in its order
    (tests/test_players.py holds them equal), so no model is built on the way to JSON."""
    player = dict(row)
    if not sees_email_of(who, player["id"]):
        player["email"] = None
    return player


@no_store
@idempotent
async def create_player(request: web.Request, db: queries.Db) -> web.Response:
    # With accounts, a password is part of signing up; with AUTH=off it may come later.
    model = PlayerCreate if request.app[signer_key] is None else PlayerSignUp
    body = await parse_body(request, model)
    if body.password is None:
        row = await queries.create_player(db, body.username, body.email)
    else:
        password_hash = await passwords.hash_password(body.password)
        row = await queries.create_player_with_password(
            db, body.username, body.email, password_hash
        )
    return rows_response(dict(row), status=201, headers={"Location": f"/players/{row['id']}"})


@no_store
async def list_players(request: web.Request) -> web.Response:
    who = caller(request)
    page = parse_query(request, Page)
    db = read_db(request)
    # One row more than the page: whether it comes says whether a next page exists.
    after = position_after(request, PLAYERS, page.cursor, page.skip)
    if after is None:
        rows = await queries.list_players(db, page.skip, page.limit + 1)
    else:
        rows = await queries.list_players_after(db, *after, page.limit + 1)
    rows, headers = next_page(request, PLAYERS, rows, page.limit)
    return rows_response([_player(row, who) for row in rows], headers=headers)


@no_store
async def get_player(request: web.Request) -> web.Response:
    who = caller(request)
    player_id = path_id(request, "player_id", PLAYER_NOT_FOUND)
    row = await queries.get_player(read_db(request), player_id)
    if row is None:
        raise NotFound(PLAYER_NOT_FOUND)
    return rows_response(_player(row, who))


async def list_player_scenarios(request: web.Request) -> web.Response:
    who = authenticated(request)
    player_id = path_id(request, "player_id", PLAYER_NOT_FOUND)
    query = parse_query(request, ScenarioFilter)
    # A cursor continues this player's list with these filters, and no other.
    scope = scope_of(player_id, query.scenario_type, query.is_successful)
    after = position_after(request, PLAYER_SCENARIOS, query.cursor, query.skip, scope)
    db = request.app[db_key]
    if not may_access_scenarios_of(who, player_id):
        await refuse_player(db, who, player_id)
    filters = (query.scenario_type, query.is_successful)
    if after is None:
        rows = await queries.list_player_scenarios(
            db, player_id, query.skip, query.limit + 1, *filters
        )
    else:
        rows = await queries.list_player_scenarios_after(
            db, player_id, *after, query.limit + 1, *filters
        )
    if rows is None:
        raise NotFound(PLAYER_NOT_FOUND)
    rows, headers = next_page(request, PLAYER_SCENARIOS, rows, query.limit, scope)
    return json_response([Scenario(**row) for row in rows], headers=headers)


@no_store
async def update_player(request: web.Request) -> web.Response:
    who = authenticated(request)
    player_id = path_id(request, "player_id", PLAYER_NOT_FOUND)
    body = await parse_body(request, PlayerUpdate)
    db = request.app[db_key]
    if not may_manage_player(who, player_id):
        await refuse_player(db, who, player_id)
    if body.password is None:
        row = await queries.update_player(db, player_id, body.username, body.email)
        if row is None:
            raise NotFound(PLAYER_NOT_FOUND)
        return rows_response(dict(row))

    if not who.is_admin:
        await _check_current_password(db, player_id, body.current_password)
    password_hash = await passwords.hash_password(body.password)
    async with db.acquire() as conn, conn.transaction():
        row = await queries.update_player(conn, player_id, body.username, body.email)
        if row is None:
            raise NotFound(PLAYER_NOT_FOUND)
        await queries.set_password(conn, player_id, password_hash)
        # A second statement, so that it also sees sessions opened while the first waited.
        await queries.end_player_sessions(conn, player_id)
    return rows_response(dict(row))


async def _check_current_password(db: queries.Db, player_id: int, current: str | None) -> None:
    """A player changing their own password proves they know the current one."""
    if current is None:
        raise RequestValidationError(
            [error_item(["body", "current_password"], "missing", "Field required")]
        )
    stored = await queries.get_password_hash(db, player_id)
    if stored is None:
        await passwords.spend_verification_time(current)
        raise BadRequest(WRONG_CURRENT_PASSWORD)
    matches, _ = await passwords.verify_password(stored, current)
    if not matches:
        raise BadRequest(WRONG_CURRENT_PASSWORD)


async def delete_player(request: web.Request) -> web.Response:
    who = authenticated(request)
    player_id = path_id(request, "player_id", PLAYER_NOT_FOUND)
    db = request.app[db_key]
    if not may_manage_player(who, player_id):
        await refuse_player(db, who, player_id)
    # Their credentials and sessions go with them (ON DELETE CASCADE).
    if not await queries.delete_player(db, player_id):
        raise NotFound(PLAYER_NOT_FOUND)
    return Response(status=204)
