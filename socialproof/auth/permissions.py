"""What a caller may do, one check per kind of route of the contract's permission table.

A caller allowed to use a route at all, but not on this player's data, gets 404 when the
player does not exist (ids are sequential: existence is no secret) and 403 when they do.
"""

from typing import NoReturn

from socialproof import queries
from socialproof.auth.principal import RESULTS_WRITE, Principal
from socialproof.errors import PLAYER_NOT_FOUND, Forbidden, NotFound
from socialproof.queries import Db


def sees_email_of(who: Principal, player_id: int) -> bool:
    """Public reads: a player's email is shown to that player and to admins only."""
    return who.is_admin or who.is_player(player_id)


def may_manage_player(who: Principal, player_id: int) -> bool:
    """PATCH and DELETE /players/{id}: the player themself, or an admin."""
    return who.is_admin or who.is_player(player_id)


def may_access_scenarios_of(who: Principal, player_id: int) -> bool:
    """Reading a player's scenarios, and creating one without a result: the player themself,
    a trusted game server, or an admin."""
    return who.is_admin or RESULTS_WRITE in who.scopes or who.is_player(player_id)


def may_record_results(who: Principal) -> bool:
    """Recording a result (POST /scenarios/{id}/result, or a scenario with is_successful):
    a trusted game server, or an admin."""
    return who.is_admin or RESULTS_WRITE in who.scopes


async def refuse_player(db: Db, who: Principal, player_id: int) -> NoReturn:
    """For a player acting on another player's data: 404 when that player does not exist,
    403 when they do. A caller who may not use the route on anyone's data gets 403."""
    if who.player_id is not None and await queries.get_player(db, player_id) is None:
        raise NotFound(PLAYER_NOT_FOUND)
    raise Forbidden()
