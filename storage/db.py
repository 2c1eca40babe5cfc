"""Engines, sessions and migrations for SQLite (aiosqlite) and PostgreSQL (asyncpg).

SQLite transactions: the ``sqlite3`` driver's default ("legacy") mode is kept on purpose.
It begins a transaction lazily, at the first INSERT/UPDATE/DELETE, so a session that reads
and then writes takes the write lock only when it writes and waits for it (busy_timeout)
instead of failing with ``SQLITE_BUSY_SNAPSHOT`` as an eager ``BEGIN`` would under WAL when
several sessions of the bot write at once. The one thing legacy mode gets wrong — a
SAVEPOINT issued before any write would start (and on RELEASE commit) a transaction of its
own — is fixed by emitting ``BEGIN`` right before such a SAVEPOINT, so ``begin_nested()``
always nests inside the caller's transaction.
"""

from __future__ import annotations

import errno
import logging
import os
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import _aiosqlite
from storage.errors import StorageError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant works; it only has to be the same for every instance migrating one database.
PG_MIGRATION_LOCK_ID = 0x43484149  # "CHAI"

_FTS_TABLE_PREFIX = "articles_fts"
_PG_ONLY_COLUMNS = frozenset({("articles", "search_vector")})
_PG_ONLY_INDEXES = frozenset({"ix_articles_search_vector"})


def database_url(url: str) -> str:
    """Return the SQLAlchemy async URL for a plain ``sqlite://`` or ``postgresql://`` URL."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a database URL: {url!r}")
    if scheme == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    return url


class DatabaseUnwritable(StorageError):
    """No write to the database can succeed now; the message says why and where.

    Raised instead of an error about one row, so that a batch stops at once rather than
    retrying every item against a disk that takes none of them.
    """


class DatabaseReadOnly(DatabaseUnwritable):
    """The database cannot be written where it is (a read-only folder, file or server)."""


class DiskFull(DatabaseUnwritable):
    """The disk under the database is full, or the process's file-size limit is reached."""


# PostgreSQL's SQLSTATEs for a server that takes no writes: disk_full, the rest of class 53
# (insufficient resources: out of memory, too many connections are not about the disk),
# and a read-only transaction (a hot standby).
_PG_DISK_FULL = "53100"
_PG_READ_ONLY = "25006"


def _sqlite_file(url: str) -> Path | None:
    """Return the file a SQLite URL points at, or None for in-memory and URI databases."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def read_only_reason(url: str) -> str | None:
    """Say why a SQLite database file cannot be written (its folder or itself), else None.

    SQLite writes beside the database (the ``-wal`` and ``-shm`` files), so a read-only
    folder makes every write fail, and a plain open of a WAL database fail as well.
    """
    url = database_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return None
    path = _sqlite_file(url)
    if path is None:
        return None
    folder = path.absolute().parent
    if folder.is_dir() and not os.access(folder, os.W_OK):
        return f"database directory {folder} is read-only"
    if path.is_file() and not os.access(path, os.W_OK):
        return f"database file {path.absolute()} is read-only"
    return None


def _where(url: URL) -> str:
    """Name the database in a message: its file, or the PostgreSQL database and host."""
    if url.get_backend_name() == "sqlite":
        database = (url.database or "").removeprefix("file:")
        return str(Path(database).absolute()) if database else "the in-memory database"
    return f"PostgreSQL database {url.database} on {url.host or 'localhost'}"


def _sqlite_error_name(exc: BaseException) -> str | None:
    for error in _chain(exc):
        name = getattr(error, "sqlite_errorname", None)
        if isinstance(name, str):
            return name
    return None


def _sqlstate(exc: BaseException) -> str | None:
    for error in _chain(exc):
        state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if isinstance(state, str):
            return state
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    """Return the exception, the driver's error it wraps and their causes, each once."""
    found: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        error = todo.pop()
        if error is None or any(error is seen for seen in found):
            continue
        found.append(error)
        todo.extend([getattr(error, "orig", None), error.__cause__, error.__context__])
    return found


def _file_size_limit() -> int | None:
    """Return the process's file-size limit (``ulimit -f``) in bytes, or None for none."""
    try:
        import resource
    except ImportError:  # not on this platform
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    return None if soft == resource.RLIM_INFINITY else soft


def write_failure(exc: BaseException, engine: AsyncEngine | None) -> DatabaseUnwritable | None:
    """Return the error that stops every write, if ``exc`` is one, else None.

    A full disk, a file-size limit reached, a database that became read-only: no other row
    will be stored either, so the caller stops instead of retrying row by row.
    """
    where = _where(engine.url) if engine is not None else "the database"
    name = _sqlite_error_name(exc)
    if name == "SQLITE_FULL":
        return DiskFull(f"disk full writing {where}")
    if name is not None and name.startswith("SQLITE_READONLY"):
        reason = _engine_read_only_reason(engine) if engine is not None else None
        return DatabaseReadOnly(reason or f"{where} is read-only")
    if name is not None and name.startswith("SQLITE_IOERR"):
        limit = _file_size_limit()
        if limit is not None:
            return DiskFull(f"file size limit ({limit} bytes, ulimit -f) reached writing {where}")
        return DatabaseUnwritable(f"cannot write {where}: disk I/O error ({name})")
    state = _sqlstate(exc)
    if state == _PG_DISK_FULL:
        return DiskFull(f"disk full writing {where}")
    if state == _PG_READ_ONLY:
        return DatabaseReadOnly(f"{where} is read-only (a standby?)")
    for error in _chain(exc):
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return DiskFull(f"disk full writing {error.filename or where}")
    return None


def _read_only_url(url: str, path: Path) -> str:
    """Return a URL opening the SQLite file read-only, without creating anything beside it.

    With no ``-wal`` file left (a clean shutdown removes it) nobody can be writing, since
    nobody can create one in a read-only folder, so the file is opened ``immutable``: SQLite
    then needs no ``-shm`` either. With a ``-wal`` present it is opened ``mode=ro``.
    """
    target = path.absolute().as_posix()
    wal = path.with_name(path.name + "-wal")
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    driver = make_url(url).drivername
    return f"{driver}:///file:{target}?{flags}&uri=true"


def _sqlite_in_transaction(dbapi_connection: Any) -> bool:
    """Tell whether the driver connection is inside a transaction (sqlite3 or aiosqlite)."""
    raw = getattr(dbapi_connection, "_connection", dbapi_connection)  # aiosqlite adapter
    return bool(raw.in_transaction)


def _ensure_sqlite_transaction(connection: Connection) -> None:
    """Emit BEGIN unless the SQLite driver connection already is in a transaction."""
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not _sqlite_in_transaction(dbapi_connection):
        connection.exec_driver_sql("BEGIN")


def _install_sqlite_hooks(engine: AsyncEngine, *, wal: bool) -> None:
    """Set the pragmas on every new connection and keep savepoints inside transactions."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            # First, so that switching a fresh file to WAL waits for another process too.
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.fetchall()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "savepoint")
    def _on_savepoint(connection: Connection, _name: str | None) -> None:
        _ensure_sqlite_transaction(connection)


def _sqlite_creator(url: str) -> dict[str, Any]:
    """Return engine arguments that open one-hop aiosqlite connections, when possible."""
    if not _aiosqlite.supported() or make_url(url).get_driver_name() != "aiosqlite":
        return {}
    cargs, cparams = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    return {"async_creator": partial(_aiosqlite.connect, *cargs, **cparams)}


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the async engine for a database URL, configured for its dialect.

    A SQLite file that cannot be written (see :func:`read_only_reason`) is opened read-only,
    so that lookups still work; writing through it raises "attempt to write a readonly
    database", and :func:`upgrade` says why before it tries.
    """
    url = database_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        path = _sqlite_file(url)
        read_only = path is not None and path.is_file() and read_only_reason(url) is not None
        if path is not None and not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        if path is not None and read_only:
            url = _read_only_url(url, path)
        engine = create_async_engine(url, echo=echo, **_sqlite_creator(url))
        _install_sqlite_hooks(engine, wal=path is not None and not read_only)
        return engine
    if backend == "postgresql":
        return create_async_engine(
            url,
            echo=echo,
            pool_size=10,
            max_overflow=10,
            pool_pre_ping=True,
            pool_recycle=1800,
        )
    return create_async_engine(url, echo=echo)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory: one session per update or job, caller commits."""
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    """Build the Alembic configuration for the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave the dialect-specific full-text search objects out of autogenerate."""
    if type_ == "table" and name is not None and name.startswith(_FTS_TABLE_PREFIX):
        return False
    if type_ == "column" and (obj.table.name, name) in _PG_ONLY_COLUMNS:
        return False
    return not (type_ == "index" and name in _PG_ONLY_INDEXES)


def _lock_for_migration(connection: Connection) -> None:
    """Begin the migration's transaction holding the database's one migration lock.

    Several processes may start at once on a fresh database: one migrates, the others wait
    for it and then find the schema at head (Alembic reads the version under the lock).
    On SQLite ``BEGIN IMMEDIATE`` takes the write lock up front, waiting ``busy_timeout``
    for it; a deferred transaction that read the (empty) schema first could not upgrade to
    a writer once another process had written, and failed with "database is locked".
    """
    if connection.dialect.name == "sqlite":
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection is not None and not _sqlite_in_transaction(dbapi_connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK_ID})")


def _run_upgrade(connection: Connection, revision: str) -> None:
    """Run the migrations on a synchronous connection, inside its transaction."""
    _lock_for_migration(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _engine_read_only_reason(engine: AsyncEngine) -> str | None:
    """Say why the engine's SQLite database cannot be written, or None when it can."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database.startswith("file:") and url.query.get("mode") == "ro":
        path = database.removeprefix("file:")
        return read_only_reason(f"sqlite:///{path}") or f"database {path} is opened read-only"
    return read_only_reason(url.render_as_string(hide_password=False))


async def _revision_or_unwritable(engine: AsyncEngine) -> str | None:
    """Read the schema revision; a database that cannot even be created says why."""
    try:
        return await current_revision(engine)
    except OperationalError as exc:
        reason = _engine_read_only_reason(engine)
        if reason is not None:
            raise DatabaseReadOnly(reason) from exc
        raise


async def upgrade(engine_or_url: AsyncEngine | str, revision: str = "head") -> None:
    """Migrate the database to the latest schema (idempotent).

    A database already at head is only read, so a read-only one (lookups on a read-only
    disk) passes; one that needs migrating but cannot be written raises DatabaseReadOnly.
    """
    if isinstance(engine_or_url, str):
        engine = make_engine(engine_or_url)
        try:
            await upgrade(engine, revision)
        finally:
            await engine.dispose()
        return
    if revision == "head":
        current = await _revision_or_unwritable(engine_or_url)
        if current is not None and current == head_revision():
            return
        reason = _engine_read_only_reason(engine_or_url)
        if reason is not None:
            shown = current or "none"
            raise DatabaseReadOnly(f"{reason}: cannot migrate the schema from {shown} to head")
    async with engine_or_url.begin() as connection:
        await connection.run_sync(_run_upgrade, revision)
    logger.debug("database at %s is at revision %s", engine_or_url.url, revision)


def _run_downgrade(connection: Connection, revision: str) -> None:
    """Revert the migrations down to ``revision`` on a synchronous connection."""
    _lock_for_migration(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Revert the database's schema to ``revision`` ("base" for none), in one transaction."""
    async with engine.begin() as connection:
        await connection.run_sync(_run_downgrade, revision)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    """Return the database's schema revision, or None before the first migration."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current_revision)


def head_revision() -> str | None:
    """Return the newest schema revision these migrations know."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
