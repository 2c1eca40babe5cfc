"""Unbounded HTTP validators: ``sources.etag`` and ``sources.last_modified`` become TEXT.

A feed's server may send an ETag longer than 512 characters (HTTP sets no limit); SQLite
kept it, PostgreSQL refused the whole poll with "value too long for type character
varying(512)". The columns become TEXT on PostgreSQL. SQLite never enforced the declared
lengths, so its tables are left as they are: rebuilding ``sources`` in batch mode would
copy it and, with foreign keys on, set every article's ``source_id`` to NULL.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-06 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (("etag", 512), ("last_modified", 128))


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, length in _COLUMNS:
        op.alter_column(
            "sources",
            name,
            type_=sa.Text(),
            existing_type=sa.String(length),
            existing_nullable=True,
        )


def downgrade() -> None:
    """Revert this revision (longer values than the old bound are cut to fit it)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, length in _COLUMNS:
        op.alter_column(
            "sources",
            name,
            type_=sa.String(length),
            existing_type=sa.Text(),
            existing_nullable=True,
            postgresql_using=f"left({name}, {length})",
        )
