"""The outbox lag: how long the oldest delivery a sender would claim now has waited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from storage import models, observe, subscriptions
from tests.conftest import Database

NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)


async def subscribe(db: Database, chat_id: int, *, lang: str) -> int:
    async with db.sessionmaker() as session, session.begin():
        await subscriptions.save(
            session, chat_id=chat_id, chat_type="private", title=None, ui_lang=lang, now=NOW
        )
        return (
            await session.execute(
                select(models.Subscription.id)
                .join(models.Subscriber)
                .where(models.Subscriber.chat_id == chat_id)
            )
        ).scalar_one()


async def deliver(db: Database, subscription_id: int, key: str, **fields: object) -> None:
    values = {"subscription_id": subscription_id, "period_key": key, "message_ids": [], **fields}
    async with db.sessionmaker() as session, session.begin():
        await session.execute(insert(models.Delivery).values(**values))


async def test_lag_is_the_age_of_the_oldest_delivery_due_now(db: Database) -> None:
    async with db.sessionmaker() as session:
        empty = await observe.outbox_state(session, NOW)
    assert (empty.counts, empty.oldest_due, empty.lag(NOW)) == ({}, None, 0.0)

    kk = await subscribe(db, 3001, lang="kk")
    tg = await subscribe(db, 3002, lang="tg")
    ru = await subscribe(db, 3003, lang="ru")
    await deliver(db, kk, "d:1", status="pending", created_at=NOW - timedelta(seconds=90))
    # a retry due 40 s ago counts from when it became due, not from when it was planned
    await deliver(
        db, kk, "d:2", status="pending", created_at=NOW - timedelta(hours=5),
        next_attempt_at=NOW - timedelta(seconds=40),
    )  # fmt: skip
    # not due yet, already sent, or for a paused chat: no lag
    await deliver(
        db, tg, "d:1", status="pending", created_at=NOW - timedelta(hours=2),
        next_attempt_at=NOW + timedelta(minutes=5),
    )  # fmt: skip
    await deliver(db, tg, "d:0", status="sent", created_at=NOW - timedelta(days=1))
    await deliver(db, ru, "d:1", status="pending", created_at=NOW - timedelta(hours=9))
    async with db.sessionmaker() as session, session.begin():
        await subscriptions.set_paused(session, 3003, True, now=NOW)

    async with db.sessionmaker() as session:
        state = await observe.outbox_state(session, NOW)
    assert state.lag(NOW) == 90.0
    assert state.counts["sent"] == 1
    assert state.counts["pending"] + state.counts.get("skipped", 0) == 4
