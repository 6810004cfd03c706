"""sql/ is the whole of what the service runs, and every file in it reads well in review."""

import ast
import re
from pathlib import Path

import pytest

import socialproof
import socialproof.queries  # binds every statement it uses
from socialproof import SQL_DIR
from socialproof.sqlfiles import SQL

SQL_NAMES = sorted(SQL.names())
PACKAGE = Path(socialproof.__file__).parent
SQL_WORDS = re.compile(
    r"\b(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|WITH\s+\w+\s+AS)\b"
)


def test_every_sql_file_is_used_by_the_code() -> None:
    assert SQL_NAMES
    assert SQL.used == set(SQL_NAMES)


def test_no_sql_text_in_the_package() -> None:
    """Every string literal in socialproof/ is checked: none is a statement."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and SQL_WORDS.search(node.value):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("name", SQL_NAMES)
def test_sql_file_header_documents_purpose_parameters_and_index(name: str) -> None:
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("--")]
    assert header and header[0].startswith(f"-- {name}: "), "first line: '-- <name>: purpose'"
    header_text = "\n".join(header)
    assert "-- Returns:" in header_text
    assert re.search(r"^-- Index(es)?:", header_text, re.MULTILINE)
    used = {int(n) for n in re.findall(r"\$(\d+)", text)}
    if used:
        assert used == set(range(1, max(used) + 1)), "parameters are $1..$n without gaps"
        for number in used:
            assert re.search(rf"^--\s+\${number}\s+\w+", header_text, re.MULTILINE), (
                f"${number} is not documented under Parameters:"
            )
    else:
        assert "-- Parameters: none" in header_text


@pytest.mark.parametrize("name", SQL_NAMES)
def test_sql_file_holds_one_statement(name: str) -> None:
    body = "\n".join(
        line
        for line in (SQL_DIR / f"{name}.sql").read_text().splitlines()
        if not line.startswith("--")
    ).strip()
    assert body.endswith(";")
    assert body.count(";") == 1, "one statement per file"
