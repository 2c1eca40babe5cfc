"""The outbox on SQLite and PostgreSQL: what is due, the period's stories, planning, claiming.

Stories are real articles (tests/fixtures/seeds, and two short ones written like them)
understood by ``digests.understand`` and stored with ``storage.articles``; the test then
sets when each was stored, since a window is about storage time.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event, insert, select, update

from digests.digest import DigestFilter
from digests.model import Article, RawArticle, SourceHints
from digests.schedule import Schedule
from digests.understand import understand
from storage import articles, models, outbox, subscriptions
from tests.seeds import seed_article

if TYPE_CHECKING:
    from tests.conftest import Database

SINCE = datetime(2026, 11, 27, 3, 30, tzinfo=UTC)  # 08:30 in Tashkent, the day before
UNTIL = datetime(2026, 11, 28, 3, 30, tzinfo=UTC)
NOW = UNTIL + timedelta(minutes=1)
HOUR = timedelta(hours=1)

# A fresh report joining the Digital Bridge story, whose first article is a 2022 backlog item.
BRIDGE_FOLLOW_UP = RawArticle(
    url="https://news.example/digital-bridge-follow-up",
    title="Digital Bridge memorandum: technology parks of Kazakhstan and Uzbekistan start work",
    text="The technology parks of Kazakhstan and Uzbekistan that signed the Digital Bridge "
    "memorandum started joint acceleration programmes for startups, Astana Hub said.",
)


@cache
def understood() -> dict[str, Article]:
    """Understand the seeds once per run, with the publication dates the tests need."""

    def seed(number: str, source: str, published: datetime | None) -> Article:
        raw = replace(seed_article(number), url=f"https://news.example/seed-{number}")
        return replace(understand(raw, hints=SourceHints(name=source)), published=published)

    follow_up = understand(BRIDGE_FOLLOW_UP, hints=SourceHints(name="Trend"))
    return {
        # Tajikistan: ICT Week (Russian), undated
        "tj": seed("000", "Asia-Plus", None),
        # Kazakhstan: one interview told in Uzbek (Cyrillic), then in Russian
        "kz-uz": seed("001", "Kazinform", SINCE - timedelta(days=1)),
        "kz-ru": seed("004", "BAQ.KZ", SINCE - 12 * HOUR),
        # Digital Bridge 2022: old news stored now (backfill), then a fresh follow-up
        "bridge": seed("002", "Trend", datetime(2022, 9, 28, tzinfo=UTC)),
        "bridge-new": replace(follow_up, published=SINCE + 5 * HOUR),
        # Uzbekistan: stored before the window
        "uz": seed("003", "UzDaily", None),
    }


# When each was stored, and the story it joins.
STORED: dict[str, tuple[datetime, str | None]] = {
    "uz": (SINCE - HOUR, None),
    "bridge": (SINCE - 5 * HOUR, None),
    "tj": (SINCE + HOUR, None),
    "kz-uz": (SINCE + 2 * HOUR, None),
    "kz-ru": (SINCE + 3 * HOUR, "kz-uz"),
    "bridge-new": (SINCE + 5 * HOUR, "bridge"),
}


@pytest.fixture
async def news(db: Database) -> dict[str, int]:
    """Store the articles; return each one's story id."""
    found = understood()
    stories: dict[str, int] = {}
    ids: dict[str, int] = {}
    async with db.sessionmaker() as session, session.begin():
        source = models.Source(kind="rss", url="https://baq.kz/rss", name="BAQ.KZ", weight=2.0)
        session.add(source)
        await session.flush()
        for key, (stored_at, joins) in STORED.items():
            stored = await articles.add(
                session,
                found[key],
                source_id=source.id if key == "kz-ru" else None,
                story_id=stories[joins] if joins else None,
            )
            stories[key], ids[key] = stored.story_id, stored.id
            await session.execute(
                update(models.Article)
                .where(models.Article.id == stored.id)
                .values(ingested_at=stored_at)
            )
    return stories


ANY = DigestFilter()


async def candidates(db: Database, flt: DigestFilter = ANY, **kw: Any) -> list[Any]:
    params: dict[str, Any] = {"since": SINCE, "until": UNTIL, "reader_lang": "ru", **kw}
    async with db.sessionmaker() as session:
        return await outbox.candidates(session, flt, **params)


def tagged(kind: str, value: str) -> set[str]:
    field = {"country": "countries", "topic": "topics"}[kind]
    return {key for key, a in understood().items() if value in getattr(a, field)}


# ---- the period's stories ------------------------------------------------------------------


def test_the_articles_are_understood_as_the_tests_expect() -> None:
    found = understood()
    assert (found["tj"].lang, found["kz-uz"].lang, found["kz-ru"].lang) == ("ru", "uz", "ru")
    assert found["tj"].countries == ("tj",)
    assert {"kz-uz", "kz-ru", "bridge", "bridge-new"} <= tagged("country", "kz")
    assert "tj" in tagged("topic", "fintech")
    assert not {"kz-uz", "kz-ru"} & tagged("topic", "fintech")
    assert {"kz-uz", "kz-ru"} <= tagged("topic", "egov")


async def test_the_windows_news_in_the_readers_language(db: Database, news: dict[str, int]) -> None:
    found = {c.story_id: c for c in await candidates(db)}
    # "uz" was stored before the window; Digital Bridge's 2022 article is backfill, so its
    # story is news now, by its follow-up.
    assert set(found) == {news["tj"], news["kz-uz"], news["bridge"]}
    kz = found[news["kz-uz"]]
    assert kz.title == understood()["kz-ru"].title and kz.lang == "ru"
    assert kz.sources == ("BAQ.KZ", "Kazinform")
    assert kz.langs == ("ru", "uz")
    assert kz.countries[0] == "kz" and "egov" in kz.topics
    assert kz.weight == 2.0  # the best of its sources
    assert kz.first_seen == SINCE + 2 * HOUR
    assert kz.published == SINCE - 12 * HOUR
    assert kz.text == ""  # only asked for when a keyword filter needs it
    bridge = found[news["bridge"]]
    assert bridge.first_seen == SINCE - 5 * HOUR and bridge.lang == "en"
    assert found[news["tj"]].weight == 1.0


async def test_a_reader_of_another_language_gets_their_version(
    db: Database, news: dict[str, int]
) -> None:
    in_uzbek = {c.story_id: c for c in await candidates(db, reader_lang="uz")}
    kz = in_uzbek[news["kz-uz"]]
    assert kz.title == understood()["kz-uz"].title
    assert kz.langs == ("uz", "ru")
    # no Kazakh version: the newest of the story's articles
    in_kazakh = {c.story_id: c for c in await candidates(db, reader_lang="kk")}
    assert in_kazakh[news["kz-uz"]].title == understood()["kz-ru"].title


async def test_text_is_loaded_when_asked(db: Database, news: dict[str, int]) -> None:
    found = {c.story_id: c for c in await candidates(db, with_text=True)}
    assert "Токаев" in found[news["kz-uz"]].text


@pytest.mark.parametrize(
    ("since_hours", "until_hours", "expected"),
    [
        pytest.param(0, 24, {"tj", "kz-uz", "bridge"}, id="the-day"),
        pytest.param(1.5, 24, {"kz-uz", "bridge"}, id="after-tj"),
        # the Russian version joined the story at +3 h, but its first article came at +2 h:
        # the story was news of the window before, not of this one
        pytest.param(2.5, 24, {"bridge"}, id="a-joining-article-is-not-news"),
        pytest.param(0, 2, {"tj"}, id="until-is-exclusive"),
        pytest.param(-2, 0, {"uz"}, id="the-window-before"),
    ],
)
async def test_a_story_is_news_of_the_window_its_first_article_was_stored_in(
    db: Database, news: dict[str, int], since_hours: float, until_hours: float, expected: set[str]
) -> None:
    found = await candidates(db, since=SINCE + since_hours * HOUR, until=SINCE + until_hours * HOUR)
    assert {c.story_id for c in found} == {news[k] for k in expected}


async def test_backfill_counts_in_a_window_it_is_not_old_for(
    db: Database, news: dict[str, int]
) -> None:
    # The 2022 article is news for a window that opens within two days of its publication.
    since = datetime(2022, 9, 29, tzinfo=UTC)
    found = await candidates(db, since=since, until=SINCE)
    assert {c.story_id for c in found} == {news["bridge"], news["uz"]}


@pytest.mark.parametrize(
    ("countries", "topics", "expected"),
    [
        pytest.param(("tj",), (), {"tj"}, id="one-country"),
        pytest.param(("kz",), (), {"kz-uz", "bridge"}, id="kz"),
        pytest.param(("KZ", "tj"), (), {"tj", "kz-uz", "bridge"}, id="countries-ored"),
        pytest.param((), ("fintech",), {"tj"}, id="one-topic"),
        pytest.param((), ("fintech", "egov"), {"tj", "kz-uz"}, id="topics-ored"),
        pytest.param(("kz",), ("fintech",), set(), id="country-and-topic"),
        pytest.param(("kz", "tj"), ("egov",), {"kz-uz"}, id="both-ored-then-anded"),
        pytest.param(("us",), (), set(), id="nothing"),
    ],
)
async def test_countries_and_topics_filter_in_sql(
    db: Database,
    news: dict[str, int],
    countries: tuple[str, ...],
    topics: tuple[str, ...],
    expected: set[str],
) -> None:
    found = await candidates(db, DigestFilter(countries=countries, topics=topics))
    assert {c.story_id for c in found} == {news[k] for k in expected}


async def test_candidates_cost_two_queries_and_respect_the_limit(
    db: Database, news: dict[str, int]
) -> None:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        found = await candidates(db, with_text=True)
        assert len(found) == 3 and len(statements) == 2
        statements.clear()
        # the widest stories first when the window holds more than the limit
        two = await candidates(db, limit=2)
        assert len(statements) == 2
        assert [c.story_id for c in two] == [news["kz-uz"], news["bridge"]]
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


# ---- events --------------------------------------------------------------------------------


TJ_WEEK = ["ICT WEEK 2025", "День финтеха", "День искусственного интеллекта", "День ИИ"]


@pytest.mark.parametrize(
    ("today", "days", "limit", "expected"),
    [
        pytest.param(date(2025, 4, 1), 7, 5, TJ_WEEK, id="the-week-before"),
        pytest.param(date(2025, 4, 1), 7, 2, TJ_WEEK[:2], id="limited"),
        pytest.param(
            date(2025, 4, 9),
            7,
            5,
            ["ICT WEEK 2025", "Современный учитель", "День цифровых навыков"],
            id="under-way",
        ),
        pytest.param(date(2025, 4, 11), 7, 5, [], id="over"),
        pytest.param(date(2025, 4, 1), 3, 5, [], id="too-far-ahead"),
    ],
)
async def test_upcoming_events(
    db: Database, news: dict[str, int], today: date, days: int, limit: int, expected: list[str]
) -> None:
    async with db.sessionmaker() as session:
        found = await outbox.upcoming_events(session, today=today, days=days, limit=limit)
    # soonest first (events starting the same day in the order they were stored)
    assert sorted(e.name for e in found) == sorted(expected)
    assert [e.start for e in found] == sorted(e.start for e in found if e.start)
    week = next((e for e in found if e.name == "ICT WEEK 2025"), None)
    if week is not None:
        assert (week.start, week.end, week.place, week.country) == (
            date(2025, 4, 7),
            date(2025, 4, 10),
            "Dushanbe",
            "tj",
        )


# ---- what is due ---------------------------------------------------------------------------


async def make_subscriptions(db: Database, n: int, **fields: Any) -> list[int]:
    """Insert n chats with a subscription each, in two statements; return subscription ids."""
    first = fields.pop("first_chat", 1)
    async with db.sessionmaker() as session, session.begin():
        s, sub = models.Subscriber, models.Subscription
        chats = range(first, first + n)
        subscriber_ids = (
            await session.execute(
                insert(s).returning(s.id, sort_by_parameter_order=True),
                [{"chat_id": c, "chat_type": "private", "ui_lang": "ru"} for c in chats],
            )
        ).scalars()
        values = {
            "countries": [],
            "topics": [],
            "keywords_include": [],
            "keywords_exclude": [],
            "next_due_at": UNTIL,
            **fields,
        }
        ids = (
            await session.execute(
                insert(sub).returning(sub.id, sort_by_parameter_order=True),
                [{"subscriber_id": i, **values} for i in subscriber_ids],
            )
        ).scalars()
        return list(ids)


async def test_due_lists_active_subscriptions_by_due_time(db: Database) -> None:
    later, sooner, paused, cancelled, gone, future = [
        (await make_subscriptions(db, 1, first_chat=chat, next_due_at=due))[0]
        for chat, due in [
            (1, UNTIL),
            (2, UNTIL - HOUR),
            (3, UNTIL),
            (4, UNTIL),
            (5, UNTIL),
            (6, NOW + HOUR),
        ]
    ]
    sub = models.Subscription
    async with db.sessionmaker() as session, session.begin():
        await session.execute(update(sub).where(sub.id == paused).values(paused=True))
        await session.execute(update(sub).where(sub.id == cancelled).values(cancelled_at=SINCE))
        await subscriptions.deactivate(session, 5, "403")
        await session.execute(
            update(sub)
            .where(sub.id == sooner)
            .values(
                countries=["uz"],
                keywords_include=["IT Park"],
                cadence="weekly",
                weekday=0,
                time_of_day="09:00",
                timezone="Asia/Tashkent",
                last_period_end=SINCE,
                digest_size=5,
            )
        )
        found = await outbox.due(session, now=NOW)
        first_only = await outbox.due(session, now=NOW, limit=1)
    assert [d.subscription_id for d in found] == [sooner, later]
    assert first_only == found[:1]
    assert found[0] == outbox.Due(
        subscription_id=sooner,
        chat_id=2,
        ui_lang="ru",
        schedule=Schedule("weekly", "09:00", 0, "Asia/Tashkent"),
        filter=DigestFilter(countries=("uz",), include=("IT Park",)),
        last_period_end=SINCE,
        digest_size=5,
        chat_type="private",
    )
    assert future not in {d.subscription_id for d in found}
    assert gone not in {d.subscription_id for d in found}


async def test_advance_moves_subscriptions_past_a_period(db: Database) -> None:
    ids = await make_subscriptions(db, 3)
    async with db.sessionmaker() as session, session.begin():
        await outbox.advance(session, ids[:2], period_end=UNTIL, next_due_at=UNTIL + 24 * HOUR)
        assert [d.subscription_id for d in await outbox.due(session, now=NOW)] == ids[2:]
    async with db.sessionmaker() as session:
        sub = models.Subscription
        moved = (await session.execute(select(sub).where(sub.id == ids[0]))).scalar_one()
    assert (moved.last_period_end, moved.next_due_at) == (UNTIL, UNTIL + 24 * HOUR)


# ---- digests and planning ------------------------------------------------------------------


async def save_digest(db: Database, key: str = "kz|ru|d:2026-11-28", texts: int = 1) -> int:
    async with db.sessionmaker() as session, session.begin():
        return await outbox.save_digest(
            session,
            key=key,
            lang="ru",
            since=SINCE,
            until=UNTIL,
            story_ids=[3, 1, 2],
            texts=[f"<b>Дайджест</b> {i + 1}" for i in range(texts)],
        )


async def test_a_digest_is_stored_once_per_key(db: Database) -> None:
    first = await save_digest(db)
    assert await save_digest(db) == first
    other = await save_digest(db, key="uz|uz|d:2026-11-28")
    assert other != first
    async with db.sessionmaker() as session:
        stored = (
            await session.execute(select(models.Digest).where(models.Digest.id == first))
        ).scalar_one()
        total = len((await session.execute(select(models.Digest.id))).all())
    assert total == 2
    assert (stored.story_ids, stored.story_count, stored.texts) == (
        [3, 1, 2],
        3,
        ["<b>Дайджест</b> 1"],
    )
    assert (stored.period_start, stored.period_end, stored.lang) == (SINCE, UNTIL, "ru")


async def test_planning_a_period_twice_writes_it_once(db: Database) -> None:
    ids = await make_subscriptions(db, 3)
    digest_id = await save_digest(db)
    rows = [
        outbox.Planned(ids[0], "d:2026-11-28", digest_id, "pending"),
        outbox.Planned(ids[1], "d:2026-11-28", digest_id, "pending"),
        outbox.Planned(ids[2], "d:2026-11-28", None, "skipped"),
    ]
    async with db.sessionmaker() as session, session.begin():
        assert await outbox.plan(session, rows[:2], now=NOW) == 2
    async with db.sessionmaker() as session, session.begin():
        assert await outbox.plan(session, rows, now=NOW) == 1
        assert await outbox.plan(session, rows, now=NOW) == 0
        assert await outbox.plan(session, [], now=NOW) == 0
        # the next period is another delivery
        assert (
            await outbox.plan(session, [replace(rows[0], period_key="d:2026-11-29")], now=NOW) == 1
        )
        assert await outbox.counts(session) == {
            "pending": 3,
            "sending": 0,
            "sent": 0,
            "failed": 0,
            "skipped": 1,
            "expired": 0,
        }
        stored = (await session.execute(select(models.Delivery))).scalars().all()
    assert {(d.subscription_id, d.period_key, d.digest_id, d.status) for d in stored} == {
        (ids[0], "d:2026-11-28", digest_id, "pending"),
        (ids[1], "d:2026-11-28", digest_id, "pending"),
        (ids[2], "d:2026-11-28", None, "skipped"),
        (ids[0], "d:2026-11-29", digest_id, "pending"),
    }
    assert all(d.created_at == NOW and d.attempts == 0 and d.message_ids == [] for d in stored)


async def test_planning_is_one_insert_per_thousand_rows(db: Database) -> None:
    ids = await make_subscriptions(db, 2_500)
    digest_id = await save_digest(db)
    rows = [outbox.Planned(i, "w:2026-11-30", digest_id, "pending") for i in ids]
    inserts: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with db.sessionmaker() as session, session.begin():
            assert await outbox.plan(session, rows, now=NOW) == 2_500
            assert await outbox.plan(session, rows[-10:], now=NOW) == 0
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert len(inserts) == 3 + 1
    assert all("ON CONFLICT" in statement.upper() for statement in inserts)


async def test_one_planner_at_a_time(db: Database) -> None:
    async with db.sessionmaker() as first, db.sessionmaker() as second:
        async with first.begin():
            assert await outbox.planner_lock(first)
            async with second.begin():
                # PostgreSQL: held until the first transaction ends; SQLite: one writer anyway
                assert await outbox.planner_lock(second) is (db.dialect != "postgresql")
        async with second.begin():
            assert await outbox.planner_lock(second)


# ---- claiming and sending ------------------------------------------------------------------


async def planned(db: Database, n: int, *, texts: int = 1) -> list[int]:
    """Plan one pending delivery for each of n new subscriptions; return delivery ids."""
    ids = await make_subscriptions(db, n)
    digest_id = await save_digest(db, texts=texts)
    async with db.sessionmaker() as session, session.begin():
        rows = [outbox.Planned(i, "d:2026-11-28", digest_id, "pending") for i in ids]
        await outbox.plan(session, rows, now=NOW)
        d = models.Delivery
        return list((await session.execute(select(d.id).order_by(d.id))).scalars())


async def claim(
    db: Database, worker: str = "w1", *, now: datetime = NOW, limit: int = 10, lease: float = 300
) -> list[outbox.Claimed]:
    async with db.sessionmaker() as session, session.begin():
        return await outbox.claim(session, worker=worker, now=now, limit=limit, lease=lease)


async def delivery(db: Database, delivery_id: int) -> models.Delivery:
    async with db.sessionmaker() as session:
        d = models.Delivery
        return (await session.execute(select(d).where(d.id == delivery_id))).scalar_one()


async def test_claim_takes_the_oldest_pending_deliveries(db: Database) -> None:
    ids = await planned(db, 5, texts=2)
    sub = models.Subscription
    async with db.sessionmaker() as session, session.begin():
        await session.execute(update(sub).values(thread_id=42))
    first = await claim(db, limit=3)
    assert [c.delivery_id for c in first] == ids[:3]
    assert first[0] == outbox.Claimed(
        delivery_id=ids[0],
        subscription_id=first[0].subscription_id,
        chat_id=1,
        chat_type="private",
        thread_id=42,
        texts=("<b>Дайджест</b> 1", "<b>Дайджест</b> 2"),
        message_ids=(),
        attempts=1,
    )
    stored = await delivery(db, ids[0])
    assert (stored.status, stored.claimed_by, stored.claimed_at) == ("sending", "w1", NOW)
    # claimed rows are not claimed again while their lease runs
    assert [c.delivery_id for c in await claim(db, "w2")] == ids[3:]
    assert await claim(db, "w3") == []
    assert await claim(db, "w3", limit=0) == []


async def test_a_retry_waits_for_its_time(db: Database) -> None:
    (one,) = await planned(db, 1)
    await claim(db)
    async with db.sessionmaker() as session, session.begin():
        await outbox.mark_retry(
            session, one, error="NetworkError: timed out", next_attempt_at=NOW + 30 * HOUR / 3600
        )
    stored = await delivery(db, one)
    assert (stored.status, stored.error) == ("pending", "NetworkError: timed out")
    assert await claim(db, now=NOW + timedelta(seconds=29)) == []
    (again,) = await claim(db, now=NOW + timedelta(seconds=30))
    assert (again.delivery_id, again.attempts) == (one, 2)


async def test_a_sending_row_past_its_lease_is_reclaimed(db: Database) -> None:
    stale, fresh = await planned(db, 2)
    await claim(db, "crashed", now=NOW - timedelta(seconds=301), limit=1)
    await claim(db, "alive", now=NOW - timedelta(seconds=299), limit=1)
    async with db.sessionmaker() as session, session.begin():
        await outbox.record_part(session, stale, [501])
    (reclaimed,) = await claim(db, "w2", now=NOW, lease=300)
    assert (reclaimed.delivery_id, reclaimed.attempts, reclaimed.message_ids) == (stale, 2, (501,))
    assert (await delivery(db, stale)).claimed_by == "w2"
    assert (await delivery(db, fresh)).claimed_by == "alive"


async def test_no_claims_for_unreachable_paused_or_cancelled_chats(db: Database) -> None:
    ids = await planned(db, 4)
    sub = models.Subscription
    async with db.sessionmaker() as session, session.begin():
        await subscriptions.deactivate(session, 1, "403")  # its pending row fails
        subscription_ids = list((await session.execute(select(sub.id).order_by(sub.id))).scalars())
        await session.execute(update(sub).where(sub.id == subscription_ids[1]).values(paused=True))
        await session.execute(
            update(sub).where(sub.id == subscription_ids[2]).values(cancelled_at=SINCE)
        )
    assert [c.delivery_id for c in await claim(db)] == ids[3:]
    assert (await delivery(db, ids[0])).status == "failed"


async def test_sent_and_failed_are_recorded(db: Database) -> None:
    sent, failed = await planned(db, 2, texts=2)
    await claim(db)
    async with db.sessionmaker() as session, session.begin():
        await outbox.record_part(session, sent, [7001])
        await outbox.mark_sent(session, sent, message_ids=[7001, 7002], now=NOW + HOUR)
        await outbox.mark_failed(session, failed, error="400: chat not found", now=NOW + HOUR)
        assert await outbox.counts(session) == {
            "pending": 0,
            "sending": 0,
            "sent": 1,
            "failed": 1,
            "skipped": 0,
            "expired": 0,
        }
    done = await delivery(db, sent)
    assert (done.status, done.message_ids, done.sent_at, done.error) == (
        "sent",
        [7001, 7002],
        NOW + HOUR,
        None,
    )
    gave_up = await delivery(db, failed)
    assert (gave_up.status, gave_up.error, gave_up.sent_at) == (
        "failed",
        "400: chat not found",
        None,
    )
    assert await claim(db, now=NOW + 48 * HOUR) == []


async def test_many_sent_are_recorded_in_one_statement(db: Database) -> None:
    ids = await planned(db, 3)
    await claim(db)
    async with db.sessionmaker() as session, session.begin():
        await outbox.mark_sent_many(session, [(ids[0], [11]), (ids[2], [31, 32])], now=NOW + HOUR)
        await outbox.mark_sent_many(session, [], now=NOW + HOUR)  # nothing to write
    rows = [await delivery(db, i) for i in ids]
    assert [(r.status, r.message_ids) for r in rows] == [
        ("sent", [11]),
        ("sending", []),
        ("sent", [31, 32]),
    ]
    assert rows[0].sent_at == NOW + HOUR and rows[1].sent_at is None


async def test_many_retries_are_recorded_in_one_statement(db: Database) -> None:
    ids = await planned(db, 3)
    await claim(db)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with db.sessionmaker() as session, session.begin():
            await outbox.mark_retry_many(
                session,
                [(ids[0], "released", NOW), (ids[2], "429: retry after 7 s", NOW + HOUR)],
            )
            await outbox.mark_retry_many(session, [])  # nothing to write
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.lstrip().upper().startswith("UPDATE")]) == 1
    rows = [await delivery(db, i) for i in ids]
    assert [(r.status, r.error) for r in rows] == [
        ("pending", "released"),
        ("sending", None),
        ("pending", "429: retry after 7 s"),
    ]
    assert [c.delivery_id for c in await claim(db, "w2")] == [ids[0]]
    later = await claim(db, "w2", now=NOW + HOUR, lease=7200)  # nobody's lease ran out
    assert [c.delivery_id for c in later] == [ids[2]]


@pytest.mark.postgres
async def test_two_open_transactions_never_claim_the_same_row(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: a second claimer waits for the first")
    ids = await planned(db, 10)
    async with db.sessionmaker() as first, db.sessionmaker() as second:
        async with first.begin():
            mine = await outbox.claim(first, worker="a", now=NOW, limit=4, lease=300)
            async with second.begin():
                # the first transaction holds its rows: they are skipped, not waited for
                theirs = await outbox.claim(second, worker="b", now=NOW, limit=4, lease=300)
    assert [c.delivery_id for c in mine] == ids[:4]
    assert [c.delivery_id for c in theirs] == ids[4:8]


async def test_concurrent_claimers_share_the_outbox(db: Database) -> None:
    ids = await planned(db, 60)

    async def worker(name: str) -> list[int]:
        got: list[int] = []
        while batch := await claim(db, name, limit=7):
            got.extend(c.delivery_id for c in batch)
            await asyncio.sleep(0)
        return got

    claimed = await asyncio.gather(*(worker(f"w{i}") for i in range(4)))
    everything = [i for batch in claimed for i in batch]
    assert sorted(everything) == ids  # each row once, none left
