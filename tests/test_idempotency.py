"""Idempotency-Key on POST /players/, POST /scenarios/ and POST /scenarios/{id}/result: a
repeat gets the first answer and runs nothing, another request with the key is 422, a repeat
while the first runs is 409, bad keys are 400, callers do not share keys, and keys expire."""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import pytest
from aiohttp import ClientResponse
from multidict import CIMultiDict

from socialproof.app import create_app
from socialproof.idempotency import INVALID_KEY, KEY_IN_USE, KEY_REUSED
from socialproof.keys import db_key
from socialproof.settings import Settings
from socialproof.sqlfiles import SQL
from tests import pg
from tests.api import (
    Client,
    assert_rating_follows_history,
    create_player,
    create_scenario,
)
from tests.auth_api import bearer, client_token, login, sign_up
from tests.pg import lock_waiters, players_locked

AppClient = Callable[..., Awaitable[Client]]

KEY = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
SCENARIO = {"scenario_type": "negotiation", "content": "Ask for a raise.", "difficulty_level": 7}


@attrs.frozen
class Endpoint:
    name: str
    status: int  # its success
    # What one run writes: (players, scenarios, results), as count_rows_written counts them.
    writes: tuple[int, int, int]


PLAYERS = Endpoint("POST /players/", 201, (1, 0, 0))
SCENARIOS = Endpoint("POST /scenarios/", 201, (0, 1, 0))
RESULT = Endpoint("POST /scenarios/{id}/result", 200, (0, 0, 1))
ENDPOINTS = [pytest.param(e, id=e.name) for e in (PLAYERS, SCENARIOS, RESULT)]


@attrs.frozen
class Request:
    """A request to one endpoint (its prerequisites made), another body for its path, and the
    path of another endpoint."""

    path: str
    body: dict[str, Any]
    other_body: dict[str, Any]
    elsewhere: str


async def prepare(client: Client, endpoint: Endpoint) -> Request:
    """The rows `endpoint` needs, made without keys (AUTH=off)."""
    if endpoint is PLAYERS:
        body = {"username": "ada", "email": "ada@example.com"}
        return Request("/players/", body, {**body, "username": "bob"}, "/scenarios/")
    player = await create_player(client, "grace")
    if endpoint is SCENARIOS:
        body = {**SCENARIO, "player_id": player["id"]}
        return Request("/scenarios/", body, {**body, "difficulty_level": 3}, "/players/")
    scenario = await create_scenario(client, player["id"], difficulty_level=7)
    return Request(
        f"/scenarios/{scenario['id']}/result",
        {"is_successful": True},
        {"is_successful": False},
        "/scenarios/",
    )


def written(database_url: str) -> tuple[int, int, int]:
    ((players, scenarios, results),) = pg.run(database_url, "count_rows_written")
    return players, scenarios, results


def plus(counts: tuple[int, int, int], writes: tuple[int, int, int]) -> tuple[int, int, int]:
    return (counts[0] + writes[0], counts[1] + writes[1], counts[2] + writes[2])


def keys_held(database_url: str) -> int:
    return pg.run(database_url, "count_idempotency_keys")[0][0]


def keyed(key: str, **headers: str) -> dict[str, str]:
    return {KEY: key, **headers}


def ran(response: ClientResponse, endpoint: Endpoint) -> bool:
    """Whether this answer is the request's own run (not a replay) and a success."""
    return response.status == endpoint.status and REPLAYED not in response.headers


# The rules, on every endpoint


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_repeat_gets_the_first_answer_and_nothing_runs_twice(
    client: Client, empty_tables: str, endpoint: Endpoint
) -> None:
    request = await prepare(client, endpoint)
    before = written(empty_tables)
    first = await client.post(request.path, json=request.body, headers=keyed("retry-1"))
    assert ran(first, endpoint), await first.text()
    after = written(empty_tables)
    assert after == plus(before, endpoint.writes)

    for _ in range(2):
        again = await client.post(request.path, json=request.body, headers=keyed("retry-1"))
        assert again.status == first.status
        assert again.headers[REPLAYED] == "true"
        assert await again.read() == await first.read()
        assert again.content_type == "application/json"
        assert again.headers.get("Location") == first.headers.get("Location")
        assert again.headers.get("Cache-Control") == first.headers.get("Cache-Control")
    assert written(empty_tables) == after
    assert keys_held(empty_tables) == 1


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_the_key_with_another_body_or_path_is_422_and_runs_nothing(
    client: Client, empty_tables: str, endpoint: Endpoint
) -> None:
    request = await prepare(client, endpoint)
    first = await client.post(request.path, json=request.body, headers=keyed("k"))
    assert ran(first, endpoint)
    after = written(empty_tables)

    reused = {
        "detail": [{"loc": ["header", KEY], "msg": KEY_REUSED, "type": "idempotency_key_reused"}]
    }
    other = await client.post(request.path, json=request.other_body, headers=keyed("k"))
    assert (other.status, await other.json()) == (422, reused)
    elsewhere = await client.post(request.elsewhere, json=request.body, headers=keyed("k"))
    assert (elsewhere.status, await elsewhere.json()) == (422, reused)
    assert written(empty_tables) == after
    # The key still answers its own request.
    again = await client.post(request.path, json=request.body, headers=keyed("k"))
    assert again.headers[REPLAYED] == "true"
    assert await again.read() == await first.read()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_20_concurrent_requests_with_one_key_run_exactly_once(
    client: Client, empty_tables: str, endpoint: Endpoint
) -> None:
    request = await prepare(client, endpoint)
    before = written(empty_tables)
    responses = await asyncio.gather(
        *(client.post(request.path, json=request.body, headers=keyed("race")) for _ in range(20))
    )
    runs = [r for r in responses if ran(r, endpoint)]
    assert len(runs) == 1, Counter((r.status, r.headers.get(REPLAYED)) for r in responses)
    answer = await runs[0].read()
    for response in responses:
        if response.status == 409:  # still running: never a second run's own 409
            assert await response.json() == {"detail": KEY_IN_USE}
            assert response.headers["Retry-After"] == "1"
        else:
            assert response.status == endpoint.status
            assert await response.read() == answer
    assert written(empty_tables) == plus(before, endpoint.writes)
    assert keys_held(empty_tables) == 1


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_repeat_while_the_first_still_runs_is_409(
    client: Client, empty_tables: str, endpoint: Endpoint
) -> None:
    """The first request holds its key and waits for the players' table; the repeat waits for
    the key 100 ms at most and is told to come back. The first's own wait is not bounded so."""
    request = await prepare(client, endpoint)
    loop = asyncio.get_running_loop()
    async with players_locked(empty_tables):
        first = asyncio.create_task(
            client.post(request.path, json=request.body, headers=keyed("slow"))
        )
        await lock_waiters(empty_tables)
        started = loop.time()
        repeat = await client.post(request.path, json=request.body, headers=keyed("slow"))
        assert loop.time() - started < 1
        assert (repeat.status, await repeat.json()) == (409, {"detail": KEY_IN_USE})
        assert repeat.headers["Retry-After"] == "1"
        await asyncio.sleep(0.5)  # longer than the repeat's wait
        assert not first.done()
    response = await first
    assert ran(response, endpoint), await response.text()
    after = await client.post(request.path, json=request.body, headers=keyed("slow"))
    assert after.headers[REPLAYED] == "true"
    assert await after.read() == await response.read()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    "value",
    [
        "k" * 256,
        '"' + "k" * 256 + '"',
        "",
        "   ",
        '""',
        '"unterminated',
        '"two" "strings"',
        '"a";param=1',
        '"bad \\escape"',
        "tab\there",
    ],
    ids=[
        "256-chars",
        "256-chars-quoted",
        "empty",
        "blank",
        "empty-string",
        "unterminated",
        "two-strings",
        "parameters",
        "bad-escape",
        "control-character",
    ],
)
async def test_a_key_that_is_not_1_to_255_printable_characters_is_400(
    client: Client, empty_tables: str, endpoint: Endpoint, value: str
) -> None:
    request = await prepare(client, endpoint)
    before = written(empty_tables)
    response = await client.post(request.path, json=request.body, headers={KEY: value})
    assert (response.status, await response.json()) == (400, {"detail": INVALID_KEY})
    assert written(empty_tables) == before
    assert keys_held(empty_tables) == 0


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_the_key_is_sent_once_and_may_be_255_characters_quoted_or_not(
    client: Client, empty_tables: str, endpoint: Endpoint
) -> None:
    request = await prepare(client, endpoint)
    twice = CIMultiDict([(KEY, "one"), (KEY, "two")])
    response = await client.post(request.path, json=request.body, headers=twice)
    assert (response.status, await response.json()) == (400, {"detail": INVALID_KEY})

    longest = '~ !"#\\' + "k" * 249
    first = await client.post(request.path, json=request.body, headers={KEY: longest})
    assert ran(first, endpoint), await first.text()
    # The draft's form, an RFC 8941 String, names the same key.
    quoted = '"' + longest.replace("\\", "\\\\").replace('"', '\\"') + '"'
    again = await client.post(request.path, json=request.body, headers={KEY: quoted})
    assert again.headers[REPLAYED] == "true"
    assert await again.read() == await first.read()


async def test_a_body_is_compared_as_json_without_its_password(
    auth_client: Client, empty_tables: str
) -> None:
    """Key order and spacing aside, and the password left out of the fingerprint (a fast hash
    of it, kept in the table, would be a shortcut past its argon2 hash): a repeat that changes
    only those is the same sign-up."""
    first = await auth_client.post(
        "/players/",
        data=b'{"username": "ada", "email": "ada@example.com", "password": "a long password"}',
        headers=keyed("signup", **{"Content-Type": "application/json"}),
    )
    assert ran(first, PLAYERS)
    repeat = await auth_client.post(
        "/players/",
        data=b'{"password":"another password","email":"ada@example.com","username":"ada"}',
        headers=keyed("signup", **{"Content-Type": "application/json"}),
    )
    assert repeat.headers[REPLAYED] == "true"
    assert await repeat.read() == await first.read()
    other = await auth_client.post(
        "/players/",
        json={"username": "grace", "email": "ada@example.com", "password": "a long password"},
        headers=keyed("signup"),
    )
    assert other.status == 422
    assert written(empty_tables) == (1, 0, 0)


# Which answers are kept


async def test_failures_of_the_write_itself_are_kept(client: Client, empty_tables: str) -> None:
    """A username taken, a player missing, a result already recorded: the same answer again,
    even once what caused it has changed. The first two fail on a constraint, which aborts the
    write's statement: the key is kept all the same."""
    taken = await create_player(client, "ada")
    sign_up = {"username": "ADA", "email": "other@example.com"}
    first = await client.post("/players/", json=sign_up, headers=keyed("signup"))
    assert (first.status, await first.json()) == (400, {"detail": "Username already taken"})
    assert (await client.delete(f"/players/{taken['id']}")).status == 204
    again = await client.post("/players/", json=sign_up, headers=keyed("signup"))
    assert (again.status, again.headers[REPLAYED]) == (400, "true")
    assert await again.json() == {"detail": "Username already taken"}

    player = await create_player(client, "grace")
    missing = {**SCENARIO, "player_id": player["id"] + 1}
    first = await client.post("/scenarios/", json=missing, headers=keyed("scenario"))
    assert (first.status, await first.json()) == (404, {"detail": "Player not found"})
    await create_player(client, "linus")  # the id it asked for exists now
    again = await client.post("/scenarios/", json=missing, headers=keyed("scenario"))
    assert (again.status, again.headers[REPLAYED]) == (404, "true")

    scenario = await create_scenario(client, player["id"])
    path = f"/scenarios/{scenario['id']}/result"
    assert (await client.post(path, json={"is_successful": True})).status == 200
    for replayed in (None, "true"):
        response = await client.post(path, json={"is_successful": True}, headers=keyed("result"))
        assert (response.status, response.headers.get(REPLAYED)) == (409, replayed)
        assert await response.json() == {"detail": "Scenario result already recorded"}
    assert written(empty_tables) == (2, 1, 1)
    assert keys_held(empty_tables) == 3


async def test_a_malformed_request_keeps_nothing_and_its_correction_runs(
    client: Client, empty_tables: str
) -> None:
    bad = await client.post("/players/", json={"username": "a"}, headers=keyed("fix-me"))
    assert bad.status == 422
    wrong_type = await client.post(
        "/players/", data=b"username=ada", headers=keyed("fix-me", **{"Content-Type": "text/plain"})
    )
    assert wrong_type.status == 415
    assert keys_held(empty_tables) == 0
    fixed = await client.post(
        "/players/", json={"username": "ada", "email": "ada@example.com"}, headers=keyed("fix-me")
    )
    assert fixed.status == 201
    assert REPLAYED not in fixed.headers


async def test_a_refusal_of_the_caller_keeps_nothing(
    auth_client: Client, empty_tables: str
) -> None:
    """401 and 403 are about the credentials: the key stays free for the request that may run."""
    owner = await sign_up(auth_client, "ada")
    other = await sign_up(auth_client, "grace")
    token = (await login(auth_client, "ada"))["access_token"]
    for_other = {**SCENARIO, "player_id": other["id"]}
    refused = await auth_client.post(
        "/scenarios/", json=for_other, headers=keyed("k", **bearer(token))
    )
    assert refused.status == 403
    anonymous = await auth_client.post("/scenarios/", json=for_other, headers=keyed("k"))
    assert anonymous.status == 401
    assert keys_held(empty_tables) == 0
    mine = {**SCENARIO, "player_id": owner["id"]}
    created = await auth_client.post("/scenarios/", json=mine, headers=keyed("k", **bearer(token)))
    assert created.status == 201
    assert REPLAYED not in created.headers


async def test_a_failure_keeps_nothing_and_the_retry_runs(
    aiohttp_client: AppClient, settings: Settings, empty_tables: str
) -> None:
    """A statement that outlasts DB_TIMEOUT (503) rolls the key back with the write."""
    client = await aiohttp_client(create_app(attrs.evolve(settings, db_timeout=0.5)))
    body = {"username": "ada", "email": "ada@example.com"}
    async with players_locked(empty_tables):
        failed = await client.post("/players/", json=body, headers=keyed("again"))
        assert failed.status == 503
    assert keys_held(empty_tables) == 0
    retried = await client.post("/players/", json=body, headers=keyed("again"))
    assert retried.status == 201
    assert REPLAYED not in retried.headers
    assert written(empty_tables) == (1, 0, 0)


# Whose key


async def test_callers_with_tokens_have_keys_of_their_own(
    auth_client: Client, empty_tables: str
) -> None:
    """The same key from two players, and from two game servers, runs for each."""
    ada, grace = await sign_up(auth_client, "ada"), await sign_up(auth_client, "grace")
    tokens = [(await login(auth_client, name))["access_token"] for name in ("ada", "grace")]
    for player, token in zip((ada, grace), tokens, strict=True):
        body = {**SCENARIO, "player_id": player["id"]}
        response = await auth_client.post(
            "/scenarios/", json=body, headers=keyed("k", **bearer(token))
        )
        assert ran(response, SCENARIOS), await response.text()

    servers = [await client_token(auth_client, empty_tables, "results:write") for _ in range(2)]
    same_body = {**SCENARIO, "player_id": ada["id"]}
    created = []
    for server in servers:
        response = await auth_client.post(
            "/scenarios/", json=same_body, headers=keyed("k", **bearer(server))
        )
        assert ran(response, SCENARIOS), await response.text()
        created.append(await response.json())
    for server, scenario in zip(servers, created, strict=True):
        path = f"/scenarios/{scenario['id']}/result"
        response = await auth_client.post(
            path, json={"is_successful": True}, headers=keyed("result", **bearer(server))
        )
        assert ran(response, RESULT), await response.text()
    assert written(empty_tables) == (2, 4, 2)

    # And one caller's repeat is a replay.
    again = await auth_client.post(
        "/scenarios/", json=same_body, headers=keyed("k", **bearer(servers[0]))
    )
    assert again.headers[REPLAYED] == "true"
    assert await again.json() == created[0]


@pytest.mark.parametrize("auth", ["required", "off"])
async def test_anonymous_callers_are_told_apart_by_their_address(
    aiohttp_client: AppClient, settings: Settings, empty_tables: str, auth: str
) -> None:
    """Sign-ups (and, with AUTH=off, every request) are keyed by the client address, here as a
    trusted proxy (the test client's 127.0.0.1) forwards it."""
    app = create_app(attrs.evolve(settings, auth=auth, jwt_secret="k" * 32))
    client = await aiohttp_client(app)

    def body(name: str) -> dict[str, str]:
        return {"username": name, "email": f"{name}@example.com", "password": "a long password"}

    first = await client.post(
        "/players/", json=body("ada"), headers=keyed("k", **{"X-Forwarded-For": "203.0.113.1"})
    )
    second = await client.post(
        "/players/", json=body("grace"), headers=keyed("k", **{"X-Forwarded-For": "203.0.113.2"})
    )
    assert ran(first, PLAYERS) and ran(second, PLAYERS)
    same_address = await client.post(
        "/players/", json=body("linus"), headers=keyed("k", **{"X-Forwarded-For": "203.0.113.2"})
    )
    assert same_address.status == 422
    repeat = await client.post(
        "/players/", json=body("grace"), headers=keyed("k", **{"X-Forwarded-For": "203.0.113.2"})
    )
    assert repeat.headers[REPLAYED] == "true"
    assert await repeat.json() == await second.json()
    assert written(empty_tables) == (2, 0, 0)


# Expiry


async def test_a_key_expires_after_its_ttl_and_then_runs_again(
    aiohttp_client: AppClient, settings: Settings, empty_tables: str
) -> None:
    default = await aiohttp_client(create_app(settings))
    player = await create_player(default, "ada")
    body = {**SCENARIO, "player_id": player["id"]}
    assert ran(await default.post("/scenarios/", json=body, headers=keyed("day")), SCENARIOS)
    pg.run(empty_tables, "age_idempotency_keys")  # 23 hours old

    repeat = await default.post("/scenarios/", json=body, headers=keyed("day"))
    assert repeat.headers[REPLAYED] == "true"  # within 24 hours
    shorter = await aiohttp_client(
        create_app(attrs.evolve(settings, idempotency_key_ttl=22 * 3600))
    )
    expired = await shorter.post("/scenarios/", json=body, headers=keyed("day"))
    assert ran(expired, SCENARIOS)
    assert written(empty_tables) == (1, 2, 0)
    assert keys_held(empty_tables) == 1
    # Taken over by the run: kept again from now.
    assert (await shorter.post("/scenarios/", json=body, headers=keyed("day"))).headers[REPLAYED]


async def test_expired_keys_are_purged_a_few_at_a_time_by_writes_with_keys(
    aiohttp_client: AppClient, settings: Settings, empty_tables: str
) -> None:
    client = await aiohttp_client(create_app(attrs.evolve(settings, idempotency_key_ttl=22 * 3600)))
    player = await create_player(client, "ada")
    body = {**SCENARIO, "player_id": player["id"]}
    for n in range(6):
        assert ran(
            await client.post("/scenarios/", json=body, headers=keyed(f"old-{n}")), SCENARIOS
        )
    pg.run(empty_tables, "age_idempotency_keys")

    # A write without a key touches no key.
    await create_scenario(client, player["id"])
    assert keys_held(empty_tables) == 6
    # Each write with a key adds its own and deletes up to four expired ones.
    await client.post("/scenarios/", json=body, headers=keyed("new-1"))
    assert keys_held(empty_tables) == 6 + 1 - 4
    await client.post("/scenarios/", json=body, headers=keyed("new-2"))
    assert keys_held(empty_tables) == 2  # the two new ones
    assert written(empty_tables) == (1, 9, 0)


# What it costs, and what it does under load


async def test_a_request_without_the_key_runs_only_its_own_statement(
    aiohttp_client: AppClient, settings: Settings
) -> None:
    app = create_app(attrs.evolve(settings, pool_min_size=1, pool_max_size=1))
    client = await aiohttp_client(app)
    seen: list[str] = []
    async with app[db_key].acquire() as conn:
        conn.add_query_logger(lambda logged: seen.append(logged.query))
    body = {"username": "ada", "email": "ada@example.com"}
    assert (await client.post("/players/", json=body)).status == 201
    await asyncio.sleep(0.05)  # loggers are called soon after the query
    assert seen == [SQL["players/create"]]

    seen.clear()
    body = {"username": "grace", "email": "grace@example.com"}
    assert (await client.post("/players/", json=body, headers=keyed("k"))).status == 201
    await asyncio.sleep(0.05)
    assert seen == [
        "BEGIN;",
        SQL["idempotency/claim"],
        SQL["idempotency/savepoint"],
        SQL["players/create"],
        SQL["idempotency/keep"],
        "COMMIT;",
    ]


async def test_retried_writes_under_deadlocks_still_run_once(
    aiohttp_client: AppClient, settings: Settings, empty_tables: str
) -> None:
    """The pattern that deadlocks inside PostgreSQL (each client creates a scenario for one of
    a few players, then records its result), every request sent twice at once with its key: a
    write aborted by a deadlock is run again whole, key included, and each runs once."""
    client = await aiohttp_client(create_app(attrs.evolve(settings, pool_max_size=32)))
    players = [await create_player(client, f"player{n}") for n in range(4)]

    async def twice(path: str, body: dict[str, Any], key: str) -> dict[str, Any]:
        responses = await asyncio.gather(
            *(client.post(path, json=body, headers=keyed(key)) for _ in range(2))
        )
        answers = [r for r in responses if r.status in (200, 201)]
        assert answers, [await r.text() for r in responses]
        assert all(r.status == 409 for r in responses if r not in answers)
        return await answers[0].json()

    async def create_then_record(n: int) -> None:
        body = {**SCENARIO, "player_id": players[n % 4]["id"], "difficulty_level": n % 10 + 1}
        scenario = await twice("/scenarios/", body, f"create-{n}")
        result = await twice(
            f"/scenarios/{scenario['id']}/result", {"is_successful": n % 3 != 0}, f"result-{n}"
        )
        assert result["id"] == scenario["id"]

    await asyncio.gather(*(create_then_record(n) for n in range(150)))
    assert written(empty_tables) == (4, 150, 150)
    for player in players:
        await assert_rating_follows_history(client, player["id"])


async def test_browsers_may_send_the_key_and_read_the_replay_header(
    aiohttp_client: AppClient, settings: Settings
) -> None:
    origin = "https://play.example.com"
    client = await aiohttp_client(create_app(attrs.evolve(settings, cors_allow_origins=(origin,))))
    preflight = await client.options(
        "/players/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, idempotency-key",
        },
    )
    allowed = {
        h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert KEY.lower() in allowed
    body = {"username": "ada", "email": "ada@example.com"}
    for _ in range(2):
        response = await client.post("/players/", json=body, headers=keyed("k", Origin=origin))
    assert response.headers[REPLAYED] == "true"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert REPLAYED in exposed
