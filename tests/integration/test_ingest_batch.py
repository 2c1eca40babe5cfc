"""Storing a batch of articles in one transaction, on real SQLite and PostgreSQL.

The guarantee is "atomic per batch, with per-article fallback": each article is stored
once, an article may join a story started earlier in the same batch, and when the batch
transaction fails (here: a concurrent writer stores one of its articles first) every
article is stored on its own, so the one that clashes fails alone and nothing is left
half-written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event, text

from bot.services.ingest import Status, expand_paths, ingest_items, store, store_many
from digests.model import RawArticle
from digests.sources.files import read_path
from digests.understand import understand
from storage import articles, sources

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from tests.conftest import ArticleFactory, Database

SEEDS = Path(__file__).parents[1] / "fixtures" / "seeds"
TABLES = ("articles", "stories", "article_tags", "article_keys", "article_events", "events")


def seed(number: str) -> RawArticle:
    """Return the raw article of one seed file, e.g. '001'."""
    (path,) = SEEDS.glob(f"{number}_*.txt")
    (raw,) = [r for r in read_path(path) if isinstance(r, RawArticle)]
    return raw


# Different news, so that articles differing only by their number are not near-duplicates.
NEWS = (
    ("Toshkentda IT Park yangi ofis ochdi", "IT Park rezidentlari soni {n} taga yetdi."),
    ("Samarqandda data-markaz quriladi", "Yangi data-markazning quvvati {n} megavatt boʻladi."),
    ("Buxoroda xakaton yakunlandi", "Musobaqada {n} nafar yosh dasturchi ishtirok etdi."),
    ("Namanganda davlat xizmatlari koʻpaydi", "Onlayn xizmatlar soni {n} taga oshdi."),
    ("Andijonda startaplarga grant berildi", "Grantlar jamgʻarmasi {n} mlrd soʻmni tashkil etdi."),
    ("Xorazmda internet tezligi oshdi", "Tarmoq {n} ta qishloqqa yetkazildi."),
    ("Fargʻonada IT maktab ochildi", "Maktabda {n} nafar oʻquvchi bepul oʻqiydi."),
    ("Qarshida onlayn toʻlovlar oʻsdi", "Bir oyda {n} ming tranzaksiya amalga oshirildi."),
)


def raw(n: int, **fields: Any) -> RawArticle:
    """Return a distinct little article."""
    title, text = NEWS[n % len(NEWS)]
    values: dict[str, Any] = {
        "url": f"https://kun.uz/news/{n}",
        "title": f"{title} {n}",
        "text": text.format(n=n) + " Bu yil yangi loyihalar kutilmoqda.",
    }
    values.update(fields)
    return RawArticle(**values)


async def counts(session: AsyncSession) -> dict[str, int]:
    """Return the number of rows in each article table."""
    return {
        t: (await session.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one() for t in TABLES
    }


async def story_sizes_agree(session: AsyncSession) -> bool:
    """Tell whether every story's article_count is the number of its articles."""
    wrong = await session.execute(
        text(
            "SELECT s.id FROM stories s LEFT JOIN articles a ON a.story_id = s.id "
            "GROUP BY s.id, s.article_count HAVING count(a.id) != s.article_count"
        )
    )
    return not wrong.all()


async def test_a_batch_stores_each_article_once(db: Database) -> None:
    earlier = await store(db.sessionmaker, raw(0))
    assert earlier.status is Status.NEW
    batch = [
        raw(1),
        raw(2, url="https://kun.uz/news/1?utm_source=telegram&utm_medium=post"),  # same URL
        raw(3, guid="kun-42"),
        raw(4, guid="kun-42"),  # same guid
        raw(5, url="https://daryo.uz/a"),
        raw(5, url="https://daryo.uz/b"),  # same title and text: same content
        raw(6, url="https://kun.uz/news/0#comments"),  # stored before the batch
        raw(7),
    ]
    outcomes = await store_many(db.sessionmaker, batch)

    assert [o.status for o in outcomes] == [
        Status.NEW,
        Status.DUPLICATE,
        Status.NEW,
        Status.DUPLICATE,
        Status.NEW,
        Status.DUPLICATE,
        Status.DUPLICATE,
        Status.NEW,
    ]
    assert [o.item for o in outcomes] == [r.url for r in batch]
    assert outcomes[1].article_id == outcomes[0].article_id
    assert outcomes[3].article_id == outcomes[2].article_id
    assert outcomes[5].article_id == outcomes[4].article_id
    assert outcomes[6].article_id == earlier.article_id
    new_ids = [o.article_id for o in outcomes if o.status is Status.NEW]
    assert None not in new_ids and len(set(new_ids)) == 4
    async with db.sessionmaker() as session:
        assert (await counts(session))["articles"] == 5
        assert await story_sizes_agree(session)
        for o in outcomes:
            record = await articles.get(session, o.article_id)  # type: ignore[arg-type]
            assert record is not None
            if o.status is Status.NEW:
                assert record.url == o.article.url  # type: ignore[union-attr]
                assert record.story_id == o.story_id

    # The same batch again: all duplicates of what is stored, nothing new.
    again = await store_many(db.sessionmaker, batch)
    assert {o.status for o in again} == {Status.DUPLICATE}
    async with db.sessionmaker() as session:
        assert (await counts(session))["articles"] == 5


async def test_guid_repeats_count_per_source(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        feed = await sources.add(session, kind="rss", url="https://kun.uz/rss")
        other = await sources.add(session, kind="rss", url="https://daryo.uz/rss")
    first = await store_many(db.sessionmaker, [raw(1, guid="g-1")], source_id=feed.id)
    outcomes = await store_many(
        db.sessionmaker, [raw(2, guid="g-1"), raw(3, guid="g-1")], source_id=other.id
    )
    assert [o.status for o in first] == [Status.NEW]
    # Another source's guid is no clash; the repeat inside this source's batch is.
    assert [o.status for o in outcomes] == [Status.NEW, Status.DUPLICATE]
    assert outcomes[1].article_id == outcomes[0].article_id


async def test_an_article_joins_a_story_started_earlier_in_its_batch(db: Database) -> None:
    raws = [seed(n) for n in ("000", "001", "002", "003", "004")]
    outcomes = await store_many(db.sessionmaker, raws)

    assert [o.status for o in outcomes] == [Status.NEW] * 5
    story = dict(
        zip(("000", "001", "002", "003", "004"), (o.story_id for o in outcomes), strict=True)
    )
    assert story["001"] == story["004"]
    assert len({story["000"], story["001"], story["002"], story["003"]}) == 4
    async with db.sessionmaker() as session:
        assert (await counts(session))["stories"] == 4
        assert await story_sizes_agree(session)


async def test_a_batch_joins_a_stored_story_and_each_other(db: Database) -> None:
    first = await store(db.sessionmaker, seed("001"))
    retold = seed("001")
    retold = RawArticle(
        url="https://uza.uz/posts/retold",
        title=retold.title,
        text=retold.text + "\n\nМанба: Kazinform.",
        published=retold.published,
    )
    outcomes = await store_many(db.sessionmaker, [seed("004"), seed("002"), retold])

    assert [o.status for o in outcomes] == [Status.NEW] * 3
    assert outcomes[0].story_id == first.story_id
    assert outcomes[2].story_id == first.story_id
    assert outcomes[1].story_id != first.story_id
    async with db.sessionmaker() as session:
        assert await story_sizes_agree(session)
        assert (await counts(session))["stories"] == 2


async def test_batches_decide_as_one_article_at_a_time_would(db: Database) -> None:
    raws = [seed(n) for n in ("003", "001", "000", "004", "002")]
    raws += [raw(i) for i in range(6)] + [raw(1), seed("001")]
    one_by_one = [await store(db.sessionmaker, r) for r in raws]
    async with db.sessionmaker() as session:
        before = await counts(session)
    again = await store_many(db.sessionmaker, raws)
    assert [o.status for o in again] == [Status.DUPLICATE] * len(raws)
    assert [o.article_id for o in again] == [o.article_id for o in one_by_one]
    async with db.sessionmaker() as session:
        assert await counts(session) == before
    statuses = [o.status for o in one_by_one]
    assert statuses.count(Status.NEW) == 11


@pytest.fixture
def statements(db: Database) -> Iterator[list[str]]:
    """Record the SQL statements the engine sends, in order."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def test_a_batch_takes_a_handful_of_statements(db: Database, statements: list[str]) -> None:
    outcomes = await store_many(db.sessionmaker, [raw(i, guid=f"g{i}") for i in range(40)])
    assert [o.status for o in outcomes] == [Status.NEW] * 40
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    # stories, articles, tags, keys (events: none) — each once for the whole batch,
    # give or take the driver splitting a large executemany.
    assert len(inserts) <= 8, inserts
    assert len(statements) <= 20, statements


async def test_a_clash_with_a_concurrent_writer_fails_alone(
    db: Database, make_article: ArticleFactory, caplog: pytest.LogCaptureFixture
) -> None:
    batch = [raw(1), raw(2), raw(3)]
    clashing = understand(batch[1])
    rival = make_article(canonical_url=clashing.canonical_url, countries=("uz",))
    writing = asyncio.Event()

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The batch has checked for duplicates and starts writing: the rival commits now.
        if statement.startswith("INSERT INTO stories"):
            writing.set()

    async with db.sessionmaker() as rival_session:
        await rival_session.begin()
        rival_stored = await articles.add(rival_session, rival, source_id=None, story_id=None)
        event.listen(db.engine.sync_engine, "before_cursor_execute", on_execute)
        try:
            task = asyncio.create_task(store_many(db.sessionmaker, batch))
            await asyncio.wait_for(writing.wait(), timeout=30)
            await rival_session.commit()
            with caplog.at_level(logging.WARNING, logger="bot.services.ingest"):
                outcomes = await asyncio.wait_for(task, timeout=60)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", on_execute)

    assert "storing its articles one by one" in caplog.text  # the batch did fail
    assert [o.status for o in outcomes] == [Status.NEW, Status.DUPLICATE, Status.NEW]
    assert outcomes[1].article_id == rival_stored.id
    async with db.sessionmaker() as session:
        after = await counts(session)
        assert await story_sizes_agree(session)
    # The rival's article and the two others; nothing of the failed batch attempt remains.
    assert after["articles"] == 3
    assert after["stories"] == 3
    tags = [understand(r) for r in (batch[0], batch[2])]
    assert after["article_tags"] == 1 + sum(len(a.countries) + len(a.topics) for a in tags)


async def test_a_folder_of_files_is_stored_in_batches(
    db: Database, tmp_path: Path, statements: list[str]
) -> None:
    for i in range(10):
        (tmp_path / f"{i:02d}.txt").write_text(
            f"Toshkentda yangi texnopark {i}\nToshkentda IT Park rezidentlari {i} taga yetdi.",
            encoding="utf-8",
        )
    (tmp_path / "03.txt").write_text("", encoding="utf-8")
    files = expand_paths([str(tmp_path)])
    outcomes = [o async for o in ingest_items(db.sessionmaker, files, fetcher=None)]
    assert [o.status for o in outcomes] == [Status.NEW] * 3 + [Status.FAILED] + [Status.NEW] * 6
    assert [Path(o.item).stem for o in outcomes if o.status is Status.FAILED] == ["03"]
    inserts = [s for s in statements if s.startswith("INSERT INTO articles ")]
    assert len(inserts) == 1  # one batch for the ten files


async def test_an_undated_report_joins_the_dated_one_in_the_same_batch(db: Database) -> None:
    ru, uz = (
        next(iter(read_path(SEEDS / name)))
        for name in ("004_2d6ca10c64bcb45e.txt", "001_5aa6a9335c8af796.txt")
    )
    assert isinstance(ru, RawArticle) and isinstance(uz, RawArticle)
    undated = RawArticle(url="https://baq.kz/news/tokayev-digital", title=ru.title, text=ru.text)
    outcomes = await store_many(db.sessionmaker, [undated, uz])
    assert [o.status for o in outcomes] == [Status.NEW, Status.NEW]
    assert outcomes[0].article is not None and outcomes[0].article.published is None
    assert outcomes[1].story_id == outcomes[0].story_id
