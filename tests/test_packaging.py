"""`pip install .` into a fresh venv: the installed service finds its SQL files and migrations
wherever it runs, with no checkout beside it."""

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from socialproof import MIGRATIONS_DIR, PROJECT_ROOT, SQL_DIR
from tests.test_cli import call, free_port, service_env, up

# What a build reads from the checkout; the rest (the venv, caches, data) stays behind, and
# the build's own scratch folders are written in the copy, not in the checkout.
_NOT_BUILT_FROM = shutil.ignore_patterns(
    ".*", "build", "*.egg-info", "__pycache__", "bench", "tests"
)


def sql_files(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*.sql")}


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh venv with the project installed from a wheel built off a copy
    of the checkout."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(PROJECT_ROOT, source, ignore=_NOT_BUILT_FROM)
    run(sys.executable, "-m", "venv", tmp / "venv", cwd=tmp)
    bin_dir = tmp / "venv" / "bin"
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", source, cwd=tmp)
    return bin_dir


def outside_env(**settings: str) -> dict[str, str]:
    """The environment of a service run by hand: nothing points back at the checkout."""
    env = service_env(**settings)
    env.pop("PYTHONPATH", None)
    return env


@pytest.mark.wheel
def test_the_wheel_carries_every_sql_file(installed: Path, tmp_path: Path) -> None:
    shipped = run(
        installed / "python",
        "-c",
        "import socialproof; print(socialproof.SQL_DIR); print(socialproof.MIGRATIONS_DIR)",
        cwd=tmp_path,
        env=outside_env(),
    )
    sql_dir, migrations_dir = map(Path, shipped.split())
    assert installed.parent in sql_dir.parents, sql_dir
    assert installed.parent in migrations_dir.parents, migrations_dir
    assert sql_files(sql_dir) == sql_files(SQL_DIR)
    assert sql_files(migrations_dir) == sql_files(MIGRATIONS_DIR)


@pytest.mark.wheel
def test_installed_service_lists_migrations_and_serves_outside_the_checkout(
    installed: Path, tmp_path: Path, database_url: str
) -> None:
    env = outside_env(DATABASE_URL=database_url)
    listing = run(installed / "socialproof", "migrate", "list", cwd=tmp_path, env=env)
    ids = sorted(name.removesuffix(".sql") for name in sql_files(MIGRATIONS_DIR))
    ids = [i for i in ids if not i.endswith(".rollback")]
    assert listing.splitlines() == [f"applied  {migration_id}" for migration_id in ids]

    port = free_port()
    process = subprocess.Popen(
        [installed / "socialproof", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        up(port, process)
        assert call(port, "/leaderboard")[0] == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)
