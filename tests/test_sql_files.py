"""sql/ is the whole of what the service runs, and every file in it reads well in review.

sql/admin holds the server chores of socialproof/pgserver.py (databases made and dropped,
the connection limit), which no request runs."""

import ast
import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import asyncpg.introspection
import attrs
import pytest

import socialproof
import socialproof.pgserver  # binds the statements of sql/admin
import socialproof.queries  # binds every statement it uses
from socialproof import SQL_DIR, queries
from socialproof.app import create_app
from socialproof.auth.tokens import token_hash
from socialproof.keys import db_key, probe_key
from socialproof.limits.limiter import limiter_key
from socialproof.settings import Settings
from socialproof.sqlfiles import SQL
from tests.api import Client, create_player, create_scenario
from tests.auth_api import PASSWORD, bearer, login, sign_up

SQL_NAMES = sorted(SQL.names())
PACKAGE = Path(socialproof.__file__).parent
SQL_WORDS = re.compile(
    r"\b(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|WITH\s+\w+\s+AS)\b"
)


def test_every_sql_file_is_used_by_the_code() -> None:
    assert SQL_NAMES
    assert SQL.used == set(SQL_NAMES)


def test_no_sql_text_in_the_package() -> None:
    """Every string literal in socialproof/ is checked: none is a statement."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and SQL_WORDS.search(node.value):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("name", SQL_NAMES)
def test_sql_file_header_documents_purpose_parameters_and_index(name: str) -> None:
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("--")]
    assert header and header[0].startswith(f"-- {name}: "), "first line: '-- <name>: purpose'"
    header_text = "\n".join(header)
    assert "-- Returns:" in header_text
    assert re.search(r"^-- Index(es)?:", header_text, re.MULTILINE)
    used = {int(n) for n in re.findall(r"\$(\d+)", text)}
    if used:
        assert used == set(range(1, max(used) + 1)), "parameters are $1..$n without gaps"
        for number in used:
            assert re.search(rf"^--\s+\${number}\s+\w+", header_text, re.MULTILINE), (
                f"${number} is not documented under Parameters:"
            )
    else:
        assert "-- Parameters: none" in header_text


@pytest.mark.parametrize("name", SQL_NAMES)
def test_sql_file_holds_one_statement(name: str) -> None:
    lines = (SQL_DIR / f"{name}.sql").read_text().splitlines()
    body = "\n".join(line.split("--")[0] for line in lines).strip()  # without comments
    assert body.endswith(";")
    assert body.count(";") == 1, "one statement per file"


async def logged_tour(
    aiohttp_client: Callable[..., Awaitable[Client]],
    settings: Settings,
    tour: Callable[[Client], Awaitable[None]],
) -> list[str]:
    """The queries `tour` makes the app run, on a one-connection pool whose connection logs
    each query, and on the probes' connection too; the start-up check runs before the app,
    tested on its own. Rate limits are on: the auth policy counts in PostgreSQL."""
    app = create_app(attrs.evolve(settings, pool_min_size=1, pool_max_size=1, rate_limits=True))
    client = await aiohttp_client(app)
    seen: list[str] = []
    async with app[db_key].acquire() as conn:
        conn.add_query_logger(lambda logged: seen.append(logged.query))
    assert (await client.get("/health")).status == 200
    probe = app[probe_key].connection
    assert probe is not None
    probe.add_query_logger(lambda logged: seen.append(logged.query))
    await tour(client)
    await app[limiter_key].purge()
    await asyncio.sleep(0.05)  # query loggers are called soon after, not during, the query
    return seen


async def open_tour(client: Client) -> None:
    """Every endpoint with AUTH=off."""
    await client.get("/health")
    assert (await client.get("/health/ready")).status == 200
    player = await create_player(client, "user1")
    other = await create_player(client, "user2")
    pid = player["id"]
    await client.get("/players/")
    await client.get(f"/players/{pid}")
    await client.patch(f"/players/{pid}", json={"username": "renamed"})
    scenario = await create_scenario(client, pid)
    await create_scenario(client, pid, is_successful=True)
    await client.post(f"/scenarios/{scenario['id']}/result", json={"is_successful": False})
    await client.get(f"/scenarios/{scenario['id']}")
    for path in ("scenarios", "rank", "stats", "rating-history"):
        assert (await client.get(f"/players/{pid}/{path}")).status == 200, path
    await client.get("/leaderboard")
    # Second pages by cursor, and the window around a player.
    for path in ("/players/", f"/players/{pid}/scenarios", "/leaderboard"):
        first = await client.get(path, params={"limit": 1})
        link = first.headers["Link"]
        assert (await client.get(link[1 : link.index(">")])).status == 200, path
    assert (await client.get("/leaderboard", params={"around": pid})).status == 200
    assert (await client.delete(f"/players/{other['id']}")).status == 204
    # With an Idempotency-Key: a run and its replay, and a failure kept under its key.
    keyed = {"username": "keyed", "email": "keyed@example.com"}
    for _ in range(2):
        await client.post("/players/", json=keyed, headers={"Idempotency-Key": "tour-1"})
    taken = {**keyed, "email": "other@example.com"}
    assert (
        await client.post("/players/", json=taken, headers={"Idempotency-Key": "tour-2"})
    ).status == 400


async def accounts_tour(client: Client) -> None:
    """Accounts with AUTH=required: sign-up, the three grants, revocation, a password change,
    and what `python -m socialproof clients` runs."""
    player = await sign_up(client, "account1")
    tokens = await login(client, "account1")
    refreshed = await client.post(
        "/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert refreshed.status == 200
    await client.post("/auth/revoke", data={"token": (await refreshed.json())["refresh_token"]})
    change = {"password": "another password", "current_password": PASSWORD}
    response = await client.patch(
        f"/players/{player['id']}", json=change, headers=bearer(tokens["access_token"])
    )
    assert response.status == 200

    db = client.app[db_key]
    secret = "a client secret"
    await queries.create_client(db, "client-1", "game server", token_hash(secret), "admin")
    form = {"grant_type": "client_credentials", "client_id": "client-1", "client_secret": secret}
    assert (await client.post("/auth/token", data=form)).status == 200
    await queries.list_clients(db)
    await queries.revoke_client(db, "client-1")


async def test_every_query_the_service_runs_comes_from_sql_files(
    aiohttp_client: Callable[..., Awaitable[Client]], settings: Settings, auth_settings: Settings
) -> None:
    """A tour of every endpoint, without and with accounts, logging each query."""
    seen = await logged_tour(aiohttp_client, settings, open_tour)
    seen += await logged_tour(aiohttp_client, auth_settings, accounts_tour)

    ours = {text for name, text in SQL.texts().items() if not name.startswith("admin/")}
    asyncpg_own = {
        value for value in vars(asyncpg.introspection).values() if isinstance(value, str)
    } | {"BEGIN;", "COMMIT;", "ROLLBACK;"}  # what `conn.transaction()` sends
    assert seen
    assert {query for query in seen if query not in asyncpg_own} - ours == set()
    # Run before serving, by start-up's checks and migrations, not by the app.
    start_up = {SQL["service/connection_capacity"], SQL["service/backend_pid"]}
    # Run only with a read replica, by its check (tests/test_replica.py).
    replica_check = {SQL["service/wal_position"], SQL["service/replay_position"]}
    assert ours - set(seen) == start_up | replica_check, "files the tour did not reach"
