"""Event reminders end to end: chosen in /subscribe and /settings, sent through the outbox
once each (a day before, and when the event opens), in the reader's language and zone,
with the clock moved and the bot restarted in between."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import build_application, running
from digests.model import Event
from storage import articles, models
from tests.conftest import Database
from tests.e2e.botapi import BotAPIServer
from tests.e2e.conftest import Chat
from tests.e2e.data import synthetic
from tests.e2e.test_bot import buttons
from tests.e2e.test_digests import Clock, digest_config, settle

ALMATY = ZoneInfo("Asia/Almaty")
TASHKENT = ZoneInfo("Asia/Tashkent")


def reminders_in(server: BotAPIServer, chat_id: int) -> list[str]:
    return [m.text for m in server.sent(chat_id) if m.text.startswith("🔔") and "/event" in m.text]


async def wait_reminders(server: BotAPIServer, chat_id: int, count: int) -> list[str]:
    for _ in range(200):
        if len(reminders_in(server, chat_id)) >= count:
            break
        await asyncio.sleep(0.05)
    return reminders_in(server, chat_id)


async def test_reminders_a_day_before_and_at_opening_once_each_across_restarts(
    sqlite_db: Database,
) -> None:
    opening = (datetime.now(UTC) + timedelta(days=10)).date()
    forum = Event(
        key="astana-hub-forum-2099",
        name="Astana Hub Forum",
        start=opening,
        end=opening + timedelta(days=1),
        place="Astana",
        country="kz",
    )
    samarkand = Event(
        key="samarkand-it-week-2099", name="Samarkand IT Week", start=opening, country="uz"
    )
    async with sqlite_db.sessionmaker() as session, session.begin():
        for n, ev in enumerate((forum, samarkand)):
            await articles.add(
                session,
                synthetic(8000 + n, title=f"{ev.name} announced", events=(ev,)),
                source_id=None,
                story_id=None,
            )
    clock = Clock(datetime.now(UTC))
    async with BotAPIServer() as server:
        kz = Chat(server, server.private_chat(6001), server.user(6001, "ru"))
        en_all = Chat(server, server.private_chat(6002), server.user(6002, "en"))
        cfg = digest_config(server, sqlite_db)

        app = build_application(cfg, engine=sqlite_db.engine, clock=clock)
        async with running(app):
            # The choice comes with /subscribe (Kazakhstan: Almaty time, 09:00) …
            [saved] = await kz.send("/subscribe kz 09:00")
            assert ("🔔 Напоминать о событиях", "rem:1") in buttons(saved)
            await kz.press(saved, "rem:1")
            assert "Напоминания включены" in kz.messages()[-1].text
            # … and with /settings (every country, Tashkent time), where it can be undone.
            await en_all.send("/subscribe 10:00")
            [settings] = await en_all.send("/settings")
            assert ("🔔 Remind me of events", "rem:1") in buttons(settings)
            await en_all.press(settings, "rem:1")
            [settings] = await en_all.send("/settings")
            assert ("🔕 No event reminders", "rem:0") in buttons(settings)

            # 08:59 in Almaty on the eve: nothing yet.
            eve = datetime.combine(opening - timedelta(days=1), datetime.min.time(), ALMATY)
            clock.jump(eve.replace(hour=8, minute=59))
            await settle()
            assert reminders_in(server, 6001) == []
            clock.jump(eve.replace(hour=9))
            [tomorrow] = await wait_reminders(server, 6001, 1)
        assert tomorrow.startswith("🔔 Завтра: <b>Astana Hub Forum</b>")
        assert "Astana" in tomorrow and "🇰🇿" in tomorrow and "/event Astana Hub Forum" in tomorrow
        assert "Samarkand" not in " ".join(reminders_in(server, 6001))  # not their country

        # A restart later that evening: nothing is sent again.
        clock.jump(eve.replace(hour=21))
        app = build_application(cfg, engine=sqlite_db.engine, clock=clock)
        async with running(app):
            await settle(1.0)
            assert len(reminders_in(server, 6001)) == 1
            # 10:00 in Tashkent on the eve is 11:00 in Almaty… already past: the English
            # reader (every country) has both eve reminders by now.
            both = await wait_reminders(server, 6002, 2)
            assert sorted(t.split("<b>")[1].split("</b>")[0] for t in both) == [
                "Astana Hub Forum",
                "Samarkand IT Week",
            ]
            assert all(t.startswith("🔔 Tomorrow: ") for t in both)
            # The opening day at 09:00 in Almaty.
            clock.jump(eve.replace(hour=9) + timedelta(days=1))
            texts = await wait_reminders(server, 6001, 2)
        assert texts[1].startswith("🔔 Сегодня открывается: <b>Astana Hub Forum</b>")

        # Once more, a restart on the second day of the forum: still two reminders.
        clock.jump(eve.replace(hour=12) + timedelta(days=2))
        app = build_application(cfg, engine=sqlite_db.engine, clock=clock)
        async with running(app):
            await settle(1.0)
        assert len(reminders_in(server, 6001)) == 2

    async with sqlite_db.sessionmaker() as session:
        rows = (
            await session.execute(
                select(models.Delivery.period_key, models.Delivery.status)
                .join(models.Subscription)
                .join(models.Subscriber)
                .where(models.Subscriber.chat_id == 6001, models.Delivery.kind == "reminder")
                .order_by(models.Delivery.id)
            )
        ).all()
    assert [(key.rsplit(":", 1)[1], status) for key, status in rows] == [
        ("before", "sent"),
        ("open", "sent"),
    ]


async def test_turning_reminders_off_stops_them(sqlite_db: Database) -> None:
    opening = (datetime.now(UTC) + timedelta(days=3)).date()
    event = Event(key="bishkek-dev-days-2099", name="Bishkek Dev Days", start=opening, country="kg")
    async with sqlite_db.sessionmaker() as session, session.begin():
        await articles.add(
            session,
            synthetic(8100, title="Bishkek Dev Days", events=(event,)),
            source_id=None,
            story_id=None,
        )
    clock = Clock(datetime.now(UTC))
    async with BotAPIServer() as server:
        chat = Chat(server, server.private_chat(6003), server.user(6003, "ky"))
        app = build_application(
            digest_config(server, sqlite_db), engine=sqlite_db.engine, clock=clock
        )
        async with running(app):
            [saved] = await chat.send("/subscribe kg 09:00")
            await chat.press(saved, "rem:1")
            await chat.press(chat.messages()[-1], "rem:0")
            eve = datetime.combine(
                opening - timedelta(days=1), datetime.min.time(), ZoneInfo("Asia/Bishkek")
            )
            clock.jump(eve.replace(hour=9, minute=30))
            await settle(1.0)
        assert reminders_in(server, 6003) == []
