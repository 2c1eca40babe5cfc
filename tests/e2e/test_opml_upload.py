"""An admin sends an OPML file to the bot: its feeds become sources, bad outlines are listed."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from storage import models
from tests.conftest import Database
from tests.e2e.botapi import BotAPIServer
from tests.e2e.conftest import ADMIN_ID, private

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><body>
<outline text="Kaktus" xmlUrl="https://kaktus.media/?rss" country="kg" language="ru" weight="2"/>
<outline text="Ёмон" xmlUrl="javascript:alert(1)"/>
<outline text="Kaktus twice" xmlUrl="https://kaktus.media/?rss"/>
</body></opml>""".encode()


async def replies_after(server: BotAPIServer, chat_id: int, before: int) -> list[str]:
    for _ in range(200):
        if len(server.sent(chat_id)) > before:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)
    return [m.text for m in server.sent(chat_id)[before:]]


async def test_admin_uploads_opml(bot: BotAPIServer, seeded: Database) -> None:
    chat, user = bot.private_chat(ADMIN_ID), bot.user(ADMIN_ID, "ru")
    bot.push_document(chat, user, OPML, file_name="feeds.opml", mime_type="text/x-opml")
    [reply] = await replies_after(bot, ADMIN_ID, 0)
    assert "добавлено 1, уже были 0, отклонено 2" in reply
    assert "javascript:alert(1)" in reply and "appears twice" in reply
    async with seeded.sessionmaker() as session:
        [source] = (
            (
                await session.execute(
                    select(models.Source).where(models.Source.url == "https://kaktus.media/?rss")
                )
            )
            .scalars()
            .all()
        )
    assert (source.country, source.lang, source.weight) == ("kg", "ru", 2.0)


async def test_malformed_file_is_one_line(bot: BotAPIServer) -> None:
    chat, user = bot.private_chat(ADMIN_ID), bot.user(ADMIN_ID, "en")
    before = len(bot.sent(ADMIN_ID))
    bot.push_document(chat, user, b"<opml><body", file_name="x.opml", mime_type="text/xml")
    [reply] = await replies_after(bot, ADMIN_ID, before)
    assert "added 0, already there 0, refused 1" in reply and "not well-formed XML" in reply


async def test_a_non_admins_document_is_ignored(bot: BotAPIServer, seeded: Database) -> None:
    someone = private(bot, "en")
    bot.push_document(someone.chat, someone.user, OPML, file_name="f.opml", mime_type="text/xml")
    await asyncio.sleep(1.0)
    assert someone.messages() == [] and not bot.calls_to("getFile")
