"""Trusted clients (game servers, operators' tools), for `python -m socialproof clients ...`.

A client gets access tokens with its scopes through the client-credentials grant. Its secret
is shown once, when it is created; only its SHA-256 is stored.
"""

import asyncio
import secrets
from typing import Any

import asyncpg

from socialproof import queries
from socialproof.auth.principal import ADMIN, RESULTS_WRITE
from socialproof.auth.tokens import token_hash

CLIENT_SCOPES = (RESULTS_WRITE, ADMIN)
CONNECT_TIMEOUT = 10


class ClientError(ValueError):
    """A request ops can fix: an unknown scope, an unknown client."""


def scope_text(scope: str) -> str:
    """A requested scope in its stored form: known scopes, each once, in a fixed order."""
    requested = set(scope.split())
    unknown = requested - set(CLIENT_SCOPES)
    if unknown or not requested:
        raise ClientError(f"scope must be one or more of {', '.join(CLIENT_SCOPES)}; not {scope!r}")
    return " ".join(s for s in CLIENT_SCOPES if s in requested)


async def _with_connection(database_url: str, work: Any) -> Any:
    # A command runs each statement once: nothing to keep prepared, and so nothing that a
    # pooler's shared server connections could lose.
    conn = await asyncpg.connect(database_url, timeout=CONNECT_TIMEOUT, statement_cache_size=0)
    try:
        return await work(conn)
    finally:
        await conn.close(timeout=CONNECT_TIMEOUT)


def create_client(database_url: str, name: str, scope: str) -> dict[str, str]:
    """Register a client; returns {"client_id", "client_secret", "scope"} (the only time the
    secret is seen)."""
    scope = scope_text(scope)
    if not 1 <= len(name) <= 100:
        raise ClientError("NAME must be 1 to 100 characters")
    # Hex rather than URL-safe base64: an id that began with "-" would read as an option
    # to the CLI's revoke command and to most shell tools.
    client_id = secrets.token_hex(12)
    secret = secrets.token_urlsafe(32)

    async def work(conn: asyncpg.Connection) -> dict[str, str]:
        row = await queries.create_client(conn, client_id, name, token_hash(secret), scope)
        return {"client_id": row["client_id"], "client_secret": secret, "scope": row["scope"]}

    return asyncio.run(_with_connection(database_url, work))


def list_clients(database_url: str) -> list[dict[str, Any]]:
    async def work(conn: asyncpg.Connection) -> list[dict[str, Any]]:
        return [
            {
                "client_id": row["client_id"],
                "name": row["name"],
                "scope": row["scope"],
                "created_at": row["created_at"].isoformat(),
                "revoked_at": row["revoked_at"] and row["revoked_at"].isoformat(),
            }
            for row in await queries.list_clients(conn)
        ]

    return asyncio.run(_with_connection(database_url, work))


def revoke_client(database_url: str, client_id: str) -> dict[str, str]:
    async def work(conn: asyncpg.Connection) -> dict[str, str]:
        row = await queries.revoke_client(conn, client_id)
        if row is None:
            raise ClientError(f"no client {client_id!r}")
        return {"client_id": row["client_id"], "revoked_at": row["revoked_at"].isoformat()}

    return asyncio.run(_with_connection(database_url, work))
