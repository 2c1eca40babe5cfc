"""Digests and the outbox: composed digests, schedule columns, source weight.

Adds the ``digests`` table (one rendered digest per filters, language and period, shared
by its deliveries), ``deliveries.digest_id`` and the ``skipped`` status (a period with
nothing to send is still recorded, so it is planned once), the schedule columns of
``subscriptions`` (``next_due_at``, ``cancelled_at``, ``digest_size``; one subscription
per chat), ``sources.weight`` for ranking and an index on ``articles.ingested_at`` (a
digest's window of news).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 21:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("story_ids", sa.JSON(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("story_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("key", name=op.f("uq_digests_key")),
    )
    # A digest's window is read by the time articles were stored.
    op.create_index("ix_articles_ingested_at", "articles", ["ingested_at"])
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("weight", sa.Float(), server_default="1.0", nullable=False))
    op.drop_index("ix_subscriptions_subscriber_id", table_name="subscriptions")
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(
            sa.Column("digest_size", sa.Integer(), server_default="10", nullable=False)
        )
        batch.add_column(sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_subscriptions_subscriber_id", "subscriptions", ["subscriber_id"], unique=True
    )
    op.create_index("ix_subscriptions_next_due_at", "subscriptions", ["next_due_at"])
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_deliveries_digest_id_digests"),
            "digests",
            ["digest_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.drop_constraint(op.f("ck_deliveries_status"), type_="check")
        batch.create_check_constraint(
            op.f("ck_deliveries_status"),
            "status IN ('pending', 'sending', 'sent', 'failed', 'skipped')",
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_status"), type_="check")
        batch.create_check_constraint(
            op.f("ck_deliveries_status"), "status IN ('pending', 'sending', 'sent', 'failed')"
        )
        batch.drop_constraint(op.f("fk_deliveries_digest_id_digests"), type_="foreignkey")
        batch.drop_column("digest_id")
    op.drop_index("ix_subscriptions_next_due_at", table_name="subscriptions")
    op.drop_index("ix_subscriptions_subscriber_id", table_name="subscriptions")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("cancelled_at")
        batch.drop_column("next_due_at")
        batch.drop_column("digest_size")
    op.create_index("ix_subscriptions_subscriber_id", "subscriptions", ["subscriber_id"])
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("weight")
    op.drop_index("ix_articles_ingested_at", table_name="articles")
    op.drop_table("digests")
