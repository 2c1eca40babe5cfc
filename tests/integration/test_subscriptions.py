"""Subscriptions on SQLite and PostgreSQL: save, pause, cancel and undo, deactivate, stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select, update

from digests.digest import DigestFilter
from digests.schedule import Schedule
from storage import models, outbox, subscriptions

if TYPE_CHECKING:
    from tests.conftest import Database

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 07:00 in Tashkent
CHAT = 1001


async def subscribe(
    db: Database, chat_id: int = CHAT, **fields: object
) -> subscriptions.SubscriptionView:
    async with db.sessionmaker() as session, session.begin():
        return await subscriptions.save(
            session,
            chat_id=chat_id,
            chat_type=str(fields.pop("chat_type", "private")),
            title=None,
            ui_lang=str(fields.pop("ui_lang", "ru")),
            now=fields.pop("now", NOW),  # type: ignore[arg-type]
            **fields,  # type: ignore[arg-type]
        )


async def plan_periods(db: Database, subscription_id: int, keys: list[str]) -> None:
    async with db.sessionmaker() as session, session.begin():
        digest_id = await outbox.save_digest(
            session, key="k", lang="ru", since=NOW, until=NOW, story_ids=[1], texts=["<b>1</b>"]
        )
        rows = [outbox.Planned(subscription_id, key, digest_id, "pending") for key in keys]
        await outbox.plan(session, rows, now=NOW)


async def statuses(db: Database) -> dict[str, tuple[str, str | None]]:
    d = models.Delivery
    async with db.sessionmaker() as session:
        rows = (await session.execute(select(d.period_key, d.status, d.error))).all()
    return {key: (status, error) for key, status, error in rows}


async def test_a_new_subscription_is_due_at_its_next_send(db: Database) -> None:
    view = await subscribe(
        db,
        countries=["UZ", "kz"],
        topics=["ai"],
        include=["Astana Hub"],
        exclude=["crypto"],
        cadence="daily",
        time_of_day="8:30",
        timezone="asia/tashkent",
        thread_id=7,
    )
    assert view.countries == ("uz", "kz") and view.topics == ("ai",)
    assert (view.time_of_day, view.timezone) == ("08:30", "Asia/Tashkent")
    assert view.next_due_at == datetime(2026, 11, 28, 3, 30, tzinfo=UTC)
    assert (view.paused, view.cancelled, view.active, view.digest_size) == (False, False, True, 10)
    assert view.schedule() == Schedule("daily", "08:30", None, "Asia/Tashkent")
    assert view.filter() == DigestFilter(("uz", "kz"), ("ai",), ("Astana Hub",), ("crypto",))
    async with db.sessionmaker() as session:
        assert await subscriptions.get(session, CHAT) == view
        assert await subscriptions.get(session, 999) is None


async def test_unset_arguments_keep_their_values(db: Database) -> None:
    first = await subscribe(db, countries=["kz"], time_of_day="08:30", timezone="Asia/Almaty")
    later = NOW + timedelta(hours=5)
    second = await subscribe(db, include=["IT Park"], now=later)
    assert second.countries == ("kz",) and second.include == ("IT Park",)
    assert (second.time_of_day, second.timezone) == ("08:30", "Asia/Almaty")
    # the schedule did not change: the due time stays
    assert second.next_due_at == first.next_due_at
    assert second.subscription_id == first.subscription_id


async def test_a_new_schedule_moves_the_due_time(db: Database) -> None:
    await subscribe(db, time_of_day="08:30", timezone="Asia/Tashkent")
    view = await subscribe(db, cadence="weekly", weekday=0, time_of_day="09:00")
    # Monday 2026-11-30, 09:00 in Tashkent
    assert view.next_due_at == datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


async def test_weekly_without_a_day_is_on_monday(db: Database) -> None:
    view = await subscribe(db, cadence="weekly", time_of_day="09:00", timezone="UTC")
    assert view.weekday == 0
    assert view.next_due_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def test_the_ui_language_is_kept_unless_given(db: Database) -> None:
    await subscribe(db, ui_lang="uz")
    async with db.sessionmaker() as session, session.begin():
        kept = await subscriptions.save(
            session, chat_id=CHAT, chat_type="private", title="Me", ui_lang=None, now=NOW
        )
    assert kept.ui_lang == "uz" and kept.title == "Me"
    assert (await subscribe(db, ui_lang="kk")).ui_lang == "kk"


async def test_a_chat_met_before_keeps_its_subscriber_row(db: Database) -> None:
    from storage import lookups

    async with db.sessionmaker() as session, session.begin():
        met = await lookups.remember_chat(
            session, chat_id=CHAT, chat_type="private", title=None, ui_lang="tg"
        )
    view = await subscribe(db, ui_lang="tg")
    assert view.subscriber_id == met.id


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cadence", "hourly", "cadence"),
        ("time_of_day", "25:00", "HH:MM"),
        ("timezone", "Mars/Olympus", "timezone"),
        ("weekday", 7, "weekday"),
        ("digest_size", 0, "size"),
    ],
)
async def test_a_schedule_that_cannot_work_is_refused(
    db: Database, field: str, value: object, message: str
) -> None:
    fields: dict[str, object] = {field: value}
    with pytest.raises(ValueError, match=message):
        await subscribe(db, CHAT, **fields)
    async with db.sessionmaker() as session:
        assert await subscriptions.get(session, CHAT) is None


async def test_pause_skips_planned_digests_and_resume_starts_from_now(db: Database) -> None:
    view = await subscribe(db, time_of_day="08:30", timezone="Asia/Tashkent")
    await plan_periods(db, view.subscription_id, ["d:2026-11-28"])
    async with db.sessionmaker() as session, session.begin():
        paused = await subscriptions.set_paused(session, CHAT, True, now=NOW)
    assert paused is not None and paused.paused
    assert await statuses(db) == {"d:2026-11-28": ("skipped", "paused")}
    async with db.sessionmaker() as session:
        assert await outbox.due(session, now=NOW + timedelta(days=3)) == []
    three_days_later = NOW + timedelta(days=3)
    async with db.sessionmaker() as session, session.begin():
        resumed = await subscriptions.set_paused(session, CHAT, False, now=three_days_later)
    assert resumed is not None and not resumed.paused
    # not due at once for the days it was paused
    assert resumed.next_due_at == datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    async with db.sessionmaker() as session:
        assert await subscriptions.set_paused(session, 999, True, now=NOW) is None


async def test_cancel_and_undo(db: Database) -> None:
    view = await subscribe(db, time_of_day="08:30", timezone="Asia/Tashkent")
    await plan_periods(db, view.subscription_id, ["d:2026-11-28"])
    async with db.sessionmaker() as session, session.begin():
        cancelled = await subscriptions.cancel(session, CHAT, now=NOW)
    assert cancelled is not None and cancelled.cancelled
    assert await statuses(db) == {"d:2026-11-28": ("skipped", "cancelled")}
    async with db.sessionmaker() as session, session.begin():
        # still there for the undo, but never due
        got = await subscriptions.get(session, CHAT)
        assert got is not None and got.cancelled
        assert await outbox.due(session, now=NOW + timedelta(days=1)) == []
        restored = await subscriptions.restore(session, CHAT, now=NOW + timedelta(minutes=1))
    assert restored is not None and not restored.cancelled
    assert restored.next_due_at == view.next_due_at  # undone within the period: nothing moves
    async with db.sessionmaker() as session, session.begin():
        await subscriptions.cancel(session, CHAT, now=NOW)
        later = NOW + timedelta(days=2)
        restored = await subscriptions.restore(session, CHAT, now=later)
    # undone days later: due at the next send, not at once for the missed ones
    assert restored is not None and restored.next_due_at == datetime(
        2026, 11, 30, 3, 30, tzinfo=UTC
    )
    async with db.sessionmaker() as session:
        assert await subscriptions.cancel(session, 999, now=NOW) is None
        assert await subscriptions.restore(session, 999, now=NOW) is None


async def test_subscribing_again_revives_a_cancelled_or_paused_subscription(db: Database) -> None:
    await subscribe(db, countries=["kz"])
    async with db.sessionmaker() as session, session.begin():
        await subscriptions.set_paused(session, CHAT, True, now=NOW)
        await subscriptions.cancel(session, CHAT, now=NOW)
    view = await subscribe(db, countries=["uz"], now=NOW + timedelta(days=5))
    assert (view.cancelled, view.paused, view.countries) == (False, False, ("uz",))
    assert view.next_due_at is not None and view.next_due_at > NOW + timedelta(days=5)


async def test_deactivate_fails_the_pending_deliveries(db: Database) -> None:
    view = await subscribe(db)
    await plan_periods(db, view.subscription_id, ["d:2026-11-26", "d:2026-11-27", "d:2026-11-28"])
    d = models.Delivery
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            update(d).where(d.period_key == "d:2026-11-26").values(status="sent", sent_at=NOW)
        )
        # left 'sending' by a sender that crashed: claims skip inactive chats, so it must fail
        await session.execute(
            update(d).where(d.period_key == "d:2026-11-27").values(status="sending", claimed_at=NOW)
        )
    other = await subscribe(db, chat_id=2002)
    await plan_periods(db, other.subscription_id, ["d:2026-11-28"])
    async with db.sessionmaker() as session, session.begin():
        failed = await subscriptions.deactivate(session, CHAT, "403: bot was blocked by the user")
        assert await subscriptions.deactivate(session, 999, "400: chat not found") == 0
    assert failed == 2
    async with db.sessionmaker() as session:
        rows = (
            await session.execute(select(d.subscription_id, d.period_key, d.status, d.error))
        ).all()
        gone = await subscriptions.get(session, CHAT)
        due = await outbox.due(session, now=NOW + timedelta(days=1))
    assert sorted((r.subscription_id, r.period_key, r.status, r.error) for r in rows) == [
        (view.subscription_id, "d:2026-11-26", "sent", None),
        (view.subscription_id, "d:2026-11-27", "failed", "403: bot was blocked by the user"),
        (view.subscription_id, "d:2026-11-28", "failed", "403: bot was blocked by the user"),
        (other.subscription_id, "d:2026-11-28", "pending", None),
    ]
    assert gone is not None and not gone.active
    assert [x.chat_id for x in due] == [2002]  # an unreachable chat is not planned
    # the chat comes back (unblocked, /subscribe again): active once more
    assert (await subscribe(db)).active


async def test_channels_are_listed_cancelled_or_not(db: Database) -> None:
    await subscribe(db, chat_id=-1003, chat_type="channel")
    await subscribe(db, chat_id=-1001, chat_type="channel")
    await subscribe(db, chat_id=-2000, chat_type="supergroup")
    await subscribe(db, chat_id=5, chat_type="private")
    async with db.sessionmaker() as session, session.begin():
        await subscriptions.cancel(session, -1001, now=NOW)
        listed = await subscriptions.channels(session)
    assert [(v.chat_id, v.cancelled) for v in listed] == [(-1003, False), (-1001, True)]


async def test_stats(db: Database) -> None:
    ids = {}
    for chat in (1, 2, 3, 4, 5):
        ids[chat] = (await subscribe(db, chat_id=chat)).subscription_id
    async with db.sessionmaker() as session, session.begin():
        await subscriptions.set_paused(session, 2, True, now=NOW)
        await subscriptions.cancel(session, 3, now=NOW)
        await subscriptions.deactivate(session, 4, "403")
    for chat in (1, 5):
        await plan_periods(db, ids[chat], ["d:2026-11-27", "d:2026-11-28", "d:2026-11-29"])
    d = models.Delivery
    yesterday = NOW - timedelta(days=1)
    async with db.sessionmaker() as session, session.begin():
        for key, status, when in [
            ("d:2026-11-27", "sent", yesterday),
            ("d:2026-11-28", "sent", NOW),
        ]:
            await session.execute(
                update(d).where(d.period_key == key).values(status=status, sent_at=when)
            )
        last = select(d.id).where(d.period_key == "d:2026-11-29", d.subscription_id == ids[5])
        failing = (await session.execute(last)).scalar_one()
        await outbox.mark_failed(session, failing, error="400: message is too long", now=NOW)
        counted = await subscriptions.stats(session, now=NOW)
    assert counted == subscriptions.Stats(
        subscribers=4, active=2, paused=1, sent_today=2, failed_today=1, pending=1
    )
