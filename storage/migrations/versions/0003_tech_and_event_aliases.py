"""Tech or not, and event aliases.

Adds ``articles.tech`` (true for technology news; anything else is stored but lookups,
search and digests leave it out by default; existing articles count as tech, as they were
shown before) and the ``event_aliases`` table: the other names one event goes by (another
script, language or spelling), so ``/event`` finds it by any of them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # a plain ADD COLUMN on both dialects: a batch copy of ``articles`` on SQLite would drop the
    # full-text triggers
    op.add_column(
        "articles", sa.Column("tech", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.create_table(
        "event_aliases",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_aliases_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "alias", name=op.f("pk_event_aliases")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("event_aliases")
    op.execute("ALTER TABLE articles DROP COLUMN tech")  # SQLite 3.35+ drops it in place
