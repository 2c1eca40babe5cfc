"""The ingest pipeline over real HTTP and real databases: sources, dedupe, health, backoff."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.services.ingest import Status, fetch_sources, ingest_items, store
from digests.model import RawArticle
from digests.sources.files import read_path
from digests.sources.http import Fetcher
from storage import articles, sources
from tests.conftest import Database
from tests.integration.conftest import FeedServer, Route

NOW = datetime(2025, 4, 11, 9, 0, tzinfo=UTC)
SEEDS = Path(__file__).parents[1] / "fixtures" / "seeds"


async def add_source(database: Database, url: str, **fields: str) -> int:
    """Add a source and return its id."""
    async with database.sessionmaker() as session, session.begin():
        record = await sources.add(session, kind="rss", url=url, **fields)
    return record.id


async def source(database: Database, source_id: int) -> sources.SourceRecord:
    """Return a source's record as stored now."""
    async with database.sessionmaker() as session:
        record = await sources.get(session, source_id)
    assert record is not None
    return record


async def poll(database: Database, fetcher: Fetcher, *, now: datetime, only_due: bool = True):  # type: ignore[no-untyped-def]
    """Poll the sources as the bot's job does."""
    return await fetch_sources(
        database.sessionmaker,
        fetcher,
        interval=900,
        backoff_base=60,
        backoff_max=3600,
        fetch_full_text=False,
        only_due=only_due,
        now=now,
    )


async def test_feed_source_is_read_once_then_not_modified_and_a_failing_one_backs_off(
    db: Database, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    good_url = feed_server.add_fixture(
        "/tj.xml",
        "feeds/ru_cp1251.xml",
        "application/rss+xml; charset=utf-8",  # declared wrongly: the bytes are windows-1251
        etag='"v1"',
    )
    bad_url = feed_server.add("/gone.xml", status=404, body=b"not here")
    good = await add_source(db, good_url, name="Asia-Plus", country="tj")
    bad = await add_source(db, bad_url, name="Gone")

    reports = {r.source.id: r for r in await poll(db, fetcher, now=NOW)}
    assert reports[good].error is None
    assert reports[good].tally.new >= 3
    assert reports[good].tally.failed == 0
    assert reports[bad].error is not None and "HTTP 404" in reports[bad].error
    async with db.sessionmaker() as session:
        stored = await articles.recent(session, limit=50)
    titles = {a.title for a in stored}
    assert "В Душанбе завершилась ICT WEEK 2025" in titles  # decoded right despite the header
    assert all(a.source_name == "Asia-Plus" for a in stored)

    failing = await source(db, bad)
    assert failing.failures == 1
    assert failing.next_attempt_at is not None
    assert failing.next_attempt_at.replace(tzinfo=UTC) == NOW + timedelta(seconds=60)
    assert "failing" in failing.health and "HTTP 404" in failing.health
    assert (await source(db, good)).health == "ok"

    # Nothing is due a minute later: the good source waits its interval, the bad its backoff.
    assert await poll(db, fetcher, now=NOW + timedelta(seconds=30)) == []

    # Two minutes later the bad one is due again and backs off twice as long.
    later = NOW + timedelta(seconds=120)
    reports = await poll(db, fetcher, now=later)
    assert [r.source.id for r in reports] == [bad]
    failing = await source(db, bad)
    assert failing.failures == 2
    assert failing.next_attempt_at.replace(tzinfo=UTC) == later + timedelta(seconds=120)  # type: ignore[union-attr]

    # Polling everything again: the feed answers 304 to our ETag and nothing is stored twice.
    reports = {r.source.id: r for r in await poll(db, fetcher, now=later, only_due=False)}
    assert reports[good].not_modified
    assert reports[good].tally.new == 0
    assert feed_server.requests_for("/tj.xml")[-1].headers.get("if-none-match") == '"v1"'

    # The feed recovers for the bad source: its failures are forgotten.
    feed_server.add_fixture("/gone.xml", "feeds/uz_atom.xml", "application/atom+xml")
    reports = {r.source.id: r for r in await poll(db, fetcher, now=later, only_due=False)}
    assert reports[bad].error is None
    recovered = await source(db, bad)
    assert recovered.failures == 0 and recovered.health == "ok"


async def test_a_slow_source_does_not_hold_up_the_others(
    db: Database, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    slow = await add_source(db, feed_server.add("/slow.xml", Route(delay=5.0)))
    quick_ids = [
        await add_source(db, feed_server.add_fixture(f"/q{i}.xml", name, "application/rss+xml"))
        for i, name in enumerate(["feeds/uz_atom.xml", "feeds/central_asia.xml"])
    ]
    started = time.monotonic()
    reports = {r.source.id: r for r in await poll(db, fetcher, now=NOW)}
    elapsed = time.monotonic() - started
    assert reports[slow].error is not None
    assert all(reports[i].error is None and reports[i].tally.new > 0 for i in quick_ids)
    assert elapsed < 4.0  # the slow route sleeps 5 s; the client gives up long before


async def test_page_url_is_ingested_once(
    db: Database, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.add_fixture("/news/ict-week", "pages/asiaplus_article.html", "text/html")
    first = [o async for o in ingest_items(db.sessionmaker, [url], fetcher=fetcher)]
    assert [o.status for o in first] == [Status.NEW]
    assert first[0].article is not None and first[0].article.lang == "ru"
    again = [
        o async for o in ingest_items(db.sessionmaker, [url + "?utm_source=tg"], fetcher=fetcher)
    ]
    assert [o.status for o in again] == [Status.DUPLICATE]
    async with db.sessionmaker() as session:
        assert await articles.count(session) == 1


async def test_same_story_in_two_languages_joins_one_story(db: Database) -> None:
    outcomes = [
        o
        async for o in ingest_items(
            db.sessionmaker, [str(p) for p in sorted(SEEDS.glob("*.txt"))], fetcher=None
        )
    ]
    assert [o.status for o in outcomes] == [Status.NEW] * 5
    story = {o.item.rsplit("/", 1)[-1][:3]: o.story_id for o in outcomes}
    assert story["001"] == story["004"]
    assert len({story["000"], story["001"], story["002"], story["003"]}) == 4


async def test_unreadable_url_is_one_failure(
    db: Database, refused_url: str, fetcher: Fetcher
) -> None:
    outcomes = [o async for o in ingest_items(db.sessionmaker, [refused_url], fetcher=fetcher)]
    assert [o.status for o in outcomes] == [Status.FAILED]
    assert outcomes[0].error is not None and refused_url in outcomes[0].error
    assert "\n" not in outcomes[0].error


async def test_store_is_idempotent_by_guid(db: Database) -> None:
    raw = RawArticle(
        url=None,
        title="Бишкекте IT-хакатон өттү",
        text="Бишкекте Жогорку технологиялар паркинин колдоосу менен хакатон өттү.",
        guid="24kg-12345",
        source="24.kg",
    )
    first = await store(db.sessionmaker, raw)
    second = await store(
        db.sessionmaker,
        RawArticle(url=None, title=raw.title, text=raw.text + " Жаңыланды.", guid=raw.guid),
    )
    assert first.status is Status.NEW
    assert second.status is Status.DUPLICATE
    assert second.article_id == first.article_id


async def test_an_undated_report_still_joins_the_dated_one_of_its_story(db: Database) -> None:
    ru, uz = (
        next(iter(read_path(SEEDS / name)))
        for name in ("004_2d6ca10c64bcb45e.txt", "001_5aa6a9335c8af796.txt")
    )
    assert isinstance(ru, RawArticle) and isinstance(uz, RawArticle)
    assert uz.published is not None and uz.published.year == 2026
    # The Russian report, stored months later without its date line, is dated by nothing.
    undated = RawArticle(url="https://baq.kz/news/tokayev-digital", title=ru.title, text=ru.text)
    first = await store(db.sessionmaker, undated)
    assert first.article is not None and first.article.published is None
    second = await store(db.sessionmaker, uz)
    assert second.status is Status.NEW
    assert second.story_id == first.story_id


SHARED_PASSAGE = (
    "По словам министра, в этом году в республике откроются ещё три технопарка, а налоговые "
    "льготы для резидентов продлят до две тысячи тридцатого года. Министр отметил, что "
    "программа подготовки программистов охватит сорок тысяч школьников и студентов, а "
    "государственные услуги полностью переведут в электронный формат до конца следующего года. "
    "Он добавил, что обучение будет бесплатным, а лучшие выпускники получат гранты на "
    "стажировки в крупных технологических компаниях региона."
)


async def test_a_rewrite_sharing_a_passage_but_no_name_joins_its_story(db: Database) -> None:
    first = RawArticle(
        url="https://example.tj/ru/news/1",
        title="Министр рассказал о планах цифровизации",
        text="В пятницу прошла пресс-конференция министерства. " + SHARED_PASSAGE,
        published=datetime(2025, 3, 14, 9, tzinfo=UTC),
    )
    rewrite = RawArticle(
        url="https://other.example/ru/2",
        title="Три новых технопарка откроются в этом году",
        text=SHARED_PASSAGE + " Журналисты задали вопросы о сроках строительства.",
        published=datetime(2025, 3, 14, 15, tzinfo=UTC),
    )
    a = await store(db.sessionmaker, first)
    b = await store(db.sessionmaker, rewrite)  # a transaction of its own: found in the archive
    assert (a.status, b.status) == (Status.NEW, Status.NEW)
    assert b.story_id == a.story_id
