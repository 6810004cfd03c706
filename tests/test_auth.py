"""Accounts with AUTH=required: sign-up with a password, the token endpoint's three grants,
access-token verification, refresh-token rotation and reuse detection, revocation, sessions
ended by delete and by password change, trusted clients made with the CLI, signing keys."""

import asyncio
import base64
import logging
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import attrs
import jwt
import orjson
import pytest
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher

from socialproof import PROJECT_ROOT, queries
from socialproof.app import create_app
from socialproof.auth.keyring import key_file, kid_of, with_signing_key
from socialproof.auth.passwords import HASHER
from socialproof.auth.tokens import LEEWAY_SECONDS
from socialproof.keys import db_key
from socialproof.settings import Settings, SettingsError
from tests import pg
from tests.api import Client
from tests.auth_api import PASSWORD, TEST_JWT_SECRET, bearer, client_token, login, sign_up
from tests.test_cli import refused_start

INVALID_TOKEN = {"detail": "Could not validate credentials"}
SCENARIO = {"scenario_type": "negotiation", "content": "Ask for a raise.", "difficulty_level": 5}


async def token_answer(client: Client, **form: str) -> tuple[int, dict[str, Any]]:
    response = await client.post("/auth/token", data=form)
    assert response.headers["Cache-Control"] == "no-store"
    return response.status, await response.json()


async def refresh(client: Client, refresh_token: str) -> tuple[int, dict[str, Any]]:
    return await token_answer(client, grant_type="refresh_token", refresh_token=refresh_token)


async def patch_self(client: Client, access_token: str, **body: Any) -> Any:
    return await client.patch("/players/1", json=body, headers=bearer(access_token))


# Sign-up


@pytest.mark.parametrize(
    ("password", "error"),
    [(None, "missing"), ("short", "string_too_short"), ("x" * 129, "string_too_long")],
)
async def test_sign_up_needs_a_password_of_8_to_128_characters(
    auth_client: Client, password: str | None, error: str
) -> None:
    body = {"username": "ada", "email": "ada@example.com"}
    if password is not None:
        body["password"] = password
    response = await auth_client.post("/players/", json=body)
    assert response.status == 422
    (item,) = (await response.json())["detail"]
    assert (item["loc"], item["type"]) == (["body", "password"], error)


async def test_with_auth_off_sign_up_needs_no_password(client: Client) -> None:
    response = await client.post("/players/", json={"username": "ada", "email": "a@example.com"})
    assert response.status == 201


# The password grant


@pytest.mark.parametrize("login_name", ["ada", "ADA", "ada@example.com", "Ada@Example.com"])
async def test_login_by_username_or_email_case_insensitively(
    auth_client: Client, login_name: str
) -> None:
    player = await sign_up(auth_client, "ada")
    status, body = await token_answer(
        auth_client, grant_type="password", username=login_name, password=PASSWORD
    )
    assert status == 200, body
    assert body["token_type"] == "bearer"
    assert (body["scope"], body["player_id"], body["expires_in"]) == ("player", player["id"], 900)
    assert body["refresh_token"]
    response = await patch_self(auth_client, body["access_token"], username="ada2")
    assert response.status == 200


async def test_unknown_user_and_wrong_password_get_the_same_answer_in_about_the_same_time(
    auth_client: Client,
) -> None:
    await sign_up(auth_client, "ada")
    wrong = {"grant_type": "password", "username": "ada", "password": "not the password"}
    unknown = {"grant_type": "password", "username": "bob", "password": "not the password"}
    assert await token_answer(auth_client, **wrong) == await token_answer(auth_client, **unknown)
    assert (await token_answer(auth_client, **wrong)) == (
        400,
        {"error": "invalid_grant", "error_description": "Incorrect username or password"},
    )

    async def seconds(form: dict[str, str]) -> float:
        start = time.perf_counter()
        await auth_client.post("/auth/token", data=form)
        return time.perf_counter() - start

    # The fastest of several, taken in turns: what each costs, less the busy machine's noise.
    unknown_times, wrong_times = [], []
    for _ in range(7):
        unknown_times.append(await seconds(unknown))
        wrong_times.append(await seconds(wrong))
    ratio = min(unknown_times) / min(wrong_times)
    assert 0.5 < ratio < 2, ratio  # both hash once; without the dummy hash it is ~0.05


async def test_a_player_without_a_password_cannot_log_in(
    aiohttp_client: Any, settings: Settings, auth_settings: Settings
) -> None:
    """Players registered before accounts (AUTH=off, no password) wait for an admin."""
    before = await aiohttp_client(create_app(settings))
    assert (await before.post("/players/", json={"username": "old", "email": "o@ex.com"})).ok
    after = await aiohttp_client(create_app(auth_settings))
    status, body = await token_answer(
        after, grant_type="password", username="old", password="anything at all"
    )
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_login_rehashes_a_password_hashed_with_other_parameters(
    auth_client: Client, empty_tables: str
) -> None:
    await sign_up(auth_client, "ada")
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    await queries.set_password(auth_client.app[db_key], 1, weak)
    await login(auth_client, "ada")
    ((_, stored),) = pg.run(empty_tables, "password_hashes")
    assert stored != weak
    assert not HASHER.check_needs_rehash(stored)
    await login(auth_client, "ada")  # the new hash verifies


# Access tokens


def forged(claims: dict[str, Any], key: str = TEST_JWT_SECRET, **header: Any) -> str:
    now = int(time.time())
    payload = {"iss": "socialproof", "sub": "player:1", "iat": now, "exp": now + 60}
    payload |= {"jti": "x", "scope": "player", **claims}
    return jwt.encode(payload, key, algorithm="HS256", headers={"kid": kid_of(key), **header})


def with_payload(token: str, **claims: Any) -> str:
    """The token with claims changed in its payload, the signature left as it was."""
    header, payload, signature = token.split(".")
    decoded = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    changed = base64.urlsafe_b64encode(orjson.dumps({**decoded, **claims})).rstrip(b"=")
    return f"{header}.{changed.decode()}.{signature}"


def alg_none(claims: dict[str, Any]) -> str:
    header = {"alg": "none", "typ": "JWT", "kid": kid_of(TEST_JWT_SECRET)}
    parts = [base64.urlsafe_b64encode(orjson.dumps(part)).rstrip(b"=") for part in (header, claims)]
    return f"{parts[0].decode()}.{parts[1].decode()}."


async def test_tokens_that_fail_verification_are_refused(auth_client: Client) -> None:
    await sign_up(auth_client, "ada")
    await sign_up(auth_client, "bob")
    bob = (await login(auth_client, "bob"))["access_token"]
    now = int(time.time())
    base = {"iss": "socialproof", "sub": "player:1", "iat": now, "exp": now + 60}
    other_key = "another-key-that-is-long-enough-0123456789"
    refused = {
        "payload changed": with_payload(bob, sub="player:1"),
        "alg none": alg_none({**base, "jti": "x", "scope": "player"}),
        "another key": forged({}, key=other_key, kid=kid_of(TEST_JWT_SECRET)),
        "unknown kid": forged({}, key=other_key),
        "no kid": jwt.encode({**base, "jti": "x", "scope": "player"}, TEST_JWT_SECRET),
        "expired": forged({"iat": now - 100, "exp": now - 50}),
        "not yet valid": forged({"iat": now + 100, "nbf": now + 100, "exp": now + 200}),
        "no exp": forged({"exp": None}),
        "another issuer": forged({"iss": "someone-else"}),
        "player scope with admin": forged({"scope": "player admin"}),
        "garbage": "not.a.token",
    }
    assert (await patch_self(auth_client, forged({}), username="ada2")).status == 200
    for name, token in refused.items():
        response = await patch_self(auth_client, token, username="mallory")
        assert response.status == 401, name
        assert await response.json() == INVALID_TOKEN, name
        assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"', name


async def test_an_access_token_expires_after_access_token_ttl(
    aiohttp_client: Any, auth_settings: Settings
) -> None:
    client = await aiohttp_client(create_app(attrs.evolve(auth_settings, access_token_ttl=1)))
    await sign_up(client, "ada")
    tokens = await login(client, "ada")
    assert tokens["expires_in"] == 1
    assert (await patch_self(client, tokens["access_token"], username="ada2")).status == 200
    await asyncio.sleep(1 + LEEWAY_SECONDS + 0.5)
    response = await patch_self(client, tokens["access_token"], username="ada3")
    assert (response.status, await response.json()) == (401, INVALID_TOKEN)


async def test_a_previous_key_verifies_until_it_is_dropped(
    aiohttp_client: Any, auth_settings: Settings
) -> None:
    old = await aiohttp_client(create_app(auth_settings))
    await sign_up(old, "ada")
    token = (await login(old, "ada"))["access_token"]
    rotated = attrs.evolve(
        auth_settings,
        jwt_secret="the-next-signing-key-0123456789abcdef",
        jwt_previous_secrets=TEST_JWT_SECRET,
    )
    new = await aiohttp_client(create_app(rotated))
    assert (await patch_self(new, token, username="ada2")).status == 200
    dropped = await aiohttp_client(create_app(attrs.evolve(rotated, jwt_previous_secrets=None)))
    assert (await patch_self(dropped, token, username="ada3")).status == 401


async def test_a_malformed_authorization_header_counts_as_none(auth_client: Client) -> None:
    await sign_up(auth_client, "ada")
    for header in ("Basic YWRhOnB3", "Bearer", "Token abc"):
        response = await auth_client.patch("/players/1", json={}, headers={"Authorization": header})
        assert (response.status, await response.json()) == (401, {"detail": "Not authenticated"})
        assert response.headers["WWW-Authenticate"] == "Bearer"


# Refresh tokens and sessions


async def test_a_refresh_token_rotates_and_works_once(auth_client: Client) -> None:
    await sign_up(auth_client, "ada")
    first = await login(auth_client, "ada")
    status, second = await refresh(auth_client, first["refresh_token"])
    assert status == 200, second
    assert second["refresh_token"] != first["refresh_token"]
    assert (second["scope"], second["player_id"]) == ("player", 1)
    assert (await patch_self(auth_client, second["access_token"], username="ada2")).status == 200
    status, third = await refresh(auth_client, second["refresh_token"])
    assert status == 200, third


async def test_reusing_a_refresh_token_ends_its_whole_session(auth_client: Client) -> None:
    await sign_up(auth_client, "ada")
    other_session = await login(auth_client, "ada")
    first = await login(auth_client, "ada")
    _, second = await refresh(auth_client, first["refresh_token"])

    status, body = await refresh(auth_client, first["refresh_token"])  # replayed
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = await refresh(auth_client, second["refresh_token"])  # the newer one too
    assert (status, body["error"]) == (400, "invalid_grant")
    assert (await refresh(auth_client, other_session["refresh_token"]))[0] == 200


async def test_two_refreshes_racing_with_one_token_end_the_session(
    auth_client: Client, empty_tables: str
) -> None:
    """The database settles the race: one rotates, the other is a reuse and ends the session.

    A transaction holds the token's row while both requests arrive, so that they really race.
    """
    await sign_up(auth_client, "ada")
    tokens = await login(auth_client, "ada")
    blocker = await asyncpg.connect(empty_tables)
    try:
        async with blocker.transaction():
            await blocker.execute(pg.read("lock_refresh_tokens"))
            racing = [
                asyncio.create_task(refresh(auth_client, tokens["refresh_token"])) for _ in "ab"
            ]
            await asyncio.sleep(0.5)  # both requests now wait for the row
            assert not any(task.done() for task in racing)
        answers = await asyncio.gather(*racing)
    finally:
        await blocker.close()
    assert sorted(status for status, _ in answers) == [200, 400]
    ((_, rotated),) = [answer for answer in answers if answer[0] == 200]
    assert (await refresh(auth_client, rotated["refresh_token"]))[0] == 400


def sessions_and_tokens(database_url: str) -> tuple[int, int]:
    ((sessions, refresh_tokens),) = pg.run(database_url, "count_sessions_and_refresh_tokens")
    return sessions, refresh_tokens


async def test_refresh_tokens_an_hour_past_expiry_are_forgotten_with_their_sessions(
    auth_client: Client, empty_tables: str
) -> None:
    """Each login and each refresh forgets up to four such tokens, oldest first, and ends the
    sessions left with nothing newer: without it, every token issued would stay for good."""
    await sign_up(auth_client, "ada")
    for _ in range(3):  # three sessions of two tokens each, the first one used
        first = await login(auth_client, "ada")
        assert (await refresh(auth_client, first["refresh_token"]))[0] == 200
    await login(auth_client, "ada")  # and one of a single token
    assert sessions_and_tokens(empty_tables) == (4, 7)
    pg.run(empty_tables, "age_refresh_tokens")  # all expired two hours ago

    current = await login(auth_client, "ada")  # forgets the two oldest sessions' four tokens
    assert sessions_and_tokens(empty_tables) == (2 + 1, 3 + 1)
    status, rotated = await refresh(auth_client, current["refresh_token"])  # and the other three
    assert status == 200, rotated
    assert sessions_and_tokens(empty_tables) == (1, 2)  # the live session: used, newest
    assert (await refresh(auth_client, current["refresh_token"]))[0] == 400  # still a reuse
    assert (await refresh(auth_client, rotated["refresh_token"]))[0] == 400  # which ended it


async def test_a_session_outlives_its_used_tokens_while_its_newest_is_valid(
    auth_client: Client, empty_tables: str
) -> None:
    await sign_up(auth_client, "ada")
    first = await login(auth_client, "ada")
    _, second = await refresh(auth_client, first["refresh_token"])
    pg.run(empty_tables, "age_used_refresh_tokens")  # the first expired two hours ago
    await login(auth_client, "ada")  # forgets it
    assert sessions_and_tokens(empty_tables) == (2, 2)
    assert (await refresh(auth_client, second["refresh_token"]))[0] == 200


async def test_refresh_tokens_expired_within_the_hour_are_kept(
    auth_client: Client, empty_tables: str
) -> None:
    await sign_up(auth_client, "ada")
    first = await login(auth_client, "ada")
    assert (await refresh(auth_client, first["refresh_token"]))[0] == 200
    pg.run(empty_tables, "age_refresh_tokens_within_the_hour")
    await login(auth_client, "ada")
    assert sessions_and_tokens(empty_tables) == (2, 3)


async def test_revocation_ends_the_session(auth_client: Client) -> None:
    await sign_up(auth_client, "ada")
    tokens = await login(auth_client, "ada")
    for token in (tokens["refresh_token"], "not a token", ""):
        response = await auth_client.post("/auth/revoke", data={"token": token})
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
    assert (await refresh(auth_client, tokens["refresh_token"]))[0] == 400


async def test_deleting_a_player_ends_their_sessions(auth_client: Client) -> None:
    await sign_up(auth_client, "ada")
    tokens = await login(auth_client, "ada")
    response = await auth_client.delete("/players/1", headers=bearer(tokens["access_token"]))
    assert response.status == 204
    assert (await refresh(auth_client, tokens["refresh_token"]))[0] == 400


async def test_changing_the_password_ends_every_session(auth_client: Client) -> None:
    await sign_up(auth_client, "ada")
    one, two = await login(auth_client, "ada"), await login(auth_client, "ada")
    access = one["access_token"]

    response = await patch_self(auth_client, access, password="a new password")
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == ["body", "current_password"]
    response = await patch_self(
        auth_client, access, password="a new password", current_password="wrong one"
    )
    assert (response.status, await response.json()) == (
        400,
        {"detail": "Current password is incorrect"},
    )
    assert (await refresh(auth_client, one["refresh_token"]))[0] == 200  # nothing changed yet

    response = await patch_self(
        auth_client, access, password="a new password", current_password=PASSWORD
    )
    assert response.status == 200, await response.text()
    assert (await refresh(auth_client, two["refresh_token"]))[0] == 400
    status, _ = await token_answer(
        auth_client, grant_type="password", username="ada", password=PASSWORD
    )
    assert status == 400
    await login(auth_client, "ada", "a new password")


async def test_an_admin_sets_a_password_without_the_current_one(
    auth_client: Client, empty_tables: str
) -> None:
    await sign_up(auth_client, "ada")
    admin = bearer(await client_token(auth_client, empty_tables, "admin"))
    response = await auth_client.patch(
        "/players/1", json={"password": "set by an admin"}, headers=admin
    )
    assert response.status == 200
    await login(auth_client, "ada", "set by an admin")


# Passwords stay secret


async def test_no_password_or_hash_in_any_answer_or_log_line(
    auth_client: Client, empty_tables: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answers = []
    body = {"username": "ada", "email": "ada@example.com", "password": PASSWORD}
    for method, path, payload in [
        ("POST", "/players/", body),
        ("POST", "/players/", body),  # a duplicate: 400
        ("POST", "/players/", {**body, "username": "x"}),  # a 422
    ]:
        response = await auth_client.request(method, path, json=payload)
        answers.append(await response.text())
    tokens = await login(auth_client, "ada")
    for form in (
        {"grant_type": "password", "username": "ada", "password": PASSWORD},
        {"grant_type": "password", "username": "ada", "password": "a wrong password"},
    ):
        answers.append(await (await auth_client.post("/auth/token", data=form)).text())
    for path in ("/players/", "/players/1"):
        answers.append(await (await auth_client.get(path)).text())
        response = await auth_client.get(path, headers=bearer(tokens["access_token"]))
        answers.append(await response.text())
    response = await patch_self(
        auth_client, tokens["access_token"], password="new password!", current_password=PASSWORD
    )
    answers.append(await response.text())

    ((_, stored_hash),) = pg.run(empty_tables, "password_hashes")
    secrets = [PASSWORD, "a wrong password", "new password!", stored_hash, "$argon2id$"]
    logged = [record.getMessage() for record in caplog.records]
    assert answers and all(answers)
    for secret in secrets:
        assert not [text for text in answers + logged if secret in text], secret


def test_settings_never_show_the_signing_keys() -> None:
    settings = Settings(jwt_secret=TEST_JWT_SECRET, jwt_previous_secrets="old-key-0123456789")
    assert TEST_JWT_SECRET not in repr(settings)
    assert "old-key" not in repr(settings)


# Trusted clients, made with the CLI


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "socialproof", "clients", *args],
        env={**env, "DATABASE_URL": database_url},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_a_game_server_made_with_the_cli_records_results_over_http(
    auth_client: TestClient[Any, Any], empty_tables: str
) -> None:
    created = cli(empty_tables, "create", "game-server-eu", "--scope", "results:write")
    assert created.returncode == 0, created.stderr
    credentials = orjson.loads(created.stdout)
    assert set(credentials) == {"client_id", "client_secret", "scope"}
    assert credentials["scope"] == "results:write"

    basic = base64.b64encode(
        f"{credentials['client_id']}:{credentials['client_secret']}".encode()
    ).decode()
    response = await auth_client.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status == 200, await response.text()
    granted = await response.json()
    assert granted["scope"] == "results:write" and "refresh_token" not in granted
    server = bearer(granted["access_token"])

    await sign_up(auth_client, "ada")
    player = bearer((await login(auth_client, "ada"))["access_token"])
    response = await auth_client.post(
        "/scenarios/", json={**SCENARIO, "player_id": 1}, headers=player
    )
    assert response.status == 201
    response = await auth_client.post(
        "/scenarios/1/result", json={"is_successful": True}, headers=server
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["rating_after"] == 516.0

    listed = cli(empty_tables, "list")
    assert listed.returncode == 0, listed.stderr
    (row,) = [orjson.loads(line) for line in listed.stdout.splitlines()]
    assert row["client_id"] == credentials["client_id"] and row["revoked_at"] is None
    assert re.fullmatch("[0-9a-f]{24}", row["client_id"])
    assert credentials["client_secret"] not in listed.stdout

    revoked = cli(empty_tables, "revoke", credentials["client_id"])
    assert revoked.returncode == 0, revoked.stderr
    status, body = await token_answer(auth_client, grant_type="client_credentials", **credentials)
    assert (status, body["error"]) == (401, "invalid_client")


def test_the_cli_refuses_an_unknown_scope_and_an_unknown_client(empty_tables: str) -> None:
    result = cli(empty_tables, "create", "x", "--scope", "player")
    assert result.returncode != 0 and "scope must be" in result.stderr
    result = cli(empty_tables, "revoke", "no-such-client")
    assert result.returncode != 0 and "no client" in result.stderr


async def test_a_client_gets_only_the_scopes_it_has(auth_client: Client, empty_tables: str) -> None:
    created = cli(empty_tables, "create", "server", "--scope", "results:write")
    credentials = orjson.loads(created.stdout)
    pair = {key: credentials[key] for key in ("client_id", "client_secret")}
    status, body = await token_answer(
        auth_client, grant_type="client_credentials", scope="admin", **pair
    )
    assert (status, body["error"]) == (400, "invalid_scope")
    status, body = await token_answer(
        auth_client,
        grant_type="client_credentials",
        client_id=credentials["client_id"],
        client_secret="a wrong secret",
    )
    assert (status, body["error"]) == (401, "invalid_client")


# The token endpoint's other answers


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
        ({}, "invalid_request"),
        ({"grant_type": "password", "username": "ada"}, "invalid_request"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
        (
            {"grant_type": "password", "username": "ada", "password": PASSWORD, "scope": "admin"},
            "invalid_scope",
        ),
    ],
)
async def test_bad_token_requests_are_400_in_rfc_6749_shape(
    auth_client: Client, form: dict[str, str], error: str
) -> None:
    status, body = await token_answer(auth_client, **form)
    assert (status, body["error"]) == (400, error)
    assert set(body) == {"error", "error_description"}


async def test_a_json_token_request_is_invalid(auth_client: Client) -> None:
    response = await auth_client.post("/auth/token", json={"grant_type": "password"})
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"


# Signing keys at start-up


def test_the_embedded_server_keeps_a_random_key_beside_its_data(tmp_path: Path) -> None:
    settings = Settings(embedded_data_dir=tmp_path / "pgdata")
    first = with_signing_key(settings)
    path = key_file(settings)
    assert path.parent == tmp_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.jwt_secret is not None and len(first.jwt_secret) >= 32
    assert with_signing_key(settings).jwt_secret == first.jwt_secret


def test_with_a_database_url_and_no_key_start_up_stops_with_one_line(
    empty_tables: str,
) -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET"):
        with_signing_key(Settings(database_url=empty_tables))
    env = {k: v for k, v in os.environ.items() if k not in {"TEST_DATABASE_URL", "JWT_SECRET"}}
    line = refused_start({**env, "DATABASE_URL": empty_tables, "AUTH": "required"})
    assert "JWT_SECRET" in line
