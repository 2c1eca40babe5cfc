"""An aiosqlite connection whose cursors cost one thread hop per statement, not four.

aiosqlite runs every call (make a cursor, execute, fetch, close) on its own thread and
waits for the answer; each such hop costs ~100 µs of thread hand-off, which dominated
ingest time. This wrapper does the whole statement — execute, fetch all rows, read
``description``/``rowcount``/``lastrowid``, close — in a single call on that thread and
hands SQLAlchemy a cursor that already holds the results. Everything else (commit,
rollback, close, isolation level) goes to the wrapped aiosqlite connection unchanged.
SQLAlchemy receives it through ``create_async_engine(async_creator=...)``, a public hook.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Generator, Iterable, Sequence
from typing import Any

import aiosqlite

logger = logging.getLogger(__name__)


async def _ready(cursor: OneHopCursor) -> OneHopCursor:
    """Return the cursor, so that ``await connection.cursor()`` works as with aiosqlite."""
    return cursor


class _Result:
    """What one statement left behind, read on the aiosqlite thread."""

    __slots__ = ("description", "lastrowid", "rowcount", "rows")

    def __init__(self, cursor: sqlite3.Cursor, *, fetch: bool) -> None:
        self.description = cursor.description
        self.rows: list[Any] = cursor.fetchall() if fetch and cursor.description else []
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid


def _run(conn: sqlite3.Connection, sql: str, parameters: Any, *, many: bool) -> _Result:
    """Execute one statement and collect everything about it (runs on the aiosqlite thread)."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        return _Result(cursor, fetch=not many)
    finally:
        cursor.close()


class OneHopCursor:
    """A cursor holding the complete result of its last statement."""

    arraysize = 1

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self._position = 0
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    def __await__(self) -> Generator[Any, None, OneHopCursor]:
        return _ready(self).__await__()

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _take(self, result: _Result) -> OneHopCursor:
        self._rows, self._position = result.rows, 0
        self.description = result.description
        self.rowcount = result.rowcount
        self.lastrowid = result.lastrowid
        return self

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneHopCursor:
        """Execute a statement and keep all its rows."""
        conn = self._connection._conn
        result = await self._connection._execute(_run, conn, sql, parameters or (), many=False)
        return self._take(result)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneHopCursor:
        """Execute a statement once per parameter set."""
        conn = self._connection._conn
        result = await self._connection._execute(_run, conn, sql, list(parameters), many=True)
        return self._take(result)

    async def fetchone(self) -> Any:
        """Return the next row, or None."""
        if self._position >= len(self._rows):
            return None
        row = self._rows[self._position]
        self._position += 1
        return row

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Return up to ``size`` more rows."""
        size = size or self.arraysize
        rows = self._rows[self._position : self._position + size]
        self._position += len(rows)
        return rows

    async def fetchall(self) -> list[Any]:
        """Return the remaining rows."""
        rows = self._rows[self._position :]
        self._position = len(self._rows)
        return rows

    async def close(self) -> None:
        """Forget the rows; there is no driver cursor left to close."""
        self._rows, self._position = [], 0

    async def nextset(self) -> None:
        """Say there are no more result sets (SQLite has one)."""
        return None

    async def setinputsizes(self, *sizes: Any) -> None:
        """Ignore input sizes, as sqlite3 does."""


class OneHopConnection:
    """An aiosqlite connection whose ``cursor()`` is a OneHopCursor."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._wrapped = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)

    def cursor(self) -> OneHopCursor:
        """Return a cursor without a trip to the aiosqlite thread (usable with or without await)."""
        return OneHopCursor(self._wrapped)

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneHopCursor:
        """Execute a statement on a new cursor."""
        return await OneHopCursor(self._wrapped).execute(sql, parameters)


def supported() -> bool:
    """Tell whether the installed aiosqlite has the internals the one-hop cursor uses."""
    return hasattr(aiosqlite.Connection, "_execute") and hasattr(aiosqlite.Connection, "_conn")


async def connect(database: str, **kwargs: Any) -> OneHopConnection:
    """Open an aiosqlite connection wrapped for one-hop statements."""
    connection = aiosqlite.connect(database, **kwargs)
    thread = getattr(connection, "_thread", None)
    if thread is not None:
        # As SQLAlchemy does for aiosqlite: never let a forgotten connection block exit.
        thread.daemon = True
    return OneHopConnection(await connection)
