"""Article repository on real SQLite and PostgreSQL: round trip, dedupe, stories, events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from digests.model import Event, StoryFeatures
from storage import articles, models
from storage.errors import NotFound

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from tests.conftest import ArticleFactory, Database

ICT_WEEK = Event(
    key="ict-week-2025",
    name="ICT Week 2025",
    start=date(2025, 4, 7),
    end=date(2025, 4, 10),
    place="Dushanbe",
    country="tj",
)


async def _counts(session: AsyncSession) -> dict[str, int]:
    tables = ("articles", "stories", "article_tags", "article_keys", "article_events", "events")
    return {
        t: (await session.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one() for t in tables
    }


async def test_add_and_get_round_trip(db: Database, make_article: ArticleFactory) -> None:
    published = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    article = make_article(
        title="Токаев: Казахстан станет цифровым государством",
        published=published,
        lang="ru",
        script="Cyrl",
        countries=("kz", "uz", "kz"),
        topics=("ai", "egov"),
        events=(ICT_WEEK, Event(key="astana-hub", name="Astana Hub")),
        features=StoryFeatures(
            keys=frozenset({"tokayev", "astana hub", "2026-01-05"}), data={"minhash": [1, 2, 3]}
        ),
        guid="baq-123",
    )
    async with db.sessionmaker() as session, session.begin():
        stored = await articles.add(session, article, source_id=None, story_id=None)
    async with db.sessionmaker() as session:
        record = await articles.get(session, stored.id)
        keys = (
            (
                await session.execute(
                    select(models.ArticleKey.key)
                    .where(models.ArticleKey.article_id == stored.id)
                    .order_by(models.ArticleKey.key)
                )
            )
            .scalars()
            .all()
        )
        story = await session.get(models.Story, stored.story_id)
        features = (
            await session.execute(
                select(models.Article.features).where(models.Article.id == stored.id)
            )
        ).scalar_one()

    assert record is not None
    assert record.id == stored.id
    assert record.story_id == stored.story_id
    assert record.url == article.url
    assert record.title == article.title
    assert record.summary == article.summary
    assert record.published == published
    assert record.published is not None and record.published.tzinfo is not None
    assert record.lang == "ru"
    assert record.countries == ("kz", "uz")
    assert record.topics == ("ai", "egov")
    assert record.events == (ICT_WEEK, Event(key="astana-hub", name="Astana Hub"))
    assert record.source_name == "Example News"
    assert keys == ["2026-01-05", "astana hub", "tokayev"]
    assert story is not None and story.article_count == 1
    assert StoryFeatures.from_json(features) == article.features


async def test_get_unknown_article_is_none(db: Database) -> None:
    async with db.sessionmaker() as session:
        assert await articles.get(session, 12345) is None


async def test_published_is_returned_in_utc(db: Database, make_article: ArticleFactory) -> None:
    tashkent = datetime(2026, 1, 5, 14, 0, tzinfo=UTC).astimezone(ZoneInfo("Asia/Tashkent"))
    async with db.sessionmaker() as session, session.begin():
        stored = await articles.add(
            session, make_article(published=tashkent), source_id=None, story_id=None
        )
    async with db.sessionmaker() as session:
        record = await articles.get(session, stored.id)
    assert record is not None and record.published == tashkent
    assert record.published.utcoffset() == timedelta(0)


async def test_joining_a_story_bumps_its_count(db: Database, make_article: ArticleFactory) -> None:
    async with db.sessionmaker() as session, session.begin():
        first = await articles.add(session, make_article(), source_id=None, story_id=None)
        second = await articles.add(
            session, make_article(), source_id=None, story_id=first.story_id
        )
        other = await articles.add(session, make_article(), source_id=None, story_id=None)
    async with db.sessionmaker() as session:
        story = await session.get(models.Story, first.story_id)
    assert second.story_id == first.story_id
    assert other.story_id != first.story_id
    assert story is not None and story.article_count == 2
    assert story.updated_at >= story.created_at


async def test_joining_an_unknown_story_raises_and_writes_nothing(
    db: Database, make_article: ArticleFactory
) -> None:
    async with db.sessionmaker() as session, session.begin():
        with pytest.raises(NotFound):
            await articles.add(session, make_article(), source_id=None, story_id=999)
        assert (await _counts(session))["articles"] == 0


async def test_find_duplicate_by_canonical_url(db: Database, make_article: ArticleFactory) -> None:
    article = make_article(canonical_url="https://kun.uz/news/1")
    async with db.sessionmaker() as session, session.begin():
        stored = await articles.add(session, article, source_id=None, story_id=None)
        found = await articles.find_duplicate(
            session,
            canonical_url="https://kun.uz/news/1",
            guid=None,
            source_id=None,
            content_hash="different",
        )
        missing = await articles.find_duplicate(
            session,
            canonical_url="https://kun.uz/news/2",
            guid=None,
            source_id=None,
            content_hash="different",
        )
    assert found == stored.id
    assert missing is None


async def test_find_duplicate_by_guid_is_per_source(
    db: Database, make_article: ArticleFactory
) -> None:
    from storage import sources

    async with db.sessionmaker() as session, session.begin():
        feed = await sources.add(session, kind="rss", url="https://kun.uz/rss")
        other = await sources.add(session, kind="rss", url="https://daryo.uz/rss")
        stored = await articles.add(
            session, make_article(guid="item-42"), source_id=feed.id, story_id=None
        )
        same_source = await articles.find_duplicate(
            session, canonical_url=None, guid="item-42", source_id=feed.id, content_hash="x"
        )
        other_source = await articles.find_duplicate(
            session, canonical_url=None, guid="item-42", source_id=other.id, content_hash="x"
        )
        no_source = await articles.find_duplicate(
            session, canonical_url=None, guid="item-42", source_id=None, content_hash="x"
        )
    assert same_source == stored.id
    assert other_source is None
    assert no_source == stored.id


async def test_find_duplicate_by_content_hash(db: Database, make_article: ArticleFactory) -> None:
    article = make_article()
    async with db.sessionmaker() as session, session.begin():
        stored = await articles.add(session, article, source_id=None, story_id=None)
        found = await articles.find_duplicate(
            session,
            canonical_url="https://elsewhere.example/x",
            guid="g",
            source_id=None,
            content_hash=article.content_hash,
        )
    assert found == stored.id


@pytest.mark.parametrize(
    "clash",
    [
        pytest.param("canonical_url", id="same-canonical-url"),
        pytest.param("content_hash", id="same-content-hash"),
    ],
)
async def test_unique_violation_rolls_back_the_whole_article(
    db: Database, make_article: ArticleFactory, clash: str
) -> None:
    first = make_article(canonical_url="https://akipress.com/1", content_hash="h1")
    async with db.sessionmaker() as session, session.begin():
        await articles.add(session, first, source_id=None, story_id=None)
    async with db.sessionmaker() as session:
        before = await _counts(session)

    duplicate = make_article(
        canonical_url=first.canonical_url if clash == "canonical_url" else "https://akipress.com/2",
        content_hash=first.content_hash if clash == "content_hash" else "h2",
        countries=("kg",),
        topics=("fintech",),
        events=(Event(key="new-event", name="New Event"),),
        features=StoryFeatures(keys=frozenset({"bishkek", "2026"})),
    )
    async with db.sessionmaker() as session, session.begin():
        with pytest.raises(IntegrityError):
            await articles.add(session, duplicate, source_id=None, story_id=None)
        # The caller's transaction is still usable after the failed article.
        survivor = await articles.add(session, make_article(), source_id=None, story_id=None)

    async with db.sessionmaker() as session:
        after = await _counts(session)
        assert await articles.get(session, survivor.id) is not None
    assert after == {
        "articles": before["articles"] + 1,
        "stories": before["stories"] + 1,
        "article_tags": before["article_tags"],
        "article_keys": before["article_keys"],
        "article_events": before["article_events"],
        "events": before["events"],
    }


async def test_add_in_a_rolled_back_transaction_leaves_nothing(
    db: Database, make_article: ArticleFactory
) -> None:
    class Abort(Exception):
        pass

    article = make_article(countries=("tj",), features=StoryFeatures(keys=frozenset({"k"})))
    with pytest.raises(Abort):
        async with db.sessionmaker() as session, session.begin():
            assert (
                await articles.find_duplicate(
                    session,
                    canonical_url=article.canonical_url,
                    guid=None,
                    source_id=None,
                    content_hash=article.content_hash,
                )
                is None
            )
            await articles.add(session, article, source_id=None, story_id=None)
            raise Abort
    async with db.sessionmaker() as session:
        assert set((await _counts(session)).values()) == {0}


async def test_events_upsert_keeps_known_values_and_fills_gaps(
    db: Database, make_article: ArticleFactory
) -> None:
    sparse = Event(key="digital-bridge-2022", name="Digital Bridge 2022", place="Astana")
    richer = Event(
        key="digital-bridge-2022",
        name="Digital Bridge-2022 forum",
        start=date(2022, 9, 28),
        end=date(2022, 9, 29),
        place="Nur-Sultan",
        country="kz",
    )
    async with db.sessionmaker() as session, session.begin():
        first = await articles.add(
            session, make_article(events=(sparse,)), source_id=None, story_id=None
        )
        second = await articles.add(
            session, make_article(events=(richer, richer)), source_id=None, story_id=None
        )
    merged = Event(
        key="digital-bridge-2022",
        name="Digital Bridge 2022",
        start=date(2022, 9, 28),
        end=date(2022, 9, 29),
        place="Astana",
        country="kz",
    )
    async with db.sessionmaker() as session:
        one = await articles.get(session, first.id)
        two = await articles.get(session, second.id)
        events = (
            await session.execute(select(func.count()).select_from(models.Event))
        ).scalar_one()
    assert events == 1
    assert one is not None and one.events == (merged,)
    assert two is not None and two.events == (merged,)


def _features(*keys: str) -> StoryFeatures:
    return StoryFeatures(keys=frozenset(keys), data={"n": len(keys)})


async def test_story_candidates_rank_by_shared_keys(
    db: Database, make_article: ArticleFactory
) -> None:
    day = datetime(2026, 1, 5, tzinfo=UTC)
    async with db.sessionmaker() as session, session.begin():
        three = await articles.add(
            session,
            make_article(published=day, features=_features("tokayev", "ai", "astana", "x")),
            source_id=None,
            story_id=None,
        )
        one = await articles.add(
            session,
            make_article(published=day, features=_features("ai", "y")),
            source_id=None,
            story_id=None,
        )
        two = await articles.add(
            session,
            make_article(published=day, features=_features("tokayev", "astana")),
            source_id=None,
            story_id=three.story_id,
        )
        await articles.add(
            session,
            make_article(published=day, features=_features("unrelated")),
            source_id=None,
            story_id=None,
        )
    async with db.sessionmaker() as session:
        found = await articles.story_candidates(
            session, ["tokayev", "ai", "astana", "tokayev"], around=day
        )
        limited = await articles.story_candidates(
            session, ["tokayev", "ai", "astana"], around=None, limit=2
        )
        excluded = await articles.story_candidates(
            session, ["tokayev", "ai", "astana"], around=day, exclude_article_id=three.id
        )
        nothing = await articles.story_candidates(session, [], around=day)
    assert [c.article_id for c in found] == [three.id, two.id, one.id]
    assert [c.story_id for c in found] == [three.story_id, three.story_id, one.story_id]
    assert found[0].features == _features("tokayev", "ai", "astana", "x")
    assert [c.article_id for c in limited] == [three.id, two.id]
    assert [c.article_id for c in excluded] == [two.id, one.id]
    assert nothing == []


async def test_story_candidates_respect_the_date_window(
    db: Database, make_article: ArticleFactory
) -> None:
    around = datetime(2026, 1, 15, 12, tzinfo=UTC)
    async with db.sessionmaker() as session, session.begin():
        inside = await articles.add(
            session,
            make_article(published=around - timedelta(days=13), features=_features("k")),
            source_id=None,
            story_id=None,
        )
        late = await articles.add(
            session,
            make_article(published=around + timedelta(days=15), features=_features("k")),
            source_id=None,
            story_id=None,
        )
        early = await articles.add(
            session,
            make_article(published=around - timedelta(days=20), features=_features("k")),
            source_id=None,
            story_id=None,
        )
        # Undated (a page or file that gave no date): it may be from any day, so every window
        # holds it and the story matcher decides; ingested_at says nothing of the news's day.
        undated = await articles.add(
            session,
            make_article(published=None, features=_features("k")),
            source_id=None,
            story_id=None,
        )
    async with db.sessionmaker() as session:
        window = await articles.story_candidates(session, ["k"], around=around)
        wide = await articles.story_candidates(session, ["k"], around=around, days=30)
        anytime = await articles.story_candidates(session, ["k"], around=None)
        now = await articles.story_candidates(session, ["k"], around=datetime.now(UTC), days=1)
    assert {c.article_id for c in window} == {inside.id, undated.id}
    assert {c.article_id for c in wide} == {inside.id, late.id, early.id, undated.id}
    assert {c.article_id for c in anytime} == {inside.id, late.id, early.id, undated.id}
    assert {c.article_id for c in now} == {undated.id}


async def test_recent_filters_and_pages(db: Database, make_article: ArticleFactory) -> None:
    async with db.sessionmaker() as session, session.begin():
        ids = []
        for n in range(5):
            article = make_article(
                countries=("kz",) if n % 2 == 0 else ("uz",),
                topics=("ai",) if n < 2 else ("fintech",),
            )
            ids.append((await articles.add(session, article, source_id=None, story_id=None)).id)
    async with db.sessionmaker() as session:
        newest = await articles.recent(session, limit=3)
        older = await articles.recent(session, limit=3, before_id=newest[-1].id)
        kz = await articles.recent(session, country="kz")
        kz_ai = await articles.recent(session, country="kz", topic="ai")
        total = await articles.count(session)
    assert [r.id for r in newest] == ids[::-1][:3]
    assert [r.id for r in older] == ids[::-1][3:]
    assert [r.id for r in kz] == [ids[4], ids[2], ids[0]]
    assert [r.id for r in kz_ai] == [ids[0]]
    assert total == 5


async def test_deleting_a_source_keeps_its_articles(
    db: Database, make_article: ArticleFactory
) -> None:
    from storage import sources

    async with db.sessionmaker() as session, session.begin():
        feed = await sources.add(session, kind="rss", url="https://asiaplustj.info/rss")
        stored = await articles.add(session, make_article(), source_id=feed.id, story_id=None)
    async with db.sessionmaker() as session, session.begin():
        assert await sources.remove(session, feed.id)
    async with db.sessionmaker() as session:
        source_id = (
            await session.execute(
                select(models.Article.source_id).where(models.Article.id == stored.id)
            )
        ).scalar_one()
        assert source_id is None
        assert await articles.get(session, stored.id) is not None


async def test_add_many_starts_joins_and_bumps_stories(
    db: Database, make_article: ArticleFactory
) -> None:
    async with db.sessionmaker() as session, session.begin():
        stored = await articles.add(session, make_article(), source_id=None, story_id=None)
    event = Event(key="ict-week-2025", name="ICT Week 2025", place="Dushanbe")
    items = [
        articles.BatchItem(make_article(countries=("tj",), events=(event,))),  # new story A
        articles.BatchItem(make_article(), story_id=stored.story_id),  # stored story
        articles.BatchItem(make_article(events=(ICT_WEEK,)), joins=0),  # joins A
        articles.BatchItem(make_article(), story_id=stored.story_id),  # stored story again
        articles.BatchItem(make_article(topics=("ai",)), joins=2),  # joins A through item 2
        articles.BatchItem(make_article()),  # new story B
    ]
    async with db.sessionmaker() as session, session.begin():
        result = await articles.add_many(session, items)
    async with db.sessionmaker() as session:
        sizes = {
            s.id: s.article_count
            for s in (await session.execute(select(models.Story))).scalars().all()
        }
        records = [await articles.get(session, r.id) for r in result]
        after = await _counts(session)
    a, b = result[0].story_id, result[5].story_id
    assert [r.story_id for r in result] == [a, stored.story_id, a, stored.story_id, a, b]
    assert len({a, b, stored.story_id}) == 3
    assert sizes == {stored.story_id: 3, a: 3, b: 1}
    assert [r.id for r in records if r is not None] == [r.id for r in result]
    # One event row: the first mention wins, the later one fills its gaps.
    assert records[0] is not None and records[2] is not None
    assert (
        records[0].events
        == records[2].events
        == (
            Event(
                key="ict-week-2025",
                name="ICT Week 2025",
                start=ICT_WEEK.start,
                end=ICT_WEEK.end,
                place="Dushanbe",
                country="tj",
            ),
        )
    )
    assert after["events"] == 1 and after["article_events"] == 2
    assert after["article_tags"] == 2


async def test_add_many_is_all_or_nothing(db: Database, make_article: ArticleFactory) -> None:
    async with db.sessionmaker() as session, session.begin():
        first = await articles.add(session, make_article(), source_id=None, story_id=None)
    async with db.sessionmaker() as session:
        before = await _counts(session)
    clash = make_article(content_hash=(await _hash_of(db, first.id)))
    async with db.sessionmaker() as session, session.begin():
        with pytest.raises(IntegrityError):
            await articles.add_many(
                session,
                [
                    articles.BatchItem(make_article(countries=("kz",))),
                    articles.BatchItem(clash, story_id=first.story_id),
                ],
            )
        with pytest.raises(NotFound):
            await articles.add_many(
                session,
                [
                    articles.BatchItem(make_article()),
                    articles.BatchItem(make_article(), story_id=999),
                ],
            )
    async with db.sessionmaker() as session:
        assert await _counts(session) == before
        story = await session.get(models.Story, first.story_id)
        assert story is not None and story.article_count == 1


async def _hash_of(db: Database, article_id: int) -> str:
    async with db.sessionmaker() as session:
        return (
            await session.execute(
                select(models.Article.content_hash).where(models.Article.id == article_id)
            )
        ).scalar_one()


async def test_find_duplicates_matches_find_duplicate(
    db: Database, make_article: ArticleFactory
) -> None:
    from storage import sources

    async with db.sessionmaker() as session, session.begin():
        feed = await sources.add(session, kind="rss", url="https://kun.uz/rss")
        by_url = await articles.add(
            session, make_article(canonical_url="https://kun.uz/1"), source_id=None, story_id=None
        )
        by_guid = await articles.add(
            session, make_article(guid="g-1"), source_id=feed.id, story_id=None
        )
        by_hash = await articles.add(
            session, make_article(content_hash="h-1"), source_id=None, story_id=None
        )
    batch = [
        make_article(canonical_url="https://kun.uz/1"),
        make_article(guid="g-1"),
        make_article(content_hash="h-1", canonical_url="https://kun.uz/1"),
        make_article(),
    ]
    async with db.sessionmaker() as session:
        from_feed = await articles.find_duplicates(session, batch, source_id=feed.id)
        elsewhere = await articles.find_duplicates(session, batch, source_id=feed.id + 1)
        anywhere = await articles.find_duplicates(session, batch, source_id=None)
        one_by_one = [
            await articles.find_duplicate(
                session,
                canonical_url=a.canonical_url,
                guid=a.guid,
                source_id=feed.id,
                content_hash=a.content_hash,
            )
            for a in batch
        ]
    assert from_feed == {0: by_url.id, 1: by_guid.id, 2: by_url.id}
    assert from_feed == {i: d for i, d in enumerate(one_by_one) if d is not None}
    assert elsewhere == {0: by_url.id, 2: by_url.id}
    assert anywhere == from_feed
    assert by_hash.id > by_url.id  # the smallest id wins when an article matches two


async def test_story_candidates_many_match_story_candidates(
    db: Database, make_article: ArticleFactory
) -> None:
    day = datetime(2026, 1, 15, tzinfo=UTC)
    words = ["tokayev", "ai", "astana", "hub", "x", "y", "z"]
    async with db.sessionmaker() as session, session.begin():
        for i in range(30):
            await articles.add(
                session,
                make_article(
                    published=None if i % 7 == 0 else day + timedelta(days=(i % 5) * 6 - 12),
                    features=_features(*words[i % 3 : i % 3 + 2 + i % 4]),
                ),
                source_id=None,
                story_id=None,
            )
    wanted = [
        (["tokayev", "ai", "astana"], day),
        (["hub", "x"], day - timedelta(days=20)),
        (["ai", "astana", "hub", "y"], None),
        ([], day),
        (["nothing-like-it"], None),
    ]
    async with db.sessionmaker() as session:
        many = await articles.story_candidates_many(session, wanted, limit=7)
        one_by_one = [
            await articles.story_candidates(session, keys, around=around, limit=7)
            for keys, around in wanted
        ]
    assert [[r.candidate for r in ranked] for ranked in many] == one_by_one
    assert any(len(c) == 7 for c in one_by_one)
    assert all(r.shared >= 1 for ranked in many for r in ranked)


async def test_story_candidates_reach_past_newer_postings_outside_the_window(
    db: Database, make_article: ArticleFactory
) -> None:
    # More newer postings of the key than a page holds, all months away: the three older
    # articles within the window are still the newest within it, so they are found.
    day = datetime(2025, 1, 10, tzinfo=UTC)
    older = [
        articles.BatchItem(make_article(published=day, features=_features("w:tkv", f"n:{i}")))
        for i in range(3)
    ]
    newer = [
        articles.BatchItem(
            make_article(published=day + timedelta(days=150), features=_features("w:tkv"))
        )
        for _ in range(articles.POSTINGS_PER_KEY + 20)
    ]
    async with db.sessionmaker() as session, session.begin():
        stored = await articles.add_many(session, older)
        await articles.add_many(session, newer)
    async with db.sessionmaker() as session:
        found = await articles.story_candidates(session, ["w:tkv"], around=day)
        late = await articles.story_candidates(
            session, ["w:tkv"], around=day + timedelta(days=150), limit=500
        )
    assert [c.article_id for c in found] == [s.id for s in reversed(stored)]
    assert len(late) == articles.POSTINGS_PER_KEY  # the newest page only


async def test_story_candidates_same_with_a_run_s_remembered_dates(
    db: Database, make_article: ArticleFactory
) -> None:
    day = datetime(2026, 3, 1, tzinfo=UTC)
    items = [
        articles.BatchItem(
            make_article(
                published=None if i % 5 == 0 else day + timedelta(days=i % 40 - 20),
                features=_features("w:ksm", f"n:{i % 4}", f"d:{i % 3}"),
            )
        )
        for i in range(60)
    ]
    dates = articles.ArticleDates()
    async with db.sessionmaker() as session, session.begin():
        stored = await articles.add_many(session, items[:30])
    for item, s in zip(items[:30], stored, strict=True):
        dates.remember(s.id, s.story_id, item.article.published)
    async with db.sessionmaker() as session, session.begin():
        await articles.add_many(session, items[30:])  # not remembered: read when met
    wanted = [(["w:ksm", "n:1"], day), (["d:2", "n:3"], None), (["n:0"], day - timedelta(days=9))]
    async with db.sessionmaker() as session:
        fresh = await articles.story_candidates_many(session, wanted, limit=20)
        remembered = await articles.story_candidates_many(session, wanted, limit=20, dates=dates)
        again = await articles.story_candidates_many(session, wanted, limit=20, dates=dates)
    assert fresh == remembered == again
    assert all(fresh)
