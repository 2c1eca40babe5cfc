"""Consistent copies of a live SQLite database, through SQLite's online backup API."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import SQLITE_BUSY_TIMEOUT_MS, database_url

# All pages in one step, inside one read transaction: under WAL (the bot's journal mode) a
# reader never blocks the writers, and the copy is the snapshot that transaction saw. A
# paged backup would restart at each step another connection wrote in, and a busy bot
# writes all the time, so it might never finish.
PAGES_PER_STEP = -1


class BackupError(Exception):
    """A backup that cannot be made, said in one line."""


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What a backup wrote."""

    path: Path
    bytes: int
    pages: int
    integrity: str


def sqlite_path(url: str) -> Path:
    """Return the file of a SQLite database URL, or raise BackupError for anything else."""
    parsed = make_url(database_url(url))
    if parsed.get_backend_name() == "postgresql":
        raise BackupError(
            "the database is PostgreSQL: back it up with pg_dump "
            "(pg_dump --format=custom --file=chaikhana.dump DBNAME; see the README)"
        )
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(f"cannot back up a {parsed.get_backend_name()} database")
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("the database is in memory: there is no file to back up")
    return Path(database)


def backup_sqlite(source: Path, destination: Path) -> BackupReport:
    """Copy a live SQLite database to ``destination``; check the copy before it is kept.

    The copy is written beside the destination and renamed over it only once it is
    complete and passes ``PRAGMA integrity_check``: a failed backup leaves nothing behind.
    """
    if not source.is_file():
        raise BackupError(f"{source}: no such database file")
    if destination.exists() and destination.resolve() == source.resolve():
        raise BackupError(f"{destination}: is the database itself")
    if destination.is_dir():
        destination = destination / source.name
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial")
    partial.unlink(missing_ok=True)
    # Read-only on the source: a backup never writes to the live database.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        src.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
            # The copy stands alone: one file, no write-ahead log beside it.
            dst.execute("PRAGMA journal_mode=DELETE").fetchall()
            integrity = dst.execute("PRAGMA integrity_check").fetchone()[0]
            pages = dst.execute("PRAGMA page_count").fetchone()[0]
        finally:
            dst.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{source}: {exc}") from exc
    finally:
        src.close()
    if integrity != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy of {source} failed its integrity check: {integrity}")
    os.replace(partial, destination)
    return BackupReport(destination, destination.stat().st_size, pages, integrity)
