"""Event reminders: who wants them, which events are near, and their outbox rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage import models

_deliveries = cast(Table, models.Delivery.__table__)
_reminders = cast(Table, models.EventReminder.__table__)
KIND = "reminder"


@dataclass(frozen=True, slots=True)
class Wanting:
    """A subscription that wants reminders, with where, when and in what language."""

    subscription_id: int
    chat_id: int
    ui_lang: str
    timezone: str
    time_of_day: str
    countries: tuple[str, ...]


def _insert(session: AsyncSession, table: Table) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def subscription_of(session: AsyncSession, chat_id: int) -> int | None:
    """Return the id of a chat's live subscription, or None."""
    sub, s = models.Subscription, models.Subscriber
    return (
        await session.execute(
            select(sub.id)
            .join(s, s.id == sub.subscriber_id)
            .where(s.chat_id == chat_id, sub.cancelled_at.is_(None))
        )
    ).scalar()


async def enabled(session: AsyncSession, subscription_id: int) -> bool:
    """Tell whether a subscription asked for reminders."""
    r = models.EventReminder
    found = await session.execute(
        select(r.subscription_id).where(r.subscription_id == subscription_id)
    )
    return found.scalar() is not None


async def set_enabled(
    session: AsyncSession, subscription_id: int, on: bool, *, now: datetime
) -> None:
    """Turn a subscription's reminders on or off (idempotent)."""
    if on:
        await session.execute(
            _insert(session, _reminders)
            .values(subscription_id=subscription_id, created_at=now)
            .on_conflict_do_nothing(index_elements=[_reminders.c.subscription_id])
        )
    else:
        r = models.EventReminder
        await session.execute(delete(r).where(r.subscription_id == subscription_id))


async def wanting(session: AsyncSession) -> list[Wanting]:
    """Return the subscriptions to remind: reachable, neither paused nor cancelled."""
    r, sub, s = models.EventReminder, models.Subscription, models.Subscriber
    rows = await session.execute(
        select(sub.id, s.chat_id, s.ui_lang, sub.timezone, sub.time_of_day, sub.countries)
        .select_from(r)
        .join(sub, sub.id == r.subscription_id)
        .join(s, s.id == sub.subscriber_id)
        .where(s.active.is_(True), sub.paused.is_(False), sub.cancelled_at.is_(None))
        .order_by(sub.id)
    )
    return [
        Wanting(row[0], row[1], row[2], row[3] or "UTC", row[4] or "09:00", tuple(row[5] or ()))
        for row in rows
    ]


async def near_events(session: AsyncSession, *, first: date, last: date) -> list[models.Event]:
    """Return dated events starting by ``last`` and not over before ``first``."""
    e = models.Event
    rows = await session.execute(
        select(e)
        .where(e.start.is_not(None), e.start <= last, func.coalesce(e.end, e.start) >= first)
        .order_by(e.start, e.id)
    )
    return list(rows.scalars())


async def plan(
    session: AsyncSession, rows: Sequence[tuple[int, str, int]], *, now: datetime
) -> int:
    """Write reminder deliveries (subscription, period key, digest), each once; count new."""
    if not rows:
        return 0
    values = [
        {
            "subscription_id": subscription_id,
            "period_key": key,
            "digest_id": digest_id,
            "status": "pending",
            "attempts": 0,
            "message_ids": [],
            "created_at": now,
            "kind": KIND,
        }
        for subscription_id, key, digest_id in rows
    ]
    stmt = (
        _insert(session, _deliveries)
        .on_conflict_do_nothing(
            index_elements=[_deliveries.c.subscription_id, _deliveries.c.period_key]
        )
        .returning(_deliveries.c.id)
    )
    return len((await session.execute(stmt, values)).all())
