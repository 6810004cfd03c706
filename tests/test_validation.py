"""Request bodies and query strings: FastAPI's 422 shape, every bad field at once, strict JSON
types, and query text read as FastAPI reads it."""

import io
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.api import Client, create_player, create_scenario, get_json


async def post(client: Client, path: str, **kwargs: Any) -> tuple[int, Any]:
    if "data" in kwargs:  # raw bytes, labelled as JSON as a client would
        kwargs.setdefault("headers", {"Content-Type": "application/json"})
    response = await client.post(path, **kwargs)
    return response.status, await response.json()


def only_error(body: Any) -> dict[str, Any]:
    (error,) = body["detail"]
    assert set(error) == {"loc", "msg", "type"}
    assert isinstance(error["msg"], str) and error["msg"]
    return error


async def test_every_bad_field_is_reported(client: Client) -> None:
    status, body = await post(client, "/players/", json={"username": "x!", "email": 5})
    assert status == 422
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [
        (["body", "username"], "string_too_short"),
        (["body", "email"], "string_type"),
    ]


async def test_missing_fields_are_each_reported(client: Client) -> None:
    status, body = await post(client, "/scenarios/", json={"content": "c"})
    assert status == 422
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [
        (["body", "player_id"], "missing"),
        (["body", "scenario_type"], "missing"),
        (["body", "difficulty_level"], "missing"),
    ]


@pytest.mark.parametrize(
    ("body", "loc", "type_"),
    [
        ({"username": 123, "email": "a@example.com"}, "username", "string_type"),
        ({"username": None, "email": "a@example.com"}, "username", "string_type"),
        ({"username": "ab", "email": "a@example.com"}, "username", "string_too_short"),
        ({"username": "a" * 33, "email": "a@example.com"}, "username", "string_too_long"),
        ({"username": "bad name", "email": "a@example.com"}, "username", "string_pattern_mismatch"),
        ({"username": "bäd", "email": "a@example.com"}, "username", "string_pattern_mismatch"),
        ({"username": "good", "email": "not-an-email"}, "email", "value_error"),
        ({"username": "good", "email": "a@b"}, "email", "value_error"),
        ({"username": "good", "email": ["a@example.com"]}, "email", "string_type"),
    ],
)
async def test_player_fields(client: Client, body: dict[str, Any], loc: str, type_: str) -> None:
    status, answer = await post(client, "/players/", json=body)
    assert status == 422
    error = only_error(answer)
    assert (error["loc"], error["type"]) == (["body", loc], type_)


async def test_username_edges_are_accepted(client: Client) -> None:
    await create_player(client, "abc")
    await create_player(client, "A" * 32)
    await create_player(client, "a_b.c-9")


SCENARIO = {"player_id": 1, "scenario_type": "t", "content": "c", "difficulty_level": 5}


@pytest.mark.parametrize(
    ("change", "loc", "type_"),
    [
        ({"difficulty_level": "5"}, "difficulty_level", "int_type"),
        ({"difficulty_level": True}, "difficulty_level", "int_type"),
        ({"difficulty_level": 5.5}, "difficulty_level", "int_from_float"),
        ({"difficulty_level": 1e300}, "difficulty_level", "less_than_equal"),
        ({"difficulty_level": 10.0000001}, "difficulty_level", "int_from_float"),
        ({"difficulty_level": 0}, "difficulty_level", "greater_than_equal"),
        ({"difficulty_level": 11}, "difficulty_level", "less_than_equal"),
        ({"player_id": "1"}, "player_id", "int_type"),
        ({"player_id": None}, "player_id", "int_type"),
        ({"scenario_type": ""}, "scenario_type", "string_too_short"),
        ({"scenario_type": "t" * 51}, "scenario_type", "string_too_long"),
        ({"content": ""}, "content", "string_too_short"),
        ({"content": "c" * 10_001}, "content", "string_too_long"),
        ({"content": "a\x00b"}, "content", "string_pattern_mismatch"),
        ({"is_successful": "true"}, "is_successful", "bool_type"),
        ({"is_successful": 1}, "is_successful", "bool_type"),
    ],
)
async def test_scenario_fields(
    client: Client, change: dict[str, Any], loc: str, type_: str
) -> None:
    status, answer = await post(client, "/scenarios/", json={**SCENARIO, **change})
    assert status == 422
    error = only_error(answer)
    assert (error["loc"], error["type"]) == (["body", loc], type_)


async def test_whole_floats_count_as_integers_as_in_fastapi(client: Client) -> None:
    player = await create_player(client)
    body = {**SCENARIO, "player_id": float(player["id"]), "difficulty_level": 7.0}
    status, answer = await post(client, "/scenarios/", json=body)
    assert status == 201
    assert (answer["player_id"], answer["difficulty_level"]) == (player["id"], 7)


async def test_content_of_exactly_10000_characters_is_accepted(client: Client) -> None:
    player = await create_player(client)
    body = {**SCENARIO, "player_id": player["id"], "content": "é" * 10_000}
    status, answer = await post(client, "/scenarios/", json=body)
    assert status == 201
    assert answer["content"] == "é" * 10_000


async def test_unknown_fields_are_ignored(client: Client) -> None:
    status, body = await post(
        client,
        "/players/",
        json={"username": "user1", "email": "u@example.com", "player_skill_rating": 9000, "x": 1},
    )
    assert status == 201
    assert body["player_skill_rating"] == 500.0


@pytest.mark.parametrize("raw", [b"{", b"{'a': 1}", b"\xff\xfe", b'{"username": "a",}', b"nul"])
async def test_invalid_json_is_422_json_invalid(client: Client, raw: bytes) -> None:
    status, body = await post(
        client, "/players/", data=raw, headers={"Content-Type": "application/json"}
    )
    assert status == 422
    error = only_error(body)
    assert (error["loc"], error["type"]) == (["body"], "json_invalid")


@pytest.mark.parametrize("value", [[], [1], "text", 5, None, True])
async def test_a_body_that_is_not_an_object_is_422(client: Client, value: Any) -> None:
    status, body = await post(client, "/players/", data=json.dumps(value))
    assert status == 422
    error = only_error(body)
    assert (error["loc"], error["type"]) == (["body"], "model_attributes_type")


async def test_an_empty_body_is_422_missing(client: Client) -> None:
    status, body = await post(client, "/players/")
    assert status == 422
    error = only_error(body)
    assert (error["loc"], error["type"]) == (["body"], "missing")


@pytest.mark.parametrize("chunked", [False, True])
async def test_body_over_1_mib_is_413_and_nothing_is_stored(client: Client, chunked: bool) -> None:
    raw = json.dumps(
        {"username": "user1", "email": "u@example.com", "pad": "x" * (1024 * 1024)}
    ).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(raw), 65536):
            yield raw[start : start + 65536]

    status, body = await post(client, "/players/", data=chunks() if chunked else io.BytesIO(raw))
    assert status == 413
    assert isinstance(body["detail"], str)
    listing = await (await client.get("/players/")).json()
    assert listing == []


async def test_body_of_exactly_1_mib_is_read(client: Client) -> None:
    prefix = b'{"username": "user1", "email": "u@example.com", "pad": "'
    suffix = b'"}'
    raw = prefix + b"x" * (1024 * 1024 - len(prefix) - len(suffix)) + suffix
    assert len(raw) == 1024 * 1024
    status, _ = await post(client, "/players/", data=io.BytesIO(raw))
    assert status == 201


TRUE_SPELLINGS = ["true", "True", "1", "yes", "YES", "on", "On", "t", "T", "y", "Y"]
FALSE_SPELLINGS = ["false", "FALSE", "0", "no", "No", "off", "OFF", "f", "F", "n", "N"]


async def test_query_booleans_are_read_as_fastapi_reads_them(client: Client) -> None:
    player = await create_player(client)
    won = await create_scenario(client, player["id"], is_successful=True)
    lost = await create_scenario(client, player["id"], is_successful=False)
    path = f"/players/{player['id']}/scenarios"
    for spelling in TRUE_SPELLINGS:
        assert await get_json(client, path, is_successful=spelling) == [won], spelling
    for spelling in FALSE_SPELLINGS:
        assert await get_json(client, path, is_successful=spelling) == [lost], spelling
    for spelling in ["", "2", "maybe", "yess", "tru"]:
        response = await client.get(path, params={"is_successful": spelling})
        assert response.status == 422, spelling
        error = only_error(await response.json())
        assert (error["loc"], error["type"]) == (["query", "is_successful"], "bool_parsing")
