"""Trends as pictures end to end: /trends sends a PNG whose caption says it in words, the
admins' /stats a chart of recent activity, and words alone where a photo cannot go."""

from __future__ import annotations

import asyncio
import struct
from datetime import UTC, datetime, timedelta

import pytest_asyncio

from bot.services import trends
from storage import articles
from tests.conftest import Database
from tests.e2e.botapi import BotAPIServer, SentFile
from tests.e2e.conftest import ADMIN_ID, Chat, private
from tests.e2e.data import synthetic

NOW = datetime.now(UTC)
# An hour ago, unless that is last week (early on a Monday): then within this week still.
_WEEK_START = (NOW - timedelta(days=NOW.weekday())).replace(
    hour=0, minute=0, second=0, microsecond=0
)
ANCHOR = max(NOW - timedelta(hours=1), _WEEK_START + (NOW - _WEEK_START) / 2)
# Kazakhstan: 3 articles this week, 2 five weeks ago; Uzbekistan: 4 two weeks ago; one
# Kyrgyz article from half a year ago falls outside the three months.
RECENT = [
    *[("kz", 0, "ai") for _ in range(3)],
    *[("kz", 5, "fintech") for _ in range(2)],
    *[("uz", 2, "ai") for _ in range(4)],
    ("kg", 26, "egov"),
]


@pytest_asyncio.fixture
async def recent(seeded: Database) -> Database:
    async with seeded.sessionmaker() as session, session.begin():
        for n, (country, weeks_ago, topic) in enumerate(RECENT):
            await articles.add(
                session,
                synthetic(
                    9000 + n,
                    title=f"Recent {country} news {n}",
                    countries=(country,),
                    topics=(topic,),
                    published=ANCHOR - timedelta(weeks=weeks_ago),
                ),
                source_id=None,
                story_id=None,
            )
    return seeded


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def photo_after(chat: Chat, text: str) -> SentFile:
    before = len(chat.server.files)
    await chat.send(text, replies=0)
    for _ in range(200):
        if len(chat.server.files) > before:
            break
        await asyncio.sleep(0.05)
    [sent] = chat.server.files[before:]
    assert sent.method == "sendPhoto" and sent.chat_id == chat.id
    return sent


async def test_trends_sends_a_chart_with_its_words(bot: BotAPIServer, recent: Database) -> None:
    sent = await photo_after(private(bot, "en"), "/trends")
    assert png_size(sent.data) == (1000, 600) and 10_000 < len(sent.data) < 1_000_000
    caption = sent.caption.replace("\u202f", " ")
    assert "Articles per week" in caption
    assert "Kazakhstan: 3" not in caption  # this week alone is not the total …
    assert "🇰🇿 Kazakhstan: 5" in caption and "🇺🇿 Uzbekistan: 4" in caption
    assert "Kyrgyzstan" not in caption  # half a year ago
    # Undated seed articles count from when they were stored (now): one more AI story.
    assert "busiest week from" in caption and "Top topics: Artificial intelligence 8" in caption
    # The data behind the picture: 13 Monday-started weeks, this week last.
    answer = await trends.trends(recent.sessionmaker, "", lang="en", now=datetime.now(UTC))
    assert answer.chart is not None
    weeks, series = answer.chart.days, answer.chart.series
    assert len(weeks) == 13 and all(w.weekday() == 0 for w in weeks)
    assert series["kz"][-1] == 3 and series["kz"][-6] == 2 and sum(series["kz"]) == 5
    assert series["uz"][-3] == 4 and "kg" not in series
    assert answer.chart.png == sent.data  # cached for the hour: the same picture


async def test_trends_for_one_country_in_russian(bot: BotAPIServer, recent: Database) -> None:
    sent = await photo_after(private(bot, "ru"), "/trends Узбекистан")
    assert "Узбекистан: 4" in sent.caption and "Казахстан" not in sent.caption
    assert png_size(sent.data) == (1000, 600)


async def test_trends_for_an_unknown_country(bot: BotAPIServer) -> None:
    [reply] = await private(bot, "en").send("/trends Narnia")
    assert "I don't know a country called “Narnia”" in reply.text and not bot.files


async def test_words_alone_where_a_photo_cannot_be_sent(
    bot: BotAPIServer, recent: Database
) -> None:
    bot.fail("sendPhoto", 400, description="Bad Request: not enough rights to send photos")
    [reply] = await private(bot, "kk").send("/trends kz")
    assert "Аптасына мақалалар" in reply.text and "Қазақстан: 5" in reply.text.replace(
        "\u202f", " "
    )


async def test_admins_stats_adds_an_activity_chart(bot: BotAPIServer, recent: Database) -> None:
    admin = Chat(bot, bot.private_chat(ADMIN_ID), bot.user(ADMIN_ID, "en"))
    sent = await photo_after(admin, "/stats")
    assert png_size(sent.data) == (1000, 600)
    assert "articles stored" in sent.caption and "Last 14 days" in sent.caption
    chart = await trends.activity(recent.sessionmaker, lang="en", now=datetime.now(UTC))
    # Every article of this database was stored today; nothing was sent yet.
    assert chart.series["ingested"][-1] == sum(chart.series["ingested"]) >= len(RECENT)
    assert sum(chart.series["sent"]) == 0
    assert f"{sum(chart.series['ingested'])} articles stored" in sent.caption
