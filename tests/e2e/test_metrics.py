"""The operator's port of a running bot: /metrics moves as the bot works, /healthz, /readyz,
and `chaikhana status` shows the same figures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio

from bot.app import build_application, running
from bot.cli import main
from bot.services.status import Running, scrape
from storage import sources
from tests.conftest import Database
from tests.e2e.botapi import BotAPIServer
from tests.e2e.test_digests import Bot, Clock, _start_of_news, digest_config, store_fresh_news
from tests.integration.conftest import FeedServer, Route

FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
<title>Kun.uz</title><link>https://kun.uz/</link>
<item><title>Toshkentda sun'iy intellekt markazi ochildi</title>
<link>https://kun.uz/news/ai-markaz</link>
<description>Toshkentda sun'iy intellekt bo'yicha yangi markaz ochildi.</description>
</item>
<item><title>Ташкентда IT-парк янги резидентларни қабул қилди</title>
<link>https://kun.uz/news/itpark</link>
<description>IT-парк 120 та янги резидентни қабул қилди.</description>
</item>
<item><title>В Бишкеке открылся технопарк</title>
<link>https://kun.uz/news/bishkek</link>
<description>В Бишкеке открылся новый технопарк для стартапов.</description>
</item>
</channel></rss>"""


@dataclass
class Watched(Bot):
    url: str = ""
    feed: str = ""
    gone: str = ""


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture
async def bot(sqlite_db: Database, feeds: FeedServer) -> AsyncIterator[Watched]:
    await store_fresh_news(sqlite_db, published=datetime.now(UTC) - timedelta(hours=1))
    feed = feeds.add("/kun.xml", Route(body=FEED.encode(), content_type="application/rss+xml"))
    gone = feeds.add("/gone.xml", status=404, body=b"not here")
    async with sqlite_db.sessionmaker() as session, session.begin():
        await sources.add(session, kind="rss", url=feed, name="Kun.uz", country="uz")
        await sources.add(session, kind="rss", url=gone, name="Gone")
    clock = Clock(_start_of_news())
    async with BotAPIServer() as server:
        cfg = digest_config(
            server,
            sqlite_db,
            ingest={"poll": True, "interval": 30, "fetch_full_text": False},
            metrics={"port": 0, "refresh": 0.2},
        )
        app = build_application(cfg, engine=sqlite_db.engine, clock=clock)
        async with running(app):
            health = app.bot_data.health
            assert health is not None
            url = f"http://127.0.0.1:{health.port}"
            yield Watched(server, sqlite_db, clock, url=url, feed=feed, gone=gone)


async def until_ready(bot: Watched, wait: float = 60.0) -> Running:
    """Scrape until /readyz answers ready and this bot's first poll has been counted.

    The poll-duration histogram has no labels and is shared by every bot an xdist worker
    has run, so it cannot tell that *this* bot polled; its sources' own series can.
    """
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        running_ = await scrape(bot.url)
        polled = (
            running_.total("chaikhana_articles_total", source=bot.feed) >= 1
            and running_.total("chaikhana_source_failures", source=bot.gone) >= 1
        )
        if (running_.ready and polled) or asyncio.get_running_loop().time() > deadline:
            return running_
        await asyncio.sleep(0.1)


async def test_metrics_move_as_the_bot_polls_answers_and_sends(
    bot: Watched, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with httpx.AsyncClient() as client:
        live = await client.get(f"{bot.url}/healthz")
        assert (live.status_code, live.text) == (200, "ok\n")
        assert (await client.get(f"{bot.url}/nothing")).status_code == 404

    first = await until_ready(bot)
    assert first.ready, first.problems
    assert first.total("chaikhana_ready") == 1

    # the poll ran: three articles from the feed, the 404 one failing
    assert first.total("chaikhana_articles_total", source=bot.feed, outcome="ingested") == 3
    assert first.total("chaikhana_source_healthy", source=bot.feed) == 1
    assert first.total("chaikhana_source_healthy", source=bot.gone) == 0
    assert first.total("chaikhana_source_failures", source=bot.gone) == 1
    assert 0 <= first.total("chaikhana_source_seconds_since_success", source=bot.feed) < 60
    assert first.total("chaikhana_poll_duration_seconds_count") >= 1
    assert first.total("chaikhana_plan_duration_seconds_count") >= 1

    # a command, in Kazakh: counted, and its reply timed
    user = bot.server.user(7001, "kk", "Айгүл")
    chat = bot.server.private_chat(7001, "Айгүл")
    bot.server.add_chat(chat)
    mark = len(bot.server.calls)
    bot.server.push_text(chat, user, "/country Қазақстан")
    await bot.server.wait_sent(7001, wait=10, since=mark)
    await asyncio.sleep(0.2)
    after_command = await scrape(bot.url)
    assert after_command.total("chaikhana_commands_total", command="country") == (
        first.total("chaikhana_commands_total", command="country") + 1
    )
    replies = "chaikhana_reply_duration_seconds_count"
    assert (
        after_command.total(replies, command="country")
        == first.total(replies, command="country") + 1
    )

    # a digest, refused once with 429: planned, paused for, sent
    await bot.subscribe(7002, countries=("kz",), time_of_day="08:30", timezone="Asia/Tashkent")
    bot.server.fail("sendMessage", 429, retry_after=1)
    bot.clock.set_local(bot.clock(), "08:30")
    await bot.server.wait_sent(7002, wait=15)
    await asyncio.sleep(0.8)  # the outcome is written, the gauges refreshed
    sent = await scrape(bot.url)

    def moved(name: str, **labels: str) -> float:
        return sent.total(name, **labels) - first.total(name, **labels)

    assert moved("chaikhana_deliveries_planned_total") >= 1
    assert moved("chaikhana_deliveries_total", outcome="sent") >= 1
    assert moved("chaikhana_telegram_retry_after_total") == 1
    assert moved("chaikhana_telegram_paused_seconds_total") >= 1
    assert sent.total("chaikhana_outbox_deliveries", status="sent") >= 1
    assert sent.total("chaikhana_outbox_deliveries", status="pending") == 0
    assert sent.total("chaikhana_outbox_lag_seconds") == 0

    # `chaikhana status` shows the same facts on one screen
    monkeypatch.setenv("CHAIKHANA_DATABASE__URL", bot.db.url)
    monkeypatch.setenv("CHAIKHANA_METRICS__PORT", bot.url.rsplit(":", 1)[1])
    assert await asyncio.to_thread(main, ["status"]) == 0  # its own event loop
    screen = capsys.readouterr().out
    assert f"{bot.url}  ready" in screen
    assert (
        f"articles {sent.total('chaikhana_articles_total', outcome='ingested'):.0f} new" in screen
    )
    assert "sources   2 (2 active, 1 failing)" in screen
    assert "failing (1×: HTTP 404" in screen and bot.feed in screen
    # the process's totals (other tests in this process count too)
    retry_after = sent.total("chaikhana_telegram_retry_after_total")
    assert " sent, " in screen and f"429s {retry_after:.0f} " in screen

    monkeypatch.setenv("CHAIKHANA_METRICS__PORT", bot.url.rsplit(":", 1)[1])
    assert await asyncio.to_thread(main, ["health"]) == 0
    assert await asyncio.to_thread(main, ["health", "--live"]) == 0
