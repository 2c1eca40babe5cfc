"""Extraction and understanding in worker processes: every core, and each task fails alone.

Real worker processes (pebble, from a forkserver), real files, a real database. The only fake
is at the edge: for the hostile cases, trafilatura inside the workers is made to hang or to
die on a page carrying a marker, as a real hostile page would make a C parser do; our code
around it runs as it is.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services.ingest import Outcome, Status, fetch_sources, ingest_items
from digests.sources.http import Fetcher
from digests.sources.workers import TaskFailed, WorkerPool
from storage import articles, sources
from tests.conftest import Database
from tests.hostile import NEWS, item, news, rss
from tests.integration.conftest import FeedServer

HANG = "HANG-THE-WORKER"
CRASH = "CRASH-THE-WORKER"
# Generous: a small page is extracted in well under a second even on a loaded machine.
TIMEOUT = 20.0


def hostile_trafilatura() -> None:
    """Worker initializer: trafilatura hangs or segfaults on a page with a marker."""
    import digests.sources.pages as pages

    real = pages.trafilatura.bare_extraction

    def bare_extraction(html, **kwargs):  # type: ignore[no-untyped-def]
        seen = html if isinstance(html, str) else html.text_content()  # a string or a tree
        if HANG in seen:
            time.sleep(3600)
        if CRASH in seen:
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(html, **kwargs)

    pages.trafilatura.bare_extraction = bare_extraction


def page(title: str, text: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split(". ") if p)
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}"
        f"<p>{text}</p></article></body></html>"
    )


def write_pages(folder: Path, count: int) -> list[Path]:
    """Write count good pages, in every language the tests know, and a .txt and a .jsonl."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    langs = sorted(NEWS)
    for n in range(count):
        lang = langs[n % len(langs)]
        path = folder / f"{n:02d}-{lang}.html"
        path.write_text(page(f"{lang} news {n}", news(lang, n) + " " + news(lang, n + 100)))
        paths.append(path)
    txt = folder / "plain.txt"
    txt.write_text(f"2025-04-10\nPlain title\n\n{news('ru', 500)}\n", encoding="utf-8")
    lines = folder / "lines.jsonl"
    lines.write_text(
        "\n".join(
            json.dumps({"url": f"https://lines.example/{n}", "text": news("uz", 600 + n)})
            for n in range(3)
        )
        + "\n",
        encoding="utf-8",
    )
    return [*paths, txt, lines]


async def ingest(database: Database, items: list[Path], pool: WorkerPool | None) -> list[Outcome]:
    stream = ingest_items(database.sessionmaker, [str(p) for p in items], fetcher=None, pool=pool)
    return [o async for o in stream]


def summary(outcomes: list[Outcome]) -> list[tuple[str, str, str | None, str | None]]:
    """What a run did, item by item, without ids: status, title and summary."""
    return [
        (
            Path(o.item).name,
            o.status.value,
            o.article.title if o.article else None,
            o.article.summary if o.article else None,
        )
        for o in outcomes
    ]


async def test_the_pool_stores_what_one_process_stores(db: Database, tmp_path: Path) -> None:
    items = write_pages(tmp_path / "pages", 16)
    async with WorkerPool(2, timeout=TIMEOUT) as pool:
        pooled = await ingest(db, items, pool)
    assert [o.status for o in pooled].count(Status.NEW) == len(items) - 1 + 3  # 3 lines
    # stored for good: read again without a pool, every one is a duplicate
    assert {o.status for o in await ingest(db, items, None)} == {Status.DUPLICATE}
    async with db.sessionmaker() as session:
        stored = await articles.recent(session, limit=100)
    assert len(stored) == len(pooled)
    by_url = {a.url: a for a in stored}
    for outcome in pooled:
        assert outcome.article is not None
        record = by_url[outcome.article.url]
        assert record.id == outcome.article_id
        assert record.story_id == outcome.story_id


async def test_same_results_with_and_without_a_pool(tmp_path: Path, sqlite_db: Database) -> None:
    from storage.db import make_engine, make_sessionmaker, upgrade

    items = write_pages(tmp_path / "pages", 12)
    alone = await ingest(sqlite_db, items, None)
    engine = make_engine(f"sqlite:///{tmp_path / 'pooled.db'}")
    await upgrade(engine)
    try:
        pooled_db = Database(engine, make_sessionmaker(engine), "sqlite", "")
        async with WorkerPool(2, timeout=TIMEOUT) as pool:
            pooled = await ingest(pooled_db, items, pool)
    finally:
        await engine.dispose()
    assert summary(pooled) == summary(alone)
    assert [o.story_id for o in pooled] == [o.story_id for o in alone]
    assert [o.article_id for o in pooled] == [o.article_id for o in alone]


async def test_a_page_that_hangs_or_kills_its_worker_fails_alone(
    sqlite_db: Database, tmp_path: Path
) -> None:
    db = sqlite_db  # the pool's part does not depend on the database
    items = write_pages(tmp_path / "pages", 6)
    hang = tmp_path / "pages" / "hang.html"
    hang.write_text(page("Hanging page", news("kk", 1) + " " + HANG))
    crash = tmp_path / "pages" / "crash.html"
    crash.write_text(page("Crashing page", news("ky", 1) + " " + CRASH))
    mixed = [*items[:3], hang, *items[3:5], crash, *items[5:]]
    async with WorkerPool(2, timeout=TIMEOUT, initializer=hostile_trafilatura) as pool:
        outcomes = await ingest(db, mixed, pool)
    failed = {Path(o.item).name: o.error for o in outcomes if o.status is Status.FAILED}
    assert set(failed) == {"hang.html", "crash.html"}
    assert failed["hang.html"] == f"{hang}: not done in {TIMEOUT:g} s; its worker was stopped"
    assert failed["crash.html"] == f"{crash}: its worker died (signal {int(signal.SIGSEGV)})"
    assert sum(o.status is Status.NEW for o in outcomes) == len(items) - 1 + 3
    async with db.sessionmaker() as session:
        assert await articles.count(session) == len(items) - 1 + 3


async def test_a_dead_worker_is_replaced(sqlite_db: Database, tmp_path: Path) -> None:
    """One worker only: after the page that killed it, the next pages are still read."""
    db = sqlite_db
    crash = tmp_path / "crash.html"
    crash.write_text(page("Crashing page", news("tg", 2) + " " + CRASH))
    items = write_pages(tmp_path / "pages", 4)
    async with WorkerPool(1, timeout=TIMEOUT, initializer=hostile_trafilatura) as pool:
        outcomes = await ingest(db, [crash, *items], pool)
        again = await ingest(db, [crash], pool)
    statuses = [o.status for o in outcomes]
    assert statuses == [Status.FAILED] + [Status.NEW] * (len(items) - 1 + 3)
    assert [o.status for o in again] == [Status.FAILED]


def sleep_and_tell(path: str) -> int:
    Path(path).write_text(str(os.getpid()))
    time.sleep(3600)
    return os.getpid()


def whoami() -> int:
    return os.getpid()


async def test_a_worker_killed_from_outside_fails_its_task_alone(tmp_path: Path) -> None:
    marker = tmp_path / "pid"
    async with WorkerPool(1, timeout=600) as pool:
        first = await pool.run("first", whoami)
        task = asyncio.ensure_future(pool.run("sleeper", sleep_and_tell, str(marker)))
        deadline = time.monotonic() + 120
        while not marker.exists() or not marker.read_text():
            assert time.monotonic() < deadline, "the task never started"
            await asyncio.sleep(0.05)
        victim = int(marker.read_text())
        assert victim == first
        os.kill(victim, signal.SIGKILL)
        with pytest.raises(TaskFailed, match=r"^sleeper: its worker died \(signal 9\)$"):
            await task
        replacement = await pool.run("after", whoami)
    assert replacement != victim


async def test_a_source_whose_page_kills_its_worker_fails_alone_in_a_poll(
    sqlite_db: Database, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    """``sources fetch`` and the poll job with workers: the page source that kills its
    worker is recorded as failing, with the reason; the feed and the good page are stored."""
    good_page = feed_server.add(
        "/good.html", body=page("Tech news", news("tk", 3)).encode(), content_type="text/html"
    )
    crashing = page("Bad", news("ky", 3) + " " + CRASH).encode()
    bad_page = feed_server.add("/bad.html", body=crashing, content_type="text/html")
    base = feed_server.url("/feed")
    entries = [item(title=f"uz {n}", link=f"{base}/{n}", description=news("uz", n)) for n in (1, 2)]
    feed = feed_server.add("/feed.xml", body=rss(entries), content_type="application/rss+xml")
    ids = {}
    for url in (good_page, bad_page, feed):
        async with sqlite_db.sessionmaker() as session, session.begin():
            ids[url] = (await sources.add(session, kind="rss", url=url)).id
    async with WorkerPool(2, timeout=TIMEOUT, initializer=hostile_trafilatura) as pool:
        reports = {
            r.source.id: r
            for r in await fetch_sources(
                sqlite_db.sessionmaker,
                fetcher,
                interval=900,
                backoff_base=1800,
                backoff_max=3600,
                fetch_full_text=False,
                now=datetime(2025, 4, 11, 9, 0, tzinfo=UTC),
                pool=pool,
            )
        }
    assert reports[ids[bad_page]].error == f"its worker died (signal {int(signal.SIGSEGV)})"
    assert reports[ids[good_page]].tally.new == 1 and reports[ids[feed]].tally.new == 2
    async with sqlite_db.sessionmaker() as session:
        bad = await sources.get(session, ids[bad_page])
        assert await articles.count(session) == 3
    assert bad is not None and bad.health.startswith("failing (1×: its worker died")
