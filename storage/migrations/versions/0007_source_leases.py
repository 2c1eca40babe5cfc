"""Source leases: instances share the polling of sources.

Adds ``sources.claimed_by`` (the instance polling the source now) and
``sources.claimed_until`` (when that claim lapses, so another instance takes the source over
if the claimer died). A finished poll, successful or not, clears both.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    # Not batch mode: on SQLite it would copy and drop ``sources``, and dropping it with
    # foreign keys on sets every article's source_id to NULL. SQLite 3.35+ drops a column
    # in place (ALTER TABLE … DROP COLUMN), as PostgreSQL does.
    op.drop_column("sources", "claimed_until")
    op.drop_column("sources", "claimed_by")
