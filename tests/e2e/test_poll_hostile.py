"""The poll job of a running bot: one poisoned feed among good ones fails alone, every poll.

The real bot (its JobQueue, the poll job, the real fetcher) against feeds on a loopback
server: the good feeds' articles are stored on every poll, the feed that poisons every
entry is recorded as failing with the reason and backed off, and a feed that mixes
poison with news keeps its news.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from bot.app import build_application, running
from storage import articles, sources
from tests.conftest import Database
from tests.e2e.botapi import BotAPIServer
from tests.e2e.test_digests import Clock, digest_config
from tests.hostile import check_consistent, item, news, poisoned_items, rss
from tests.integration.conftest import FeedServer


def good_feed(feeds: FeedServer, name: str, lang: str, count: int) -> str:
    base = feeds.url(f"/{name}")
    items = [
        item(title=f"{name} {n}", link=f"{base}/{n}", description=news(lang, n))
        for n in range(1, count + 1)
    ]
    return feeds.add(f"/{name}.xml", body=rss(items), content_type="application/rss+xml")


async def stored_count(db: Database) -> int:
    async with db.sessionmaker() as session:
        return await articles.count(session)


async def wait_for_count(db: Database, count: int, wait: float = 60.0) -> None:
    # generous: on a loaded machine the first poll also loads the language models
    deadline = time.monotonic() + wait
    while await stored_count(db) < count:
        assert time.monotonic() < deadline, f"only {await stored_count(db)} of {count} stored"
        await asyncio.sleep(0.1)


async def test_poisoned_feed_fails_alone_on_every_poll_of_the_running_bot(
    sqlite_db: Database,
) -> None:
    feeds = FeedServer()
    feeds.start()
    try:
        ru = good_feed(feeds, "ru", "ru", 2)
        tk = good_feed(feeds, "tk", "tk", 2)
        mixed_items, well_formed = poisoned_items(feeds.url("/mixed"))
        mixed = feeds.add("/mixed.xml", body=rss(mixed_items), content_type="text/xml")
        poison = feeds.add("/poison.xml", body=rss(mixed_items[well_formed:]))
        ids = {}
        for url in (ru, tk, mixed, poison):
            async with sqlite_db.sessionmaker() as session, session.begin():
                ids[url] = (await sources.add(session, kind="rss", url=url)).id
        clock = Clock(datetime.now(UTC))
        async with BotAPIServer() as server:
            cfg = digest_config(
                server,
                sqlite_db,
                ingest={"poll": True, "fetch_full_text": False, "backoff_base": 3600},
            )
            app = build_application(cfg, engine=sqlite_db.engine, clock=clock)
            async with running(app):
                await wait_for_count(sqlite_db, 2 + 2 + well_formed)  # the first poll, at 1 s
                async with sqlite_db.sessionmaker() as session:
                    bad = await sources.get(session, ids[poison])
                    good = await sources.get(session, ids[ru])
                assert bad is not None and good is not None
                assert bad.health.startswith("failing (1×: every entry failed (4)")
                assert good.health == "ok"

                # the next poll, an interval later: the good feeds have news again
                good_feed(feeds, "ru", "ru", 4)
                good_feed(feeds, "tk", "tk", 3)
                clock.jump(clock() + timedelta(seconds=cfg.ingest.interval + 1))
                [job] = app.job_queue.get_jobs_by_name("poll-sources")
                await job.run(app)
                await wait_for_count(sqlite_db, 4 + 3 + well_formed)
        assert len(feeds.requests_for("/poison.xml")) == 1  # backed off, not polled again
        assert len(feeds.requests_for("/ru.xml")) == 2
        await check_consistent(sqlite_db.engine)
    finally:
        feeds.stop()
