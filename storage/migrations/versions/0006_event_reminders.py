"""Event reminders: who asked for them, and a kind for each delivery of the outbox.

Adds ``event_reminders`` (a subscription that wants to be reminded of its countries'
events) and ``deliveries.kind`` (``digest``, the default, or ``reminder``): a reminder is
one more delivery of the outbox, unique per (subscription, ``r:<event>:<when>``), sent by
the same sender.

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "event_reminders",
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_event_reminders_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscription_id", name=op.f("pk_event_reminders")),
    )
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), server_default="digest", nullable=False)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("kind")
    op.drop_table("event_reminders")
