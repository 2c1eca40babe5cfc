"""Article repository: dedupe, insert with tags/events/keys, story candidates, lookups.

Functions take the session first and never commit; the caller owns the transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from digests.model import Article, Event, StoryCandidate, StoryFeatures
from storage import models
from storage.errors import NotFound

logger = logging.getLogger(__name__)

_articles = cast(Table, models.Article.__table__)
_stories = cast(Table, models.Story.__table__)
_tags = cast(Table, models.ArticleTag.__table__)
_events = cast(Table, models.Event.__table__)
_article_events = cast(Table, models.ArticleEvent.__table__)
_keys = cast(Table, models.ArticleKey.__table__)


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """Where an article was stored: its id and the story it joined."""

    id: int
    story_id: int


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """A stored article as the bot and CLI show it."""

    id: int
    url: str | None
    title: str
    summary: str
    published: datetime | None
    lang: str
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    events: tuple[Event, ...]
    story_id: int
    source_name: str | None


def is_unique_violation(exc: IntegrityError) -> bool:
    """Tell whether an integrity error is a UNIQUE/PRIMARY KEY violation on either backend."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505" or getattr(orig, "pgcode", None) == "23505":
        return True
    message = str(orig)
    return "UNIQUE constraint failed" in message or "duplicate key value" in message


@cache
def _duplicate_query(by_canonical_url: bool, guid: str | None) -> Select[Any]:
    """Build (once per shape) the duplicate lookup; ``guid`` is None, 'any' or 'source'."""
    c = _articles.c
    conditions: list[ColumnElement[bool]] = [c.content_hash == bindparam("content_hash")]
    if by_canonical_url:
        conditions.append(c.canonical_url == bindparam("canonical_url"))
    if guid == "any":
        conditions.append(c.guid == bindparam("guid"))
    elif guid == "source":
        conditions.append(and_(c.guid == bindparam("guid"), c.source_id == bindparam("source_id")))
    return select(c.id).where(or_(*conditions)).order_by(c.id).limit(1)


async def find_duplicate(
    session: AsyncSession,
    *,
    canonical_url: str | None,
    guid: str | None,
    source_id: int | None,
    content_hash: str,
) -> int | None:
    """Return the id of a stored article that is the same as the one described, if any."""
    guid_mode = None if not guid else "any" if source_id is None else "source"
    stmt = _duplicate_query(bool(canonical_url), guid_mode)
    params = {
        "content_hash": content_hash,
        "canonical_url": canonical_url,
        "guid": guid,
        "source_id": source_id,
    }
    conn = await session.connection()
    return (await conn.execute(stmt, params)).scalar_one_or_none()


def _merge_events(events: Iterable[Event]) -> list[Event]:
    """Collapse events with the same key, the first one winning and the rest filling gaps."""
    merged: dict[str, Event] = {}
    for event in events:
        known = merged.get(event.key)
        if known is None:
            merged[event.key] = event
        else:
            merged[event.key] = Event(
                key=known.key,
                name=known.name,
                start=known.start or event.start,
                end=known.end or event.end,
                place=known.place or event.place,
                country=known.country or event.country,
            )
    return list(merged.values())


def _event_upsert(dialect: str) -> Any:
    """Build the INSERT … ON CONFLICT (key) DO UPDATE that fills an event's missing fields."""
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(_events)
    elif dialect == "sqlite":
        stmt = sqlite.insert(_events)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(dialect)
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[_events.c.key],
        set_={
            "start": func.coalesce(_events.c.start, excluded.start),
            "end": func.coalesce(_events.c.end, excluded.end),
            "place": func.coalesce(_events.c.place, excluded.place),
            "country": func.coalesce(_events.c.country, excluded.country),
        },
    ).returning(_events.c.id)


# Built once: statements made afresh per call would be compiled afresh per call.
_EVENT_UPSERT = {dialect: _event_upsert(dialect) for dialect in ("sqlite", "postgresql")}
_INSERT_ARTICLE = insert(_articles).returning(_articles.c.id)
_INSERT_STORY = insert(_stories).returning(_stories.c.id)
_BUMP_STORY = (
    update(_stories)
    .where(_stories.c.id == bindparam("story_id"))
    .values(article_count=_stories.c.article_count + 1, updated_at=bindparam("now"))
    .returning(_stories.c.id)
)
_INSERT_TAGS = insert(_tags)
_INSERT_ARTICLE_EVENTS = insert(_article_events)
_INSERT_KEYS = insert(_keys)


async def add(
    session: AsyncSession, article: Article, *, source_id: int | None, story_id: int | None
) -> StoredArticle:
    """Store an understood article with its tags, events and keys; start a story if needed.

    Runs in a savepoint, so a failure leaves nothing of the article behind and the
    caller's transaction usable. A duplicate canonical URL or content hash (another writer
    won the race since ``find_duplicate``) raises ``sqlalchemy.exc.IntegrityError``;
    a ``story_id`` that names no story raises NotFound.
    """
    # One greenlet for the whole insert instead of one per statement: ingest runs this
    # for every article, and the per-statement async overhead used to dominate it.
    return await session.run_sync(_add, article, source_id, story_id)


def _add(
    session: Session, article: Article, source_id: int | None, story_id: int | None
) -> StoredArticle:
    """Insert the article and everything that hangs off it (synchronous half of add)."""
    now = models.utcnow()
    with session.begin_nested():
        conn = session.connection()
        if story_id is None:
            story_id = conn.execute(
                _INSERT_STORY, {"created_at": now, "updated_at": now, "article_count": 1}
            ).scalar_one()
        elif conn.execute(_BUMP_STORY, {"story_id": story_id, "now": now}).first() is None:
            raise NotFound(f"story {story_id}: not stored")
        article_id = conn.execute(
            _INSERT_ARTICLE,
            {
                "source_id": source_id,
                "source_name": article.source,
                "url": article.url,
                "canonical_url": article.canonical_url,
                "guid": article.guid,
                "title": article.title,
                "text": article.text,
                "summary": article.summary,
                "published": article.published,
                "ingested_at": now,
                "lang": article.lang,
                "script": article.script,
                "content_hash": article.content_hash,
                "story_id": story_id,
                "features": article.features.to_json(),
            },
        ).scalar_one()
        tags = [
            {"article_id": article_id, "kind": "country", "value": c}
            for c in dict.fromkeys(article.countries)
        ]
        tags += [
            {"article_id": article_id, "kind": "topic", "value": t}
            for t in dict.fromkeys(article.topics)
        ]
        if tags:
            conn.execute(_INSERT_TAGS, tags)
        events = _merge_events(article.events)
        if events:
            rows = [
                {
                    "key": e.key,
                    "name": e.name,
                    "start": e.start,
                    "end": e.end,
                    "place": e.place,
                    "country": e.country,
                }
                for e in events
            ]
            upsert = _EVENT_UPSERT[conn.dialect.name]
            event_ids = (
                conn.execute(upsert, rows).scalars().all()
                if len(rows) > 1
                else [conn.execute(upsert, rows[0]).scalar_one()]
            )
            conn.execute(
                _INSERT_ARTICLE_EVENTS,
                [{"article_id": article_id, "event_id": i} for i in event_ids],
            )
        if article.features.keys:
            conn.execute(
                _INSERT_KEYS,
                [{"article_id": article_id, "key": k} for k in sorted(article.features.keys)],
            )
    return StoredArticle(id=article_id, story_id=story_id)


@cache
def _candidates_query(dated: bool, excluding: bool) -> Select[Any]:
    """Build (once per shape) the query ranking articles by how many keys they share."""
    a, k = _articles.c, _keys.c
    shared = func.count().label("shared")
    ranked = select(k.article_id, shared).where(k.key.in_(bindparam("keys", expanding=True)))
    if dated or excluding:
        ranked = ranked.join(_articles, a.id == k.article_id)
    if dated:
        when = func.coalesce(a.published, a.ingested_at)
        ranked = ranked.where(when >= bindparam("since"), when <= bindparam("until"))
    if excluding:
        ranked = ranked.where(a.id != bindparam("exclude"))
    ranked_sq = (
        ranked.group_by(k.article_id)
        .order_by(shared.desc(), k.article_id.desc())
        .limit(bindparam("limit", type_=Integer))
        .subquery()
    )
    return (
        select(a.id, a.story_id, a.features)
        .join(ranked_sq, ranked_sq.c.article_id == a.id)
        .order_by(ranked_sq.c.shared.desc(), a.id.desc())
    )


async def story_candidates(
    session: AsyncSession,
    keys: Iterable[str],
    *,
    around: datetime | None,
    days: int = 14,
    limit: int = 50,
    exclude_article_id: int | None = None,
) -> list[StoryCandidate]:
    """Return stored articles sharing the most keys, dated within ``days`` of ``around``."""
    wanted = sorted(set(keys))
    if not wanted or limit <= 0:
        return []
    params: dict[str, Any] = {"keys": wanted, "limit": limit, "exclude": exclude_article_id}
    if around is not None:
        params["since"] = around - timedelta(days=days)
        params["until"] = around + timedelta(days=days)
    stmt = _candidates_query(around is not None, exclude_article_id is not None)
    conn = await session.connection()
    rows = (await conn.execute(stmt, params)).all()
    return [
        StoryCandidate(
            article_id=r.id, story_id=r.story_id, features=StoryFeatures.from_json(r.features)
        )
        for r in rows
    ]


async def _records(session: AsyncSession, rows: Sequence[Any]) -> list[ArticleRecord]:
    """Attach tags and events to article rows, in two queries for the whole batch."""
    ids = [r.id for r in rows]
    if not ids:
        return []
    t = models.ArticleTag
    countries: dict[int, list[str]] = {i: [] for i in ids}
    topics: dict[int, list[str]] = {i: [] for i in ids}
    tag_rows = await session.execute(
        select(t.article_id, t.kind, t.value).where(t.article_id.in_(ids)).order_by(t.value)
    )
    for article_id, kind, value in tag_rows:
        (countries if kind == "country" else topics)[article_id].append(value)
    e, ae = models.Event, models.ArticleEvent
    events: dict[int, list[Event]] = {i: [] for i in ids}
    event_rows = await session.execute(
        select(ae.article_id, e.key, e.name, e.start, e.end, e.place, e.country)
        .join(e, e.id == ae.event_id)
        .where(ae.article_id.in_(ids))
        .order_by(e.start.is_(None), e.start, e.key)
    )
    for r in event_rows:
        events[r.article_id].append(
            Event(
                key=r.key, name=r.name, start=r.start, end=r.end, place=r.place, country=r.country
            )
        )
    return [
        ArticleRecord(
            id=r.id,
            url=r.url,
            title=r.title,
            summary=r.summary,
            published=r.published,
            lang=r.lang,
            countries=tuple(countries[r.id]),
            topics=tuple(topics[r.id]),
            events=tuple(events[r.id]),
            story_id=r.story_id,
            source_name=r.source_name,
        )
        for r in rows
    ]


def _record_columns() -> tuple[Any, ...]:
    """Return the article columns an ArticleRecord needs."""
    a = models.Article
    return (a.id, a.url, a.title, a.summary, a.published, a.lang, a.story_id, a.source_name)


async def get(session: AsyncSession, article_id: int) -> ArticleRecord | None:
    """Return one stored article with its countries, topics and events, or None."""
    rows = (
        await session.execute(select(*_record_columns()).where(models.Article.id == article_id))
    ).all()
    records = await _records(session, rows)
    return records[0] if records else None


async def recent(
    session: AsyncSession,
    *,
    limit: int = 20,
    country: str | None = None,
    topic: str | None = None,
    before_id: int | None = None,
) -> list[ArticleRecord]:
    """Return the most recently stored articles, newest first, optionally filtered.

    Pages by id: pass the smallest id of one page as ``before_id`` to get the next.
    """
    a, t = models.Article, models.ArticleTag
    stmt = select(*_record_columns())
    for kind, value in (("country", country), ("topic", topic)):
        if value is not None:
            stmt = stmt.where(
                exists().where(t.article_id == a.id, t.kind == kind, t.value == value)
            )
    if before_id is not None:
        stmt = stmt.where(a.id < before_id)
    rows = (await session.execute(stmt.order_by(a.id.desc()).limit(limit))).all()
    return await _records(session, rows)


async def count(session: AsyncSession) -> int:
    """Return how many articles are stored."""
    return (await session.execute(select(func.count()).select_from(_articles))).scalar_one()
