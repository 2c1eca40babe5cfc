"""Alembic environment: runs on the connection ``storage.db.upgrade`` passes in."""

from __future__ import annotations

import asyncio
import logging
import os

from alembic import context
from sqlalchemy import Connection

from storage.db import database_url, include_object, make_engine
from storage.models import Base

logger = logging.getLogger(__name__)

target_metadata = Base.metadata


def _configure(**kwargs: object) -> None:
    """Configure the migration context the same way online and offline."""
    context.configure(
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=True,
        compare_type=True,
        **kwargs,  # type: ignore[arg-type]
    )


def _url() -> str:
    """Return the database URL from the Alembic config or CHAIKHANA_DATABASE__URL."""
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get(
        "CHAIKHANA_DATABASE__URL", "sqlite:///chaikhana.db"
    )
    return database_url(url)


def do_run_migrations(connection: Connection) -> None:
    """Run the migrations on a synchronous connection."""
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    """Open an engine for the configured URL and migrate through it."""
    engine = make_engine(_url())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = context.config.attributes.get("connection")
    if connection is None:
        asyncio.run(run_async_migrations())
    else:
        do_run_migrations(connection)
