"""SocialProof: players, scenarios and Elo skill ratings over plain SQL."""

from pathlib import Path

__version__ = "1.0.0"

_PACKAGE_DIR = Path(__file__).resolve().parent

#: The folder that holds the package: the checkout's root in a checkout or an editable install.
PROJECT_ROOT = _PACKAGE_DIR.parent


def _sql_folder(in_checkout: str, in_wheel: str) -> Path:
    """A folder of SQL files: the checkout's own, beside the package, or the copy a wheel
    carries inside the package."""
    shipped = _PACKAGE_DIR / in_wheel
    return shipped if shipped.is_dir() else PROJECT_ROOT / in_checkout


SQL_DIR = _sql_folder("sql", "sql")
MIGRATIONS_DIR = _sql_folder("migrations", "migration_files")
