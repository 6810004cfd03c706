"""Helpers for tests of accounts and access: sign up, log in, tokens for clients."""

import asyncio
from typing import Any

from socialproof.auth import clients
from tests.api import Client

TEST_JWT_SECRET = "a-signing-key-for-tests-only-0123456789"
PASSWORD = "correct horse battery"


async def sign_up(client: Client, username: str, password: str = PASSWORD) -> dict[str, Any]:
    body = {"username": username, "email": f"{username}@example.com", "password": password}
    response = await client.post("/players/", json=body)
    assert response.status == 201, await response.text()
    return await response.json()


async def login(client: Client, username: str, password: str = PASSWORD) -> dict[str, Any]:
    form = {"grant_type": "password", "username": username, "password": password}
    response = await client.post("/auth/token", data=form)
    assert response.status == 200, await response.text()
    return await response.json()


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


async def new_client(database_url: str, scope: str) -> dict[str, str]:
    """A trusted client made as ops make one (the CLI's function), off the event loop."""
    return await asyncio.to_thread(clients.create_client, database_url, "test client", scope)


async def client_token(client: Client, database_url: str, scope: str) -> str:
    """An access token of a new client with `scope`, by the client-credentials grant."""
    credentials = await new_client(database_url, scope)
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials["client_id"],
        "client_secret": credentials["client_secret"],
    }
    response = await client.post("/auth/token", data=form)
    assert response.status == 200, await response.text()
    return (await response.json())["access_token"]
