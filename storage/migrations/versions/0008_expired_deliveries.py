"""Expired deliveries: a digest that waited out an outage past its period is not failed.

Adds ``expired`` to the statuses a delivery may have: the Bot API was away until the
subscription's next digest was planned, so this one is not sent late (and was never the
recipient's fault, which ``failed`` would say).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 22:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = "status IN ('pending', 'sending', 'sent', 'failed', 'skipped')"
_AFTER = "status IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'expired')"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_status"), type_="check")
        batch.create_check_constraint(op.f("ck_deliveries_status"), _AFTER)


def downgrade() -> None:
    """Revert this revision: expired deliveries are recorded as failed, with their reason."""
    op.execute("UPDATE deliveries SET status = 'failed' WHERE status = 'expired'")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_status"), type_="check")
        batch.create_check_constraint(op.f("ck_deliveries_status"), _BEFORE)
