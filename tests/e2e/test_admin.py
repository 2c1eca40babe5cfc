"""The bot's admin commands end to end: channels, /stats, /sources, /broadcast_preview.

Only the users in ``telegram.admins`` may use them; anyone else is told the command is
unknown, as if it did not exist.
"""

from __future__ import annotations

import pytest

from storage import sources, subscriptions
from storage.subscriptions import SubscriptionView
from tests.conftest import Database
from tests.e2e.botapi import BotAPIServer
from tests.e2e.conftest import ADMIN_ID, Chat, private

CHANNEL_ID = -100_555_001


def admin_chat(server: BotAPIServer, lang: str = "en") -> Chat:
    """The private chat of the bot's admin (``telegram.admins``)."""
    return Chat(
        server, server.private_chat(ADMIN_ID, "Admin"), server.user(ADMIN_ID, lang, "Admin")
    )


def add_channel(server: BotAPIServer, *, admin: bool = True, can_post: bool = True) -> None:
    """Create the channel @chaikhana_news; make the bot its admin (that may post) if asked."""
    server.add_chat(server.channel_chat(CHANNEL_ID, "chaikhana_news", "Chaikhana <News>"))
    if admin:
        server.set_member(CHANNEL_ID, server.bot_id, "administrator", can_post_messages=can_post)


async def stored(db: Database, chat_id: int) -> SubscriptionView | None:
    async with db.sessionmaker() as session:
        return await subscriptions.get(session, chat_id)


# ---- channels -----------------------------------------------------------------------------


async def test_channel_add_list_set_remove(bot: BotAPIServer, seeded: Database) -> None:
    add_channel(bot)
    admin = admin_chat(bot)
    [reply] = await admin.send("/channel add @chaikhana_news kz uz 08:00")
    assert "<b>Chaikhana &lt;News&gt;</b> is linked" in reply.text
    view = await stored(seeded, CHANNEL_ID)
    assert view is not None and view.chat_type == "channel" and view.countries == ("kz", "uz")
    assert (view.cadence, view.time_of_day, view.timezone) == ("daily", "08:00", "Asia/Almaty")
    assert view.title == "Chaikhana <News>"

    [reply] = await admin.send("/channel list")
    assert "Chaikhana &lt;News&gt;" in reply.text and str(CHANNEL_ID) in reply.text

    [reply] = await admin.send("/channel set @chaikhana_news ai weekly fri 10:00")
    assert "updated" in reply.text
    view = await stored(seeded, CHANNEL_ID)
    assert view is not None and view.countries == ("kz", "uz") and view.topics == ("ai",)
    assert (view.cadence, view.weekday, view.time_of_day) == ("weekly", 4, "10:00")

    [reply] = await admin.send("/channel set @chaikhana_news blorp")
    assert "“blorp”" in reply.text

    [reply] = await admin.send("/channel remove @chaikhana_news")
    assert "unlinked" in reply.text
    view = await stored(seeded, CHANNEL_ID)
    assert view is not None and view.cancelled
    [reply] = await admin.send("/channel list")
    assert reply.text.startswith("No channels yet")
    [reply] = await admin.send("/channel set @chaikhana_news kz")
    assert "is not linked yet" in reply.text


@pytest.mark.parametrize(
    ("setup", "said"),
    [
        pytest.param(
            {"admin": False},
            "I'm not an admin of @chaikhana_news. Add the bot to the channel as an admin "
            "with “Post messages”",
            id="bot-not-admin",
        ),
        pytest.param(
            {"admin": True, "can_post": False},
            "may not post there. Give the bot the “Post messages” right",
            id="admin-without-post-right",
        ),
    ],
)
async def test_channel_add_says_what_to_fix(
    bot: BotAPIServer, seeded: Database, setup: dict[str, bool], said: str
) -> None:
    add_channel(bot, **setup)
    [reply] = await admin_chat(bot).send("/channel add @chaikhana_news")
    assert said in reply.text
    assert await stored(seeded, CHANNEL_ID) is None


async def test_channel_add_refuses_a_group_and_an_unknown_name(
    bot: BotAPIServer, seeded: Database
) -> None:
    bot.add_chat({"id": -100_555_002, "type": "supergroup", "title": "G", "username": "a_group"})
    admin = admin_chat(bot)
    [reply] = await admin.send("/channel add @a_group")
    assert reply.text.startswith("@a_group is not a channel.")
    [reply] = await admin.send("/channel add @nobody_here")
    assert reply.text.startswith("I can't find @nobody_here.")
    assert await stored(seeded, -100_555_002) is None
    [reply] = await admin.send("/channel")
    assert "/channel add @name" in reply.text


@pytest.mark.parametrize(
    "command", ["/channel add @chaikhana_news", "/stats", "/sources", "/broadcast_preview"]
)
async def test_admin_commands_are_unknown_to_others(
    bot: BotAPIServer, seeded: Database, command: str
) -> None:
    add_channel(bot)
    [reply] = await private(bot, "en").send(command)
    assert reply.text == "I don't know that command. /help lists what I can do."
    assert await stored(seeded, CHANNEL_ID) is None


# ---- /stats, /sources ---------------------------------------------------------------------


async def test_stats_counts_subscribers_and_sources(bot: BotAPIServer, seeded: Database) -> None:
    await private(bot, "en").send("/subscribe kz")
    await private(bot, "en").send("/subscribe uz")
    paused = private(bot, "en")
    await paused.send("/subscribe tj")
    await paused.send("/pause")
    admin = admin_chat(bot)
    await admin.send("/sources add https://feeds.example.org/rss.xml kz ru")
    [reply] = await admin.send("/stats")
    assert "Statistics" in reply.text
    assert "Subscribers: 3 (active 2, paused 1)" in reply.text
    assert "Digests today: sent 0, failed 0" in reply.text
    assert "Sources: 1 — ok 0, failing 0, new 1, paused 0" in reply.text


@pytest.mark.parametrize(("lang", "header"), [("ru", "Статистика"), ("kk", "Статистика")])
async def test_stats_in_the_admins_language(bot: BotAPIServer, lang: str, header: str) -> None:
    [reply] = await admin_chat(bot, lang).send("/stats")
    assert header in reply.text


async def test_sources_add_list_remove(bot: BotAPIServer, seeded: Database) -> None:
    admin = admin_chat(bot)
    [reply] = await admin.send("/sources")
    assert "No sources yet." in reply.text and "/sources add URL" in reply.text

    [reply] = await admin.send("/sources add https://feeds.example.org/rss.xml Казахстан ru")
    assert reply.text.startswith("✅ Source #")
    async with seeded.sessionmaker() as session:
        [record] = await sources.list_all(session)
    assert (record.url, record.country, record.lang) == (
        "https://feeds.example.org/rss.xml",
        "kz",
        "ru",
    )
    [reply] = await admin.send("/sources add https://feeds.example.org/rss.xml")
    assert "is already a source" in reply.text
    [reply] = await admin.send("/sources add feeds.example.org")
    assert "is not a web address" in reply.text
    [reply] = await admin.send("/sources add https://other.example.org/ Narnia")
    assert "“Narnia”" in reply.text

    [reply] = await admin.send("/sources")
    assert f"#{record.id} <b>https://feeds.example.org/rss.xml</b> 🇰🇿 RU" in reply.text
    assert "new" in reply.text

    [reply] = await admin.send(f"/sources remove {record.id}")
    assert "removed" in reply.text
    [reply] = await admin.send(f"/sources remove {record.id}")
    assert "There's no source" in reply.text
    async with seeded.sessionmaker() as session:
        assert await sources.list_all(session) == []


# ---- /broadcast_preview ----------------------------------------------------------------------


async def test_broadcast_preview_without_a_subscription(bot: BotAPIServer) -> None:
    [reply] = await admin_chat(bot).send("/broadcast_preview")
    assert "No subscription here to preview" in reply.text


async def test_broadcast_preview_of_a_channel(bot: BotAPIServer, seeded: Database) -> None:
    add_channel(bot)
    admin = admin_chat(bot)
    await admin.send("/channel add @chaikhana_news kz")
    replies = await admin.send("/broadcast_preview @chaikhana_news", replies=2)
    assert "Preview" in replies[0].text and "Chaikhana &lt;News&gt;" in replies[0].text
    assert len(replies) >= 2
    assert all(c.status in (200, 429) for c in bot.calls_to("sendMessage", chat_id=ADMIN_ID))
    assert bot.calls_to("sendMessage", chat_id=CHANNEL_ID) == []  # a preview posts nothing
