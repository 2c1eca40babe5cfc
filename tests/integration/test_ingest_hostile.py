"""Nothing a source sends stops ingestion: each bad item fails alone, with one line.

Feeds and files that once crashed the whole run (lone surrogates, NUL, bidi controls,
calendar-edge dates, URLs that parse but cannot be fetched, FIFOs, devices), a source
removed while it is polled, and a storing error that is no constraint clash.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.services.ingest import Status, fetch_sources, save_many
from digests.sources.http import Fetcher
from storage import articles, sources
from tests.conftest import ArticleFactory, Database
from tests.hostile import check_consistent, item, news, poisoned_items, rss
from tests.integration.conftest import FeedServer, Route

NOW = datetime(2025, 4, 11, 9, 0, tzinfo=UTC)


async def poll(database: Database, fetcher: Fetcher, now: datetime):  # type: ignore[no-untyped-def]
    return await fetch_sources(
        database.sessionmaker,
        fetcher,
        interval=900,
        backoff_base=1800,
        backoff_max=3600,
        fetch_full_text=False,
        now=now,
    )


async def add_source(database: Database, url: str) -> int:
    async with database.sessionmaker() as session, session.begin():
        return (await sources.add(session, kind="rss", url=url)).id


async def stored_urls(database: Database) -> set[str]:
    async with database.sessionmaker() as session:
        return {a.url or "" for a in await articles.recent(session, limit=500)}


def good_feed(server: FeedServer, name: str, lang: str, first: int, count: int) -> str:
    base = server.url(f"/{name}")
    items = [
        item(title=f"{name} {n}", link=f"{base}/{n}", description=news(lang, n))
        for n in range(first, first + count)
    ]
    return server.add(f"/{name}.xml", body=rss(items), content_type="application/rss+xml")


async def test_poisoned_feeds_among_good_ones_fail_alone_on_every_poll(
    db: Database, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    ru = good_feed(feed_server, "ru", "ru", 1, 3)
    kk = good_feed(feed_server, "kk", "kk", 1, 3)
    mixed_items, well_formed = poisoned_items(feed_server.url("/mixed"))
    mixed = feed_server.add("/mixed.xml", body=rss(mixed_items), content_type="text/xml")
    _, bad_only = poisoned_items(feed_server.url("/bad"))
    all_bad = feed_server.add(
        "/bad.xml", body=rss(poisoned_items(feed_server.url("/bad"))[0][bad_only:])
    )
    ids = {url: await add_source(db, url) for url in (ru, kk, mixed, all_bad)}

    reports = {r.source.url: r for r in await poll(db, fetcher, NOW)}

    assert reports[ru].tally.new == 3 and reports[kk].tally.new == 3
    assert reports[mixed].error is None
    assert reports[mixed].tally.new == well_formed
    assert reports[mixed].tally.failed == 4  # the four links that cannot be fetched
    assert len(reports[mixed].tally.errors) == 4
    assert reports[all_bad].error is not None and reports[all_bad].tally.failed == 4
    async with db.sessionmaker() as session:
        bad = await sources.get(session, ids[all_bad])
    assert bad is not None and bad.health.startswith("failing (1×: every entry failed (4)")
    assert bad.next_attempt_at is not None
    await check_consistent(db.engine)

    # the next poll: new articles in the good feeds are stored, the failing one waits
    good_feed(feed_server, "ru", "ru", 1, 5)
    good_feed(feed_server, "kk", "kk", 4, 2)
    later = NOW + timedelta(seconds=901)
    reports = {r.source.url: r for r in await poll(db, fetcher, later)}
    assert reports[ru].tally.new == 2 and reports[ru].tally.duplicates == 3
    assert reports[kk].tally.new == 2
    assert all_bad not in reports  # backed off for 1800 s after its failure
    urls = await stored_urls(db)
    assert {f"{feed_server.url('/ru')}/{n}" for n in range(1, 6)} <= urls
    assert not any(u.startswith(("javascript:", "data:")) for u in urls)
    await check_consistent(db.engine)


async def test_in_feed_repeats_count_as_duplicates(
    db: Database, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    base = feed_server.url("/rep")
    one = item(title="One", link=f"{base}/1", guid="g-1", description=news("ru", 1))
    two = item(title="Two", link=f"{base}/2", guid="g-2", description=news("en", 2))
    again = item(title="One again", link=f"{base}/1b", guid="g-1", description=news("ru", 1))
    url = feed_server.add("/rep.xml", body=rss([one, two, one, two, one, again]))
    await add_source(db, url)

    [report] = await poll(db, fetcher, NOW)

    assert (report.tally.new, report.tally.duplicates, report.tally.failed) == (2, 4, 0)


async def test_a_source_removed_while_polled_is_no_crash(
    db: Database, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    slow = feed_server.add(
        "/slow.xml",
        Route(
            body=rss([item(title="S", link="https://s.example/1", description=news("ru", 1))]),
            content_type="application/rss+xml",
            delay=0.3,
        ),
    )
    quick = good_feed(feed_server, "q", "en", 1, 2)
    slow_id = await add_source(db, slow)
    await add_source(db, quick)

    async def remove_soon() -> None:
        await asyncio.sleep(0.1)
        async with db.sessionmaker() as session, session.begin():
            assert await sources.remove(session, slow_id)

    reports, _ = await asyncio.gather(poll(db, fetcher, NOW), remove_soon())

    by_url = {r.source.url: r for r in reports}
    assert by_url[quick].tally.new == 2 and by_url[quick].error is None
    assert by_url[slow].error is not None and "removed while polled" in by_url[slow].error
    assert "https://s.example/1" not in await stored_urls(db)
    await check_consistent(db.engine)


async def test_a_batch_keeps_its_good_articles_beside_one_that_breaks_storing(
    db: Database, make_article: ArticleFactory
) -> None:
    good = [make_article(title=f"Good {n}") for n in range(3)]
    # not a constraint clash: a value the driver cannot send at all
    broken = dataclasses.replace(make_article(title="Broken"), published=object())  # type: ignore[arg-type]
    pending = [(a.title, a) for a in (good[0], broken, good[1], good[2])]

    outcomes = await save_many(db.sessionmaker, pending, source_id=None)

    assert [o.status for o in outcomes] == [Status.NEW, Status.FAILED, Status.NEW, Status.NEW]
    assert outcomes[1].error is not None and outcomes[1].error.startswith("Broken: ")
    async with db.sessionmaker() as session:
        assert await articles.count(session) == 3
    await check_consistent(db.engine)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in list(os.environ):
        if key.startswith("CHAIKHANA_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, list[str]]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err.splitlines()


def test_cli_ingest_of_hostile_files_fails_each_bad_item_alone(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_items, well_formed = poisoned_items("https://mixed.example")
    (workdir / "feed.xml").write_bytes(rss(feed_items))
    lines = [
        {"url": "https://j.example/1", "title": "\ud800 broken", "text": news("ru", 11)},
        {"url": "https://j.example/2", "text": news("uz-cyrl", 12)},  # no title
        {"url": "https://j.example/3", "title": "NUL\u0000", "text": news("en", 13) + "\u0000"},
        {
            "url": "https://j.example/4",
            "title": "D",
            "published": "0001-01-01T00:00:00+05:00",
            "text": news("kk", 14),
        },
        {"url": "https://j.example/5", "title": "\u202eevil", "text": "\u2066" + news("tg", 15)},
        {"url": "javascript:void(0)", "title": "JS", "text": news("tk", 16)},
        {"url": "https://j.example/7", "title": "Empty", "text": "\u0000 \u202e \u200f"},
        {"url": "https://j.example/8", "title": "x" * 1_000_000, "text": news("ky", 18)},
        {"url": "https://j.example/9", "title": "Lol", "text": "lol " * 50_000},
    ]
    (workdir / "a.jsonl").write_text(
        "\n".join(json.dumps(line) for line in lines), encoding="utf-8"
    )
    os.mkfifo(workdir / "fifo.txt")
    (workdir / "zero.txt").symlink_to("/dev/zero")
    (workdir / "loop.txt").symlink_to("loop.txt")

    status, _, err = run(
        capsys,
        "ingest",
        "feed.xml",
        "a.jsonl",
        "fifo.txt",
        "zero.txt",
        "loop.txt",
        "http://host.example:99999/x",
        "http://[::1/x",
    )

    errors = [line for line in err if line.startswith("error: ")]
    assert status == 1
    assert err[-1] == f"ingested {well_formed + 6}, duplicates 0, failed {4 + 3 + 3 + 2}"
    assert len(errors) == 12, errors
    for error in errors:  # each bad item named once, on its own line
        assert error.count(error.split(": ", 2)[1]) == 1, error
    assert "error: fifo.txt: not a regular file (a FIFO)" in errors
    assert "error: zero.txt: not a regular file (a character device)" in errors
    assert not any("file://" in e for e in errors)
    with sqlite3.connect(workdir / "chaikhana.db") as conn:
        rows = conn.execute("SELECT title, text, url, published FROM articles").fetchall()
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for title, body, url, published in rows:
        for value in (title, body, url):
            assert "\x00" not in value and "\ufeff" not in value
            assert not any("\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069" for ch in value)
        assert 0 < len(title) <= 200 and body.strip()
        assert published is None or published[:4] not in ("0001", "9999")
    titles = {r[0] for r in rows}
    assert "\ufffd broken" in titles  # the broken character is marked where it was
    assert "Тошкентда янги IT парк очилди, унда юздан ортиқ компания ишлайди." in titles
