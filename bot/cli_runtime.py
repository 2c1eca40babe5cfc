"""What every `chaikhana` command opens: the database (migrated) and the HTTP client.

Its own module so that ``bot.cli`` (the parser) and the modules of subcommands
(``bot.cli_lookups``, ``bot.cli_sources``) both import it and never each other in a circle.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Config, fetch_policy
from digests.sources.http import Fetcher, make_client
from storage import db as storage_db


@dataclass(slots=True)
class Runtime:
    """What a command needs: the config, the database and, for URLs, a fetcher."""

    cfg: Config
    db: async_sessionmaker[AsyncSession]
    fetcher: Fetcher


@asynccontextmanager
async def open_db(cfg: Config) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Open the configured database, migrated to head, for the command's duration."""
    engine = storage_db.make_engine(cfg.database.url, echo=cfg.database.echo)
    try:
        await storage_db.upgrade(engine)
        yield storage_db.make_sessionmaker(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def open_runtime(cfg: Config, *, writes: bool = True) -> AsyncIterator[Runtime]:
    """Open the database and the HTTP client; close both on exit.

    A command that ``writes`` is refused up front, in one line saying what and where, when
    the database cannot be written (rather than failing at each article it would store).
    """
    reason = storage_db.read_only_reason(cfg.database.url) if writes else None
    if reason is not None:
        raise storage_db.DatabaseReadOnly(reason)
    policy = fetch_policy(cfg)
    async with open_db(cfg) as db, make_client(policy) as client:
        yield Runtime(cfg, db, Fetcher(client, policy))
