"""Shared fixtures: real, migrated SQLite and PostgreSQL databases, one per test."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from digests.model import Article, StoryFeatures
from storage.db import make_engine, make_sessionmaker, upgrade

PG_CONNECT_TIMEOUT = 2.0
PG_CANDIDATES = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
    "postgresql://postgres@127.0.0.1:5432/postgres",
    "postgresql://root@127.0.0.1:5432/postgres",
)


@dataclass(frozen=True)
class Database:
    """A migrated database for one test."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    dialect: str
    url: str


def _ci() -> bool:
    """Tell whether we run in CI, where PostgreSQL tests must run, not skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


_admin_url: str | None = None
_pg_unreachable: str | None = None


async def _find_admin_url() -> str:
    """Return a PostgreSQL URL we can create databases through, or skip (fail in CI)."""
    global _admin_url, _pg_unreachable
    if _admin_url is not None:
        return _admin_url
    if _pg_unreachable is None:
        override = os.environ.get("CHAIKHANA_TEST_PG_URL")
        candidates = (override,) if override else PG_CANDIDATES
        reasons = []
        for url in candidates:
            try:
                conn = await asyncpg.connect(_plain(url), timeout=PG_CONNECT_TIMEOUT)
            except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
                reasons.append(f"{_plain(url)}: {type(exc).__name__}: {exc}")
                if isinstance(exc, OSError | TimeoutError):
                    break  # nothing listens; other roles won't help
                continue
            await conn.close()
            _admin_url = url
            return url
        _pg_unreachable = "; ".join(reasons)
    message = f"PostgreSQL not reachable at 127.0.0.1:5432: {_pg_unreachable}"
    if _ci():
        pytest.fail(message)
    pytest.skip(message)


def _plain(url: str) -> str:
    """Return a URL asyncpg understands (no SQLAlchemy driver suffix)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    """Return ``url`` pointing at database ``name``."""
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _admin(sql: str) -> None:
    """Run one statement on the admin database."""
    assert _admin_url is not None
    conn = await asyncpg.connect(_plain(_admin_url), timeout=PG_CONNECT_TIMEOUT)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _sqlite(tmp_path: Path) -> AsyncIterator[Database]:
    """Yield a migrated SQLite database in a fresh file."""
    url = f"sqlite:///{tmp_path / 'db' / 'chaikhana.db'}"
    engine = make_engine(url)
    try:
        await upgrade(engine)
        yield Database(engine, make_sessionmaker(engine), "sqlite", url)
    finally:
        await engine.dispose()


async def _postgres() -> AsyncIterator[Database]:
    """Yield a migrated, throwaway PostgreSQL database, dropped afterwards."""
    admin_url = await _find_admin_url()
    name = f"chaikhana_test_{uuid.uuid4().hex[:16]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = _with_database(admin_url, name)
    engine = make_engine(url)
    try:
        await upgrade(engine)
        yield Database(engine, make_sessionmaker(engine), "postgresql", url)
    finally:
        await engine.dispose()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """Yield a migrated database, once on SQLite and once on PostgreSQL."""
    source = _sqlite(tmp_path) if request.param == "sqlite" else _postgres()
    async for database in source:
        yield database


@pytest_asyncio.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """Yield a migrated SQLite database."""
    async for database in _sqlite(tmp_path):
        yield database


ArticleFactory = Callable[..., Article]


@pytest.fixture
def make_article() -> ArticleFactory:
    """Return a factory of understood articles; every field can be overridden."""
    counter = iter(range(1, 1_000_000))

    def factory(**overrides: Any) -> Article:
        n = next(counter)
        title = overrides.pop("title", f"Article {n} {uuid.uuid4().hex[:8]}")
        text = overrides.pop("text", f"Body of {title}.")
        fields: dict[str, Any] = {
            "url": f"https://news.example/{n}-{uuid.uuid4().hex[:8]}",
            "canonical_url": None,
            "title": title,
            "text": text,
            "published": None,
            "lang": "en",
            "script": "Latn",
            "countries": (),
            "topics": (),
            "events": (),
            "summary": f"Summary of {title}",
            "content_hash": hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
            "features": StoryFeatures(),
            "source": "Example News",
            "guid": None,
        }
        fields.update(overrides)
        if fields["canonical_url"] is None and "canonical_url" not in overrides:
            fields["canonical_url"] = fields["url"]
        return Article(**fields)

    return factory
