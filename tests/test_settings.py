"""Settings: read from the environment as declared, and documented as declared."""

import re
from pathlib import Path

import pytest

from socialproof import PROJECT_ROOT
from socialproof.settings import Settings, SettingsError, env_names

README = PROJECT_ROOT / "README.md"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
_ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \| (.+?) \| .+ \|$")


def readme_settings() -> dict[str, str]:
    """The README's settings table: variable -> default as written."""
    text = README.read_text(encoding="utf-8")
    table = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return {m[1]: m[2] for line in table.splitlines() if (m := _ROW.match(line))}


def shown(default: object) -> str:
    """A default as the README writes it."""
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, Path):
        return f"`{default}`"
    if isinstance(default, float) and default.is_integer():
        return f"`{int(default)}`"
    if isinstance(default, tuple):
        return f"`{','.join(map(str, default))}`" if default else "none"
    return f"`{default}`"


def test_readme_table_lists_every_setting_with_its_default() -> None:
    documented = readme_settings()
    declared = {env: shown(field.default) for env, field in env_names().items()}
    assert documented == declared


def test_env_example_names_only_real_settings() -> None:
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE)
    assert names, ".env.example lists no settings"
    assert set(names) <= set(env_names())


def test_environment_values_are_typed(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "PORT": "8080",
            "DB_TIMEOUT": "2.5",
            "ACCESS_LOG": "Yes",
            "MIGRATE_ON_START": "0",
            "LOG_LEVEL": "debug",
            "HOST": "",
        },
        env_file=tmp_path / "absent.env",
    )
    assert (settings.port, settings.db_timeout) == (8080, 2.5)
    assert (settings.access_log, settings.migrate_on_start) == (True, False)
    assert settings.log_level == "DEBUG"
    assert settings.host == "127.0.0.1"  # empty counts as unset


def test_env_file_fills_in_what_the_environment_lacks(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=9000\nWORKERS=3\n")
    settings = Settings.from_env({"PORT": "9100"}, env_file=env_file)
    assert (settings.port, settings.workers) == (9100, 3)


def test_lists_are_comma_separated(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "METRICS_ALLOW_IPS": "10.0.0.0/8, ::1,",
            "CORS_ALLOW_ORIGINS": "https://a.example , http://localhost:3000",
        },
        env_file=tmp_path / "absent.env",
    )
    assert [str(network) for network in settings.metrics_allow_ips] == ["10.0.0.0/8", "::1/128"]
    assert settings.cors_allow_origins == ("https://a.example", "http://localhost:3000")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PORT": "eighty"}, "PORT must be a number, not 'eighty'"),
        ({"WORKERS": "0"}, "WORKERS must be at least 1, not 0"),
        ({"ACCESS_LOG": "maybe"}, "ACCESS_LOG must be one of"),
        ({"DB_POOL_MIN_SIZE": "40"}, "DB_POOL_MIN_SIZE must not exceed DB_POOL_MAX_SIZE"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of auto, json, text, not 'xml'"),
        ({"METRICS_ALLOW_IPS": "localhost"}, "METRICS_ALLOW_IPS must be addresses or CIDRs"),
    ],
)
def test_bad_values_name_their_variable(
    tmp_path: Path, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=f"^{re.escape(message)}"):
        Settings.from_env(environ, env_file=tmp_path / "absent.env")
