"""Database maintenance for operators: back up, and move the schema up or down."""

from __future__ import annotations

import asyncio
from pathlib import Path

from storage import db as storage_db
from storage.backup import BackupReport, backup_sqlite, sqlite_path


async def backup(url: str, destination: Path) -> BackupReport:
    """Copy the live SQLite database at ``url`` to ``destination`` (BackupError if not SQLite)."""
    source = sqlite_path(url)
    return await asyncio.to_thread(backup_sqlite, source, destination)


async def migrate(url: str, revision: str, *, down: bool = False) -> tuple[str | None, str | None]:
    """Move the schema to ``revision``; return the revisions before and after."""
    engine = storage_db.make_engine(url)
    try:
        before = await storage_db.current_revision(engine)
        if down:
            await storage_db.downgrade(engine, revision)
        else:
            await storage_db.upgrade(engine, revision)
        return before, await storage_db.current_revision(engine)
    finally:
        await engine.dispose()
