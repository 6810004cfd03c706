"""socialproof/pgserver.py: waiting for a server is bounded, and a database it drops is gone."""

import secrets
import socket
import time

import psycopg
import pytest

from socialproof.pgserver import create_database, drop_database, free_port, wait_for_port


def test_wait_for_port_returns_once_something_listens() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        wait_for_port("127.0.0.1", listener.getsockname()[1], timeout=5)


def test_wait_for_port_gives_up_after_its_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="nothing answered"):
        wait_for_port("127.0.0.1", free_port(), timeout=0.5)
    assert time.monotonic() - started < 3


def test_wait_for_port_stops_as_soon_as_the_server_is_gone() -> None:
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="exited"):
        wait_for_port("127.0.0.1", free_port(), timeout=30, gone=lambda: True)
    assert time.monotonic() - started < 3


def test_a_dropped_database_is_gone_and_dropping_again_is_harmless(server_url: str) -> None:
    name = f"socialproof_test_{secrets.token_hex(4)}"
    url = create_database(server_url, name)
    psycopg.connect(url, connect_timeout=10).close()
    drop_database(server_url, name)
    drop_database(server_url, name)
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        psycopg.connect(url, connect_timeout=10)
