"""Source repository on real SQLite and PostgreSQL: add, list, remove, due, backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from storage import sources
from storage.errors import AlreadyExists, NotFound

if TYPE_CHECKING:
    from tests.conftest import Database

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


async def test_add_list_and_get(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        kun = await sources.add(
            session, kind="rss", url="https://kun.uz/rss", name="Kun.uz", country="uz", lang="uz"
        )
        page = await sources.add(session, kind="page", url="https://asiaplustj.info/ru/news")
    async with db.sessionmaker() as session:
        listed = await sources.list_all(session)
        by_url = await sources.get_by_url(session, "https://kun.uz/rss")
        unknown = await sources.get_by_url(session, "https://nowhere.example/rss")
    assert [s.url for s in listed] == ["https://kun.uz/rss", "https://asiaplustj.info/ru/news"]
    assert by_url == kun
    assert unknown is None
    assert (kun.kind, kun.name, kun.country, kun.lang) == ("rss", "Kun.uz", "uz", "uz")
    assert kun.active and kun.failures == 0 and kun.articles_total == 0
    assert kun.health == "new"
    assert page.created_at.tzinfo is not None


async def test_adding_a_known_url_raises_already_exists(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        await sources.add(session, kind="rss", url="https://daryo.uz/feed")
    async with db.sessionmaker() as session, session.begin():
        with pytest.raises(AlreadyExists):
            await sources.add(session, kind="rss", url="https://daryo.uz/feed")
        assert len(await sources.list_all(session)) == 1


async def test_unknown_kind_is_refused(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        with pytest.raises(ValueError, match="telegram"):
            await sources.add(session, kind="telegram", url="https://t.me/x")


@pytest.mark.parametrize("by", [pytest.param("id", id="by-id"), pytest.param("url", id="by-url")])
async def test_remove(db: Database, by: str) -> None:
    async with db.sessionmaker() as session, session.begin():
        feed = await sources.add(session, kind="rss", url="https://akipress.com/rss")
        keep = await sources.add(session, kind="rss", url="https://24.kg/rss")
    ref: str | int = feed.id if by == "id" else feed.url
    async with db.sessionmaker() as session, session.begin():
        assert await sources.remove(session, ref) is True
        assert await sources.remove(session, ref) is False
    async with db.sessionmaker() as session:
        assert await sources.list_all(session) == [keep]


async def test_remove_by_id_given_as_text(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        feed = await sources.add(session, kind="rss", url="https://kaktus.media/rss")
        assert await sources.remove(session, str(feed.id)) is True
        assert await sources.list_all(session) == []


async def test_backoff_doubles_up_to_the_maximum_and_success_resets(db: Database) -> None:
    base, maximum = 300, 1000
    async with db.sessionmaker() as session, session.begin():
        feed = await sources.add(session, kind="rss", url="https://inform.kz/rss")
    delays = []
    for attempt in range(4):
        now = NOW + timedelta(hours=attempt)
        async with db.sessionmaker() as session, session.begin():
            await sources.record_failure(
                session,
                feed.id,
                now=now,
                error=f"HTTP 503\n  Service Unavailable (attempt {attempt + 1})",
                base=base,
                maximum=maximum,
            )
            failing = await sources.get_by_url(session, feed.url)
        assert failing is not None and failing.next_attempt_at is not None
        delays.append((failing.next_attempt_at - now).total_seconds())
    assert delays == [300, 600, 1000, 1000]  # 1×, 2×, 4× base (capped), capped
    assert failing.failures == 4
    assert failing.last_error == "HTTP 503 Service Unavailable (attempt 4)"
    assert failing.health == "failing (4×: HTTP 503 Service Unavailable (attempt 4))"

    async with db.sessionmaker() as session, session.begin():
        await sources.record_success(
            session,
            feed.id,
            now=NOW,
            etag='W/"abc"',
            last_modified="Mon, 05 Jan 2026 12:00:00 GMT",
            new_articles=7,
            interval=900,
        )
        await sources.record_success(
            session,
            feed.id,
            now=NOW,
            etag=None,
            last_modified=None,
            new_articles=3,
            interval=900,
        )
        ok = await sources.get_by_url(session, feed.url)
    assert ok is not None
    assert ok.failures == 0 and ok.last_error is None
    assert ok.next_attempt_at == NOW + timedelta(seconds=900)
    assert ok.last_ok_at == NOW and ok.last_fetched_at == NOW
    assert ok.articles_total == 10
    assert ok.health == "ok"


async def test_long_errors_are_cut_to_one_bounded_line(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        feed = await sources.add(session, kind="rss", url="https://example.kz/rss")
        await sources.record_failure(
            session, feed.id, now=NOW, error="Traceback\n" + "x" * 5000, base=60, maximum=3600
        )
        record = await sources.get_by_url(session, feed.url)
    assert record is not None and record.last_error is not None
    assert "\n" not in record.last_error and len(record.last_error) <= sources.MAX_ERROR_LENGTH


async def test_unknown_source_raises_not_found(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        with pytest.raises(NotFound):
            await sources.record_failure(session, 999, now=NOW, error="boom", base=60, maximum=3600)
        with pytest.raises(NotFound):
            await sources.record_success(
                session, 999, now=NOW, etag=None, last_modified=None, new_articles=0, interval=60
            )


async def test_due_lists_active_sources_whose_time_has_come(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        fresh = await sources.add(session, kind="rss", url="https://a.example/rss")
        polled = await sources.add(session, kind="rss", url="https://b.example/rss")
        later = await sources.add(session, kind="rss", url="https://c.example/rss")
        paused = await sources.add(session, kind="rss", url="https://d.example/rss")
        await sources.record_success(
            session,
            polled.id,
            now=NOW - timedelta(hours=1),
            etag=None,
            last_modified=None,
            new_articles=0,
            interval=600,
        )
        await sources.record_success(
            session,
            later.id,
            now=NOW,
            etag=None,
            last_modified=None,
            new_articles=0,
            interval=600,
        )
        from sqlalchemy import update

        from storage.models import Source

        await session.execute(update(Source).where(Source.id == paused.id).values(active=False))
    async with db.sessionmaker() as session:
        due = await sources.due(session, NOW)
        everything = await sources.list_all(session)
    assert [s.id for s in due] == [fresh.id, polled.id]
    assert {s.url: s.health for s in everything}["https://d.example/rss"] == "paused"
