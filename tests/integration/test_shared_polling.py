"""Instances that share one database share the polling: each due source is fetched once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.ingest import SourceReport, fetch_sources
from digests.sources.http import Fetcher, FetchPolicy, make_client
from storage import sources
from storage.db import make_engine, make_sessionmaker
from tests.conftest import Database
from tests.integration.conftest import FeedServer, Route

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
INTERVAL = 900
LEASE = 600
SOURCES = 50
TITLES = (
    "Ташкентда IT-парк янги резидентларни қабул қилди",  # uz Cyrillic
    "Toshkentda sun'iy intellekt forumi ochildi",  # uz Latin
    "В Душанбе открылась ICT Week",  # ru
    "Астанада цифрлық форум өтті",  # kk
    "Бишкекте IT-борбор ачылды",  # ky
    "Дар Душанбе технопарк кушода шуд",  # tg
    "Aşgabatda sanly ulgam boýunça maslahat geçirildi",  # tk
    "Almaty hosts Central Asia's startup week",  # en
)


def feed(n: int) -> bytes:
    """Return a one-item RSS feed of its own for source ``n``."""
    title = f"{TITLES[n % len(TITLES)]} №{n}"
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {n}</title><link>https://news{n}.example/</link>"
        f"<item><title>{title}</title><link>https://news{n}.example/a/{n}</link>"
        f"<description>{title}. {title}.</description>"
        "<pubDate>Thu, 03 Dec 2026 08:00:00 GMT</pubDate></item>"
        "</channel></rss>"
    ).encode()


class Instance:
    """One bot instance's polling: its own engine, pool and HTTP client on the shared DB."""

    def __init__(self, name: str, db: async_sessionmaker[AsyncSession], fetcher: Fetcher) -> None:
        self.name, self.db, self.fetcher = name, db, fetcher

    async def poll(self, now: datetime) -> list[SourceReport]:
        """Poll what is due, as the bot's job does."""
        return await fetch_sources(
            self.db,
            self.fetcher,
            interval=INTERVAL,
            backoff_base=60,
            backoff_max=3600,
            fetch_full_text=False,
            concurrency=8,
            now=now,
            owner=self.name,
            lease=LEASE,
        )


@pytest.fixture
async def instances(db: Database) -> AsyncIterator[tuple[Instance, Instance]]:
    """Yield two instances, each with an engine and an HTTP client of its own."""
    policy = FetchPolicy(timeout=5, max_bytes=1_000_000, max_redirects=3, per_host=32)
    engine = make_engine(db.url)
    async with make_client(policy) as client_a, make_client(policy) as client_b:
        try:
            yield (
                Instance("a:1", db.sessionmaker, Fetcher(client_a, policy)),
                Instance("b:2", make_sessionmaker(engine), Fetcher(client_b, policy)),
            )
        finally:
            await engine.dispose()


async def add_sources(db: Database, server: FeedServer) -> dict[int, str]:
    """Serve and add SOURCES feeds; return each source's path by id."""
    paths = {}
    async with db.sessionmaker() as session, session.begin():
        for n in range(SOURCES):
            path = f"/feed/{n}.xml"
            url = server.add(path, Route(body=feed(n), content_type="application/rss+xml"))
            record = await sources.add(session, kind="rss", url=url, name=f"Feed {n}")
            paths[record.id] = path
    return paths


def fetched(server: FeedServer) -> Counter[str]:
    """Count the requests the server got per path."""
    return Counter(r.path for r in server.requests)


async def test_two_instances_fetch_each_source_once_per_interval(
    db: Database, feed_server: FeedServer, instances: tuple[Instance, Instance]
) -> None:
    a, b = instances
    paths = await add_sources(db, feed_server)

    first_a, first_b = await asyncio.gather(a.poll(NOW), b.poll(NOW))
    assert fetched(feed_server) == Counter({p: 1 for p in paths.values()})
    # both did a share of the work, and together every source, each by one of them
    ids_a = {r.source.id for r in first_a}
    ids_b = {r.source.id for r in first_b}
    assert ids_a.isdisjoint(ids_b) and ids_a | ids_b == set(paths)
    assert all(r.error is None and r.tally.new == 1 for r in first_a + first_b)

    # within the interval nothing is due, for either
    assert await asyncio.gather(a.poll(NOW + timedelta(seconds=300)), b.poll(NOW)) == [[], []]
    assert sum(fetched(feed_server).values()) == SOURCES

    later = NOW + timedelta(seconds=INTERVAL)
    await asyncio.gather(b.poll(later), a.poll(later))
    assert fetched(feed_server) == Counter({p: 2 for p in paths.values()})
    async with db.sessionmaker() as session:
        stored = await sources.list_all(session)
    assert all(s.health == "ok" and s.articles_total == 1 for s in stored)


async def test_a_dead_instances_sources_are_taken_over_after_the_lease(
    db: Database, feed_server: FeedServer, instances: tuple[Instance, Instance]
) -> None:
    _, survivor = instances
    paths = await add_sources(db, feed_server)
    async with db.sessionmaker() as session, session.begin():
        # an instance claims half of the due sources, then dies before fetching them
        dead = await sources.claim_due(session, NOW, owner="dead:9", lease=LEASE, limit=25)
    assert len(dead) == 25

    reports = await survivor.poll(NOW + timedelta(seconds=1))
    assert {r.source.id for r in reports} == set(paths) - {s.id for s in dead}
    assert sum(fetched(feed_server).values()) == SOURCES - 25

    # the lease is still running: the dead instance's sources are left alone
    assert await survivor.poll(NOW + timedelta(seconds=LEASE - 1)) == []

    taken_over = await survivor.poll(NOW + timedelta(seconds=LEASE))
    assert {r.source.id for r in taken_over} == {s.id for s in dead}
    assert fetched(feed_server) == Counter({p: 1 for p in paths.values()})
    async with db.sessionmaker() as session:
        stored = await sources.list_all(session)
    assert all(s.health == "ok" for s in stored)
