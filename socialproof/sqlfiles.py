"""The statements in sql/, read once at start-up: one statement per file, named by its path.

`sql/players/get_by_id.sql` is `SQL["players/get_by_id"]`. Parameters are asyncpg's native
`$1, $2, ...`, so a file runs as is in psql (`PREPARE q AS ...`) and asyncpg prepares and
caches each statement per connection.
"""

from pathlib import Path

from socialproof import SQL_DIR


class SqlFiles:
    """Statement texts by name; remembers which names the code asked for."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._texts = {
            path.relative_to(root).with_suffix("").as_posix(): path.read_text(
                encoding="utf-8"
            ).strip()
            for path in sorted(root.rglob("*.sql"))
        }
        self.used: set[str] = set()

    def __getitem__(self, name: str) -> str:
        text = self._texts[name]  # a KeyError at import time names a missing file
        self.used.add(name)
        return text

    def names(self) -> set[str]:
        return set(self._texts)

    def texts(self) -> dict[str, str]:
        return dict(self._texts)


SQL = SqlFiles(SQL_DIR)
