"""SocialProof: players, scenarios and Elo skill ratings over plain SQL."""

from pathlib import Path

__version__ = "1.0.0"

#: The checkout's root: sql/ and migrations/ live beside the package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
