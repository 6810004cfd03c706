"""pgbouncer for the tests: with TEST_PGBOUNCER=1 every test app reaches its database through
one pgbouncer in transaction mode, set up as the README says for pgbouncer before 1.21
(DB_STATEMENT_CACHE_SIZE=0); tests of pgbouncer itself start their own with `running`. Either
way a machine without pgbouncer skips them, saying so."""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import attrs
import pytest

from socialproof import pgserver
from socialproof.settings import Settings

# Set by .ci/run for its pass through pgbouncer.
PASS = os.environ.get("TEST_PGBOUNCER", "") not in {"", "0"}

# The statement cache that works through any pgbouncer in transaction mode; the default else.
STATEMENT_CACHE_SIZE = 0 if PASS else attrs.fields(Settings).statement_cache_size.default

# The suite's apps and their pools come and go by the hundred.
OPTIONS = {"max_client_conn": 1000, "log_connections": 0, "log_disconnections": 0}


@contextmanager
def running(
    database_url: str,
    *,
    statement_timeout: float | None = None,
    options: Mapping[str, object] | None = None,
) -> Iterator[str]:
    """A pgbouncer in transaction mode in front of `database_url` for the block (see
    socialproof.pgserver.pgbouncer); yields its URL. Skips the test without pgbouncer."""
    if pgserver.pgbouncer_program() is None:
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    settings = {**OPTIONS, **(options or {})}
    with pgserver.pgbouncer(
        database_url, statement_timeout=statement_timeout, options=settings
    ) as bouncer:
        yield bouncer.url


def service_env() -> dict[str, str]:
    """The environment a served process needs beside DATABASE_URL in this pass."""
    return {"DB_STATEMENT_CACHE_SIZE": str(STATEMENT_CACHE_SIZE)}
