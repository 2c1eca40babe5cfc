"""Upgrades are safe: the previous release's database, holding data, upgrades to head with the
data intact, and every migration's downgrade works, on SQLite and PostgreSQL.

The revisions are walked from the migration scripts, so revisions added later are covered.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import articles, search, sources, subscriptions
from storage.db import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    make_sessionmaker,
    upgrade,
)
from tests.conftest import _admin, _find_admin_url, _with_database
from tests.integration.test_storage_schema import _differences

# The head of the last release: the schema a running deployment has before it upgrades.
PREVIOUS_HEAD = "0002"
T = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
_SKIP = ("alembic_version", "articles_fts")  # FTS5 shadow tables carry derived data only
_DERIVED = {"search_vector"}  # PostgreSQL's generated index column: rebuilt when search changes


def revisions() -> list[str]:
    """Return every revision, base first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


@pytest_asyncio.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """Yield an engine on a database with no schema at all."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        try:
            yield engine
        finally:
            await engine.dispose()
        return
    admin_url = await _find_admin_url()
    name = f"chaikhana_test_{uuid.uuid4().hex[:16]}"
    await _admin(f'CREATE DATABASE "{name}"')
    engine = make_engine(_with_database(admin_url, name))
    try:
        yield engine
    finally:
        await engine.dispose()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reflect(connection: Connection) -> MetaData:
    meta = MetaData()
    meta.reflect(connection)
    return meta


ROWS: dict[str, list[dict[str, Any]]] = {
    "sources": [
        {"id": 1, "kind": "rss", "url": "https://kun.uz/rss", "name": "Kun.uz", "country": "uz",
         "lang": "uz", "active": True, "etag": '"e1"', "failures": 0, "articles_total": 1,
         "last_ok_at": T, "next_attempt_at": T, "created_at": T, "weight": 1.5},
        {"id": 2, "kind": "page", "url": "https://kaztag.kz/ru/", "name": "КазТАГ",
         "country": "kz", "lang": "ru", "active": False, "failures": 3, "articles_total": 1,
         "last_error": "HTTP 503", "created_at": T, "weight": 1.0},
    ],
    "stories": [{"id": 1, "created_at": T, "updated_at": T, "article_count": 2}],
    "articles": [
        {"id": 1, "source_id": 1, "source_name": "Kun.uz", "url": "https://kun.uz/news/1",
         "canonical_url": "https://kun.uz/news/1", "guid": "kun-1",
         "title": "Тоқаев рақамли давлат ҳақида гапирди",
         "text": "Қозоғистон Президенти Тоқаев рақамли давлат қуриш ҳақида гапирди.",
         "summary": "Тоқаев рақамли давлат ҳақида.", "published": T, "ingested_at": T,
         "lang": "uz", "script": "Cyrl", "content_hash": "h1", "story_id": 1, "features": {}},
        {"id": 2, "source_id": 2, "source_name": "КазТАГ", "url": "https://kaztag.kz/ru/2",
         "canonical_url": "https://kaztag.kz/ru/2", "guid": None,
         "title": "Токаев рассказал о цифровом государстве",
         "text": "Президент Казахстана Токаев рассказал о строительстве цифрового государства.",
         "summary": "Токаев о цифровом государстве.", "published": None, "ingested_at": T,
         "lang": "ru", "script": "Cyrl", "content_hash": "h2", "story_id": 1, "features": {}},
    ],
    "events": [
        {"id": 1, "key": "ict-week-2025", "name": "ICT Week 2025", "start": date(2025, 4, 8),
         "end": date(2025, 4, 11), "place": "Dushanbe", "country": "tj"},
    ],
    "article_events": [{"article_id": 1, "event_id": 1}],
    "article_tags": [
        {"article_id": 1, "kind": "country", "value": "kz"},
        {"article_id": 2, "kind": "topic", "value": "govtech"},
    ],
    "article_keys": [{"article_id": 1, "key": "tokayev"}],
    "subscribers": [
        {"id": 1, "chat_id": 1001, "chat_type": "private", "title": "Айгүл", "ui_lang": "kk",
         "timezone": "Asia/Almaty", "active": True, "created_at": T},
        {"id": 2, "chat_id": -100200, "chat_type": "channel", "title": "Tajik Tech",
         "ui_lang": "tg", "timezone": "Asia/Dushanbe", "active": False,
         "deactivated_reason": "Forbidden: bot was kicked", "created_at": T},
    ],
    "subscriptions": [
        {"id": 1, "subscriber_id": 1, "countries": ["kz", "kg"], "topics": ["ai"],
         "keywords_include": ["Алатау"], "keywords_exclude": ["crypto"], "cadence": "daily",
         "weekday": None, "time_of_day": "09:00", "timezone": "Asia/Almaty", "thread_id": None,
         "paused": False, "last_period_end": T, "created_at": T, "digest_size": 7,
         "next_due_at": T, "cancelled_at": None},
        {"id": 2, "subscriber_id": 2, "countries": ["tj"], "topics": [],
         "keywords_include": [], "keywords_exclude": [], "cadence": "weekly", "weekday": 0,
         "time_of_day": "10:30", "timezone": "Asia/Dushanbe", "thread_id": None, "paused": True,
         "last_period_end": None, "created_at": T, "digest_size": 10, "next_due_at": None,
         "cancelled_at": None},
    ],
    "digests": [
        {"id": 1, "key": "kz,kg|ai|kk|2026-11-30", "lang": "kk", "period_start": T,
         "period_end": T, "story_ids": [1], "texts": ["<b>Тоқаев</b> цифрлық мемлекет"],
         "story_count": 1, "created_at": T},
    ],
    "deliveries": [
        {"id": 1, "subscription_id": 1, "period_key": "2026-11-30", "status": "sent",
         "attempts": 1, "claimed_by": "host:1", "claimed_at": T, "message_ids": [77],
         "created_at": T, "sent_at": T, "digest_id": 1},
        {"id": 2, "subscription_id": 1, "period_key": "2026-12-01", "status": "pending",
         "attempts": 0, "message_ids": [], "created_at": T, "digest_id": 1},
    ],
}  # fmt: skip


def _insert(connection: Connection) -> None:
    meta = _reflect(connection)
    for table, rows in ROWS.items():  # in foreign-key order
        keys = {k for row in rows for k in row}  # executemany wants the same keys in each row
        connection.execute(meta.tables[table].insert(), [{k: r.get(k) for k in keys} for r in rows])
    if connection.dialect.name == "postgresql":  # ids were given: move the sequences past them
        for table in ROWS:
            if "id" in meta.tables[table].c:
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )


def _snapshot(connection: Connection, columns: dict[str, list[str]] | None = None) -> Any:
    """Return every row of every table (only ``columns``' columns when given), in key order."""
    meta = _reflect(connection)
    tables = columns or {
        name: [c.name for c in t.c if c.name not in _DERIVED]
        for name, t in meta.tables.items()
        if not name.startswith(_SKIP)
    }
    out = {}
    for name, cols in tables.items():
        table = meta.tables[name]
        key = [c for c in table.primary_key.columns] or list(table.c)
        rows = connection.execute(select(*(table.c[c] for c in cols)).order_by(*key))
        out[name] = [dict(r._mapping) for r in rows]
    return out


def _columns(connection: Connection, snapshot: dict[str, list[dict[str, Any]]]) -> Any:
    insp = inspect(connection)
    return {name: [c["name"] for c in insp.get_columns(name)] for name in snapshot}


async def _run(engine: AsyncEngine, fn: Any, *args: Any) -> Any:
    async with engine.begin() as connection:
        return await connection.run_sync(fn, *args)


def test_the_previous_head_is_a_revision_and_head_is_after_it() -> None:
    chain = revisions()
    assert chain[0] == "0001" and PREVIOUS_HEAD in chain
    assert chain.index(PREVIOUS_HEAD) < len(chain) - 1, "no migration since the previous release"
    assert chain[-1] == head_revision()


async def test_a_previous_release_database_upgrades_to_head_with_its_data(
    empty: AsyncEngine,
) -> None:
    await upgrade(empty, PREVIOUS_HEAD)
    assert await current_revision(empty) == PREVIOUS_HEAD
    await _run(empty, _insert)
    before = await _run(empty, _snapshot)
    assert sum(len(rows) for rows in before.values()) == sum(len(r) for r in ROWS.values())

    await upgrade(empty)

    assert await current_revision(empty) == head_revision()
    columns = await _run(empty, _columns, before)
    for table, old in before.items():  # no column the old release had is gone
        assert set(old[0] if old else []) <= set(columns[table]), table
    old_columns = {t: list(rows[0]) for t, rows in before.items() if rows}
    assert await _run(empty, _snapshot, old_columns) == {t: r for t, r in before.items() if r}
    async with empty.connect() as connection:
        assert await connection.run_sync(_differences) == []

    # and the new code reads the old rows, and writes beside them
    db = make_sessionmaker(empty)
    async with db() as session:
        stored = await sources.list_all(session)
        assert [(s.name, s.weight, s.health) for s in stored] == [
            ("Kun.uz", 1.5, "ok"),
            ("КазТАГ", 1.0, "paused"),
        ]
        article = await articles.get(session, 2)
        assert article is not None and article.title.startswith("Токаев")
        hits = await search.search(session, "Токаев")
        assert [h.article_id for h in hits] == [2]
        # the stored articles' word forms were worked out: "государство" meets "государства"
        hits = await search.search(session, "государство")
        assert [h.article_id for h in hits] == [2]
        view = await subscriptions.get(session, 1001)
        assert view is not None and view.countries == ("kz", "kg")
    async with db() as session, session.begin():
        added = await sources.add(session, kind="rss", url="https://asiaplus.tj/rss")
        claimed = await sources.claim_due(session, T, owner="new:1", lease=60)
    assert added.id == 3
    assert [s.id for s in claimed] == [3, 1]


async def test_every_migration_downgrades_and_upgrades_again(empty: AsyncEngine) -> None:
    chain = revisions()
    await upgrade(empty)
    await _run(empty, _insert)
    columns = {table: sorted({k for row in rows for k in row}) for table, rows in ROWS.items()}
    stored = await _run(empty, _snapshot, columns)
    for revision, below in zip(reversed(chain), reversed([None, *chain[:-1]]), strict=True):
        assert await current_revision(empty) == revision
        await downgrade(empty, below or "base")
        assert await current_revision(empty) == below
        if below == PREVIOUS_HEAD:  # back at the release, its data is all there
            assert await _run(empty, _snapshot, columns) == stored
    tables = await _run(empty, lambda c: set(inspect(c).get_table_names()))
    assert tables <= {"alembic_version"}

    await upgrade(empty)
    assert await current_revision(empty) == head_revision()
    async with empty.connect() as connection:
        assert await connection.run_sync(_differences) == []
