"""What an operator watches, read from the database: the outbox's backlog and its lag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import models


@dataclass(frozen=True, slots=True)
class OutboxState:
    """Deliveries by status, and since when the oldest due one has waited."""

    counts: dict[str, int]
    oldest_due: datetime | None

    def lag(self, now: datetime) -> float:
        """Return the age in seconds of the oldest due delivery (0 when none waits)."""
        if self.oldest_due is None:
            return 0.0
        return max(0.0, (now - self.oldest_due).total_seconds())


async def ping(session: AsyncSession) -> None:
    """Ask the database a trivial question (raise if it does not answer)."""
    await session.execute(select(1))


async def outbox_state(session: AsyncSession, now: datetime) -> OutboxState:
    """Count the deliveries by status and find when the oldest due one became due."""
    d = models.Delivery
    counts = {
        status: n
        for status, n in await session.execute(select(d.status, func.count()).group_by(d.status))
    }
    sub, s = models.Subscription, models.Subscriber
    due_since = func.coalesce(d.next_attempt_at, d.created_at)
    oldest = (
        await session.execute(
            select(func.min(due_since))
            .join(sub, sub.id == d.subscription_id)
            .join(s, s.id == sub.subscriber_id)
            .where(
                # what a sender would claim now: a paused or gone chat's rows wait on purpose
                and_(
                    d.status == "pending",
                    or_(d.next_attempt_at.is_(None), d.next_attempt_at <= now),
                    s.active.is_(True),
                    sub.paused.is_(False),
                    sub.cancelled_at.is_(None),
                )
            )
        )
    ).scalar_one_or_none()
    if isinstance(oldest, str):  # SQLite hands an aggregate of a timestamp back as text
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return OutboxState(counts, oldest)
