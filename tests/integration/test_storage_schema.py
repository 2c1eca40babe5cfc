"""The migration is the schema: it applies idempotently and matches the models."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from storage.db import alembic_config, database_url, include_object, make_engine, upgrade
from storage.models import Base

if TYPE_CHECKING:
    from tests.conftest import Database


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param("sqlite:///x.db", "sqlite+aiosqlite:///x.db", id="sqlite-relative"),
        pytest.param("sqlite:////var/x.db", "sqlite+aiosqlite:////var/x.db", id="sqlite-absolute"),
        pytest.param("sqlite:///:memory:", "sqlite+aiosqlite:///:memory:", id="sqlite-memory"),
        pytest.param("postgresql://u:p@h/db", "postgresql+asyncpg://u:p@h/db", id="postgresql"),
        pytest.param("postgres://u@h:5433/db", "postgresql+asyncpg://u@h:5433/db", id="postgres"),
        pytest.param("sqlite+pysqlite:///x.db", "sqlite+pysqlite:///x.db", id="explicit-sqlite"),
        pytest.param(
            "postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db", id="explicit-postgres"
        ),
    ],
)
def test_database_url_maps_plain_schemes_to_async_drivers(given: str, expected: str) -> None:
    assert database_url(given) == expected


async def test_upgrade_twice_is_idempotent(db: Database) -> None:
    await upgrade(db.engine)
    await upgrade(db.engine)
    async with db.engine.connect() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    assert version == [(ScriptDirectory.from_config(alembic_config()).get_current_head(),)]


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"include_object": include_object, "compare_type": True}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_models(db: Database) -> None:
    async with db.engine.connect() as conn:
        differences = await conn.run_sync(_differences)
    assert differences == []


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_full_text_objects_exist_for_the_dialect(db: Database) -> None:
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(_table_names)
        if db.dialect == "sqlite":
            assert "articles_fts" in tables
            triggers = await conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            )
            assert [r[0] for r in triggers] == [
                "articles_fts_after_delete",
                "articles_fts_after_insert",
                "articles_fts_after_update",
            ]
        else:
            column = await conn.execute(
                text(
                    "SELECT data_type, is_generated FROM information_schema.columns"
                    " WHERE table_name = 'articles' AND column_name = 'search_vector'"
                )
            )
            assert column.one() == ("tsvector", "ALWAYS")


async def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(
    sqlite_db: Database,
) -> None:
    async with sqlite_db.engine.connect() as conn:
        pragmas = {
            name: (await conn.execute(text(f"PRAGMA {name}"))).scalar_one()
            for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
        }
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 1,  # NORMAL
        "busy_timeout": 30_000,
    }


async def test_make_engine_creates_the_database_directory(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "chaikhana.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    assert path.exists()


async def test_upgrade_accepts_a_url(tmp_path: Path) -> None:
    path = tmp_path / "by-url.db"
    await upgrade(f"sqlite:///{path}")
    await upgrade(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM articles"))).scalar_one() == 0
    finally:
        await engine.dispose()


async def test_sqlite_engine_uses_one_hop_cursors(sqlite_db: Database) -> None:
    from storage._aiosqlite import OneHopConnection

    async with sqlite_db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, OneHopConnection)
        rows = (await conn.execute(text("SELECT 1 UNION ALL SELECT 2"))).all()
        many = await conn.execute(
            text("INSERT INTO stories (created_at, updated_at, article_count) VALUES (:t, :t, 0)"),
            [{"t": "2026-01-01 00:00:00"}, {"t": "2026-01-02 00:00:00"}],
        )
    assert rows == [(1,), (2,)]
    assert many.rowcount == 2


async def test_reminders_migration_downgrades_and_upgrades_again(db: Database) -> None:
    """0006 has a working downgrade on both databases (batch mode on SQLite)."""
    from alembic import command

    from storage.db import alembic_config

    def down_and_up(connection: Connection) -> tuple[set[str], set[str]]:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
        after_down = _table_names(connection)
        columns = {c["name"] for c in inspect(connection).get_columns("deliveries")}
        command.upgrade(config, "head")
        return after_down, columns

    async with db.engine.begin() as conn:
        tables, columns = await conn.run_sync(down_and_up)
    assert "event_reminders" not in tables and "kind" not in columns
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_differences) == []
