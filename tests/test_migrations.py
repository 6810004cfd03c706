"""yoyo migrations: all apply, all roll back, all apply again, on an empty database."""

from socialproof import MIGRATIONS_DIR, migrations
from tests import pg


def migration_ids() -> list[str]:
    return sorted(
        p.name.removesuffix(".sql")
        for p in MIGRATIONS_DIR.glob("*.sql")
        if not p.name.endswith(".rollback.sql")
    )


def test_every_migration_has_a_rollback() -> None:
    for migration_id in migration_ids():
        assert (MIGRATIONS_DIR / f"{migration_id}.rollback.sql").is_file(), migration_id


def test_apply_rollback_apply_on_an_empty_database(server_url: str) -> None:
    everything = migration_ids()
    assert everything, "no migrations found"
    with pg.fresh_database(server_url) as url:
        assert pg.run(url, "list_tables") == []
        assert migrations.pending(url) == everything

        assert migrations.apply(url) == everything
        assert migrations.pending(url) == []
        assert pg.run(url, "list_tables") == [
            ("game_scenarios",),
            ("player_profiles",),
            ("rating_bands",),
        ]

        assert migrations.rollback(url) == everything[-1:]
        assert migrations.pending(url) == everything[-1:]

        assert migrations.rollback(url, None) == list(reversed(everything[:-1]))
        assert migrations.pending(url) == everything
        assert pg.run(url, "list_tables") == []

        assert migrations.apply(url) == everything
        assert migrations.applied(url) == everything
