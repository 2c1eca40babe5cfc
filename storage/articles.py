"""Article repository: dedupe, insert with tags/events/keys, story candidates, lookups.

Functions take the session first and never commit; the caller owns the transaction.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, cast

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    Table,
    and_,
    any_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    union_all,
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


@cache
def _duplicates_query(by_source: bool) -> Select[Any]:
    """Build (once per shape) the lookup of stored articles clashing with any of a batch."""
    c = _articles.c
    by_guid: ColumnElement[bool] = c.guid.in_(bindparam("guids", expanding=True))
    if by_source:
        by_guid = and_(by_guid, c.source_id == bindparam("source_id"))
    return select(c.id, c.canonical_url, c.guid, c.source_id, c.content_hash).where(
        or_(
            c.content_hash.in_(bindparam("hashes", expanding=True)),
            c.canonical_url.in_(bindparam("urls", expanding=True)),
            by_guid,
        )
    )


async def find_duplicates(
    session: AsyncSession, batch: Sequence[Article], *, source_id: int | None
) -> dict[int, int]:
    """Map the position of each article already stored to the stored one's id, in one query.

    The rules are :func:`find_duplicate`'s: same canonical URL, same content hash, or same
    guid (from the same source when ``source_id`` is given). Duplicates *within* the batch
    are the caller's to drop.
    """
    if not batch:
        return {}
    params = {
        "hashes": sorted({a.content_hash for a in batch}),
        "urls": sorted({a.canonical_url for a in batch if a.canonical_url}),
        "guids": sorted({a.guid for a in batch if a.guid}),
        "source_id": source_id,
    }
    conn = await session.connection()
    rows = (await conn.execute(_duplicates_query(source_id is not None), params)).all()
    by_hash: dict[str, int] = {}
    by_url: dict[str, int] = {}
    by_guid: dict[str, int] = {}
    for r in rows:
        # The smallest id wins, as in find_duplicate.
        by_hash[r.content_hash] = min(r.id, by_hash.get(r.content_hash, r.id))
        if r.canonical_url is not None:
            by_url[r.canonical_url] = min(r.id, by_url.get(r.canonical_url, r.id))
        if r.guid is not None and (source_id is None or r.source_id == source_id):
            by_guid[r.guid] = min(r.id, by_guid.get(r.guid, r.id))
    found: dict[int, int] = {}
    for position, article in enumerate(batch):
        ids = [by_hash.get(article.content_hash)]
        if article.canonical_url:
            ids.append(by_url.get(article.canonical_url))
        if article.guid:
            ids.append(by_guid.get(article.guid))
        known = [i for i in ids if i is not None]
        if known:
            found[position] = min(known)
    return found


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
    ).returning(_events.c.id, _events.c.key)


# Built once: statements made afresh per call would be compiled afresh per call.
# None of the multi-row INSERTs ask SQLAlchemy to keep RETURNING rows in parameter order:
# on SQLite that would send one statement per row. Rows are matched by a unique column
# instead (articles by content hash, events by key, new stories by their article count,
# new stories with the same count being interchangeable).
_EVENT_UPSERT = {dialect: _event_upsert(dialect) for dialect in ("sqlite", "postgresql")}
_INSERT_ARTICLES = insert(_articles).returning(_articles.c.id, _articles.c.content_hash)
_INSERT_STORIES = insert(_stories).returning(_stories.c.id, _stories.c.article_count)
_BUMP_STORIES = (
    update(_stories)
    .where(_stories.c.id.in_(bindparam("story_ids", expanding=True)))
    .values(article_count=_stories.c.article_count + bindparam("n"), updated_at=bindparam("now"))
    .returning(_stories.c.id)
)
_INSERT_TAGS = insert(_tags)
_INSERT_ARTICLE_EVENTS = insert(_article_events)
_INSERT_KEYS = insert(_keys)


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One article for :func:`add_many`, and the story it joins.

    ``story_id`` names a stored story; ``joins`` the position of an earlier item of the
    same batch whose story (stored or new) this one joins; with neither, the article
    starts a story of its own.
    """

    article: Article
    source_id: int | None = None
    story_id: int | None = None
    joins: int | None = None


async def add(
    session: AsyncSession, article: Article, *, source_id: int | None, story_id: int | None
) -> StoredArticle:
    """Store an understood article with its tags, events and keys; start a story if needed.

    Runs in a savepoint, so a failure leaves nothing of the article behind and the
    caller's transaction usable. A duplicate canonical URL or content hash (another writer
    won the race since ``find_duplicate``) raises ``sqlalchemy.exc.IntegrityError``;
    a ``story_id`` that names no story raises NotFound.
    """
    item = BatchItem(article, source_id=source_id, story_id=story_id)
    return (await add_many(session, [item]))[0]


async def add_many(session: AsyncSession, items: Sequence[BatchItem]) -> list[StoredArticle]:
    """Store understood articles with their tags, events, keys and stories, in a few statements.

    All or nothing: it runs in a savepoint, so a failure leaves none of the articles behind
    and the caller's transaction usable. The articles must differ from each other and from
    stored ones (see :func:`find_duplicates`); a clash — another writer won the race —
    raises ``sqlalchemy.exc.IntegrityError``. A ``story_id`` that names no story raises
    NotFound. Returns one StoredArticle per item, in order.
    """
    if not items:
        return []
    # One greenlet for the whole batch instead of one per statement: the per-statement
    # async overhead used to dominate ingest.
    return await session.run_sync(_add_many, items)


def _add_many(session: Session, items: Sequence[BatchItem]) -> list[StoredArticle]:
    """Insert the articles and everything that hangs off them (synchronous half of add_many)."""
    now = models.utcnow()
    with session.begin_nested():
        conn = session.connection()
        story_ids = _resolve_stories(conn, items, now)
        rows = [
            {
                "source_id": item.source_id,
                "source_name": item.article.source,
                "url": item.article.url,
                "canonical_url": item.article.canonical_url,
                "guid": item.article.guid,
                "title": item.article.title,
                "text": item.article.text,
                "summary": item.article.summary,
                "published": item.article.published,
                "ingested_at": now,
                "lang": item.article.lang,
                "script": item.article.script,
                "content_hash": item.article.content_hash,
                "story_id": story_id,
                "features": item.article.features.to_json(),
            }
            for item, story_id in zip(items, story_ids, strict=True)
        ]
        by_hash = dict((h, i) for i, h in _returned(conn, _INSERT_ARTICLES, rows))
        article_ids = [by_hash[item.article.content_hash] for item in items]
        tags = [
            {"article_id": article_id, "kind": kind, "value": value}
            for item, article_id in zip(items, article_ids, strict=True)
            for kind, values in (
                ("country", item.article.countries),
                ("topic", item.article.topics),
            )
            for value in dict.fromkeys(values)
        ]
        if tags:
            conn.execute(_INSERT_TAGS, tags)
        _link_events(conn, [item.article for item in items], article_ids)
        keys = [
            {"article_id": article_id, "key": key}
            for item, article_id in zip(items, article_ids, strict=True)
            for key in sorted(item.article.features.keys)
        ]
        if keys:
            conn.execute(_INSERT_KEYS, keys)
    return [
        StoredArticle(id=article_id, story_id=story_id)
        for article_id, story_id in zip(article_ids, story_ids, strict=True)
    ]


def _returned(conn: Connection, stmt: Any, rows: list[dict[str, Any]]) -> list[Any]:
    """Execute an INSERT … RETURNING for one row or many; return the rows it returned."""
    if len(rows) == 1:
        return conn.execute(stmt, rows[0]).all()
    return conn.execute(stmt, rows).all()


def _resolve_stories(conn: Connection, items: Sequence[BatchItem], now: datetime) -> list[int]:
    """Start the batch's new stories, count the articles joining stored ones; return ids."""
    # A story is ("new", position of the item that starts it) or ("stored", story id).
    refs: list[tuple[str, int]] = []
    for position, item in enumerate(items):
        if item.joins is not None:
            if not 0 <= item.joins < position:
                raise ValueError(f"item {position} joins item {item.joins}, not an earlier one")
            refs.append(refs[item.joins])
        elif item.story_id is not None:
            refs.append(("stored", item.story_id))
        else:
            refs.append(("new", position))
    members = Counter(refs)
    ids: dict[tuple[str, int], int] = {}
    new = [ref for ref in members if ref[0] == "new"]
    if new:
        rows = [
            {"created_at": now, "updated_at": now, "article_count": members[ref]} for ref in new
        ]
        # Pair returned ids with new stories of the same size, in order: they are alike.
        returned: dict[int, list[int]] = defaultdict(list)
        for story_id, size in sorted(_returned(conn, _INSERT_STORIES, rows)):
            returned[size].append(story_id)
        for ref in new:
            ids[ref] = returned[members[ref]].pop(0)
    by_increment: dict[int, list[int]] = defaultdict(list)
    for ref, n in members.items():
        if ref[0] == "stored":
            by_increment[n].append(ref[1])
    for n, story_ids in sorted(by_increment.items()):
        wanted = sorted(story_ids)  # a fixed order, so concurrent writers lock rows alike
        bumped = set(
            conn.execute(_BUMP_STORIES, {"story_ids": wanted, "n": n, "now": now}).scalars()
        )
        missing = [i for i in wanted if i not in bumped]
        if missing:
            raise NotFound(f"story {missing[0]}: not stored")
        ids.update((("stored", i), i) for i in wanted)
    return [ids[ref] for ref in refs]


def _link_events(conn: Connection, batch: Sequence[Article], article_ids: Sequence[int]) -> None:
    """Upsert the batch's events once each and link them to their articles."""
    per_article = [_merge_events(article.events) for article in batch]
    # The first mention wins and later ones fill its gaps, as one upsert at a time would.
    merged = _merge_events(e for events in per_article for e in events)
    if not merged:
        return
    rows = [
        {
            "key": e.key,
            "name": e.name,
            "start": e.start,
            "end": e.end,
            "place": e.place,
            "country": e.country,
        }
        for e in sorted(merged, key=lambda e: e.key)  # a fixed lock order for concurrent writers
    ]
    event_ids = {
        key: event_id for event_id, key in _returned(conn, _EVENT_UPSERT[conn.dialect.name], rows)
    }
    conn.execute(
        _INSERT_ARTICLE_EVENTS,
        [
            {"article_id": article_id, "event_id": event_ids[e.key]}
            for events, article_id in zip(per_article, article_ids, strict=True)
            for e in events
        ],
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
    """Return stored articles sharing the most keys, dated within ``days`` of ``around``.

    One article's :func:`story_candidates_many`, so storing one at a time and a batch at a
    time find the same candidates.
    """
    if limit <= 0:
        return []
    extra = 1 if exclude_article_id is not None else 0
    ranked = await story_candidates_many(session, [(keys, around)], days=days, limit=limit + extra)
    found = [r.candidate for r in ranked[0] if r.candidate.article_id != exclude_article_id]
    return found[:limit]


# Candidates for a whole batch: the postings of the batch's keys are read once and counted
# here, which is several times cheaper than a GROUP BY over (article, candidate) pairs in
# SQLite; then one query dates the articles found and one reads the features of the few
# that make some article's list.
#
# A key's postings are read newest first, within the date window of the batch's articles
# that have it, and at most POSTINGS_PER_KEY of them: a key every tenth article carries would
# otherwise cost every new article a read of a tenth of the archive. A story is found
# through its rarer keys; a common one only adds its most recent articles.
POSTINGS_PER_KEY = 100


def _by_dialect(
    columns: Sequence[Any], column: Any, name: str, item: Any
) -> dict[str, Select[Any]]:
    """Build ``SELECT columns WHERE column IN (values)`` for each dialect, once.

    PostgreSQL gets ``= ANY(:array)``: one statement text whatever the number of values,
    so asyncpg prepares it once instead of once per list length.
    """
    return {
        "sqlite": select(*columns).where(column.in_(bindparam(name, expanding=True))),
        "postgresql": select(*columns).where(
            column == any_(bindparam(name, type_=postgresql.ARRAY(item)))
        ),
    }


# Keys per postings statement: one branch of a UNION ALL per key (SQLite allows 500), the
# list padded with a key no article has, so each backend compiles and prepares one text.
_KEYS_PER_QUERY = 32
_NO_KEY = ""
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


@cache
def _postings_query() -> Any:
    """Build ``_KEYS_PER_QUERY`` keys' newest postings within each key's date window."""
    a, k = _articles.c, _keys.c
    branches = []
    for i in range(_KEYS_PER_QUERY):
        newest = (
            select(k.key, k.article_id)
            .join(_articles, a.id == k.article_id)
            .where(
                k.key == bindparam(f"key{i}"),
                # An undated article may be from any day: the matcher, not the window, decides.
                or_(
                    a.published.is_(None),
                    and_(
                        a.published >= bindparam(f"since{i}"),
                        a.published <= bindparam(f"until{i}"),
                    ),
                ),
            )
            .order_by(k.article_id.desc())
            .limit(bindparam("cap", type_=Integer))
            .subquery()
        )
        branches.append(select(newest.c.key, newest.c.article_id))
    return union_all(*branches)


async def _postings(
    conn: Any, windows: dict[str, tuple[datetime, datetime]], cap: int
) -> dict[str, list[int]]:
    """Return each key's newest ``cap`` article ids dated within its window."""
    postings: dict[str, list[int]] = defaultdict(list)
    keys = sorted(windows)
    stmt = _postings_query()
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start : start + _KEYS_PER_QUERY]
        params: dict[str, Any] = {"cap": cap}
        for i in range(_KEYS_PER_QUERY):
            key = chunk[i] if i < len(chunk) else _NO_KEY
            since, until = windows.get(key, (_LATEST, _EARLIEST))
            params.update({f"key{i}": key, f"since{i}": since, f"until{i}": until})
        for key, article_id in (await conn.execute(stmt, params)).all():
            postings[key].append(article_id)
    return postings


_DATED = _by_dialect(
    (_articles.c.id, _articles.c.story_id, _articles.c.published, _articles.c.ingested_at),
    _articles.c.id,
    "ids",
    Integer(),
)
_FEATURES = _by_dialect((_articles.c.id, _articles.c.features), _articles.c.id, "ids", Integer())
# Well under SQLite's 32,766 bound parameters per statement.
_IN_CHUNK = 10_000


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNDATED = np.iinfo(np.int64).min  # not among the articles dated: deleted since
_NO_DATE = np.iinfo(np.int64).max  # stored without a publication date: any window may hold it


def _micros(when: datetime) -> int:
    """Return an aware datetime as microseconds since the epoch."""
    return (when - _EPOCH) // timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class RankedCandidate:
    """A story candidate with how many keys it shares with the article it was found for."""

    shared: int
    candidate: StoryCandidate


async def _chunked(
    conn: Any, stmts: dict[str, Select[Any]], name: str, values: Sequence[Any]
) -> list[Any]:
    """Run an ``IN`` query over any number of values, a chunk at a time on SQLite."""
    dialect = conn.dialect.name
    size = _IN_CHUNK if dialect == "sqlite" else max(len(values), 1)
    rows: list[Any] = []
    for start in range(0, len(values), size):
        result = await conn.execute(stmts[dialect], {name: list(values[start : start + size])})
        rows.extend(result.all())
    return rows


async def story_candidates_many(
    session: AsyncSession,
    wanted: Sequence[tuple[Iterable[str], datetime | None]],
    *,
    days: int = 14,
    limit: int = 50,
    known: Mapping[int, StoryFeatures] | None = None,
) -> list[list[RankedCandidate]]:
    """Return :func:`story_candidates` for each (keys, around) pair, in a few queries.

    Each list is ranked as story_candidates ranks it (most shared keys first, then
    newest) and carries the shared-key counts, so a caller can merge in candidates of
    its own (the earlier articles of a batch not stored yet). ``known``: the features of
    stored articles the caller has already (articles are never updated), not read again.
    """
    found: list[list[RankedCandidate]] = [[] for _ in wanted]
    keysets = [frozenset(keys) for keys, _ in wanted]
    all_keys = sorted(frozenset().union(*keysets))
    if limit <= 0 or not all_keys:
        return found
    window = timedelta(days=days)
    arounds = [
        None if around is None else around if around.tzinfo else around.replace(tzinfo=UTC)
        for _, around in wanted
    ]
    # each key's window: the union of the windows of the articles that have it
    windows: dict[str, tuple[datetime, datetime]] = {}
    for keys, around in zip(keysets, arounds, strict=True):
        since, until = (
            (_EARLIEST, _LATEST) if around is None else (around - window, around + window)
        )
        for key in keys:
            known = windows.get(key)
            windows[key] = (
                (since, until)
                if known is None
                else (
                    min(known[0], since),
                    max(known[1], until),
                )
            )
    conn = await session.connection()
    postings = await _postings(conn, windows, POSTINGS_PER_KEY)
    # Per article: the ids of its keys' postings, counted, dated within its window and
    # ranked, with numpy: synthetic or not, an article meets thousands of postings.
    touched = sorted({i for ids in postings.values() for i in ids})
    dated = {
        r.id: (r.story_id, r.published)
        for r in await _chunked(conn, _DATED, "ids", touched)
    }
    micros = {i: _NO_DATE if when is None else _micros(when) for i, (_, when) in dated.items()}
    by_key = {
        key: (
            np.fromiter(ids, dtype=np.int64, count=len(ids)),
            np.fromiter((micros.get(i, _UNDATED) for i in ids), dtype=np.int64, count=len(ids)),
        )
        for key, ids in postings.items()
    }
    ranked: list[list[tuple[int, int]]] = []
    for keys, around in zip(keysets, arounds, strict=True):
        parts = [by_key[key] for key in keys if key in by_key]
        if not parts:
            ranked.append([])
            continue
        ids = np.concatenate([p[0] for p in parts])
        when = np.concatenate([p[1] for p in parts])
        if around is None:
            ids = ids[when != _UNDATED]
        else:
            inside = (when >= _micros(around - window)) & (when <= _micros(around + window))
            ids = ids[inside | (when == _NO_DATE)]
        unique, shared = np.unique(ids, return_counts=True)
        # most shared keys first, then the newest
        order = np.lexsort((-unique, -shared))[:limit]
        ranked.append(list(zip(shared[order].tolist(), unique[order].tolist(), strict=True)))
    known = known or {}
    chosen = {i for pairs in ranked for _, i in pairs}
    features = {i: known[i] for i in chosen if i in known}
    unknown = sorted(chosen.difference(features))
    features.update(
        (r.id, StoryFeatures.from_json(r.features))
        for r in await _chunked(conn, _FEATURES, "ids", unknown)
    )
    for position, pairs in enumerate(ranked):
        found[position] = [
            RankedCandidate(
                shared=n,
                candidate=StoryCandidate(article_id=i, story_id=dated[i][0], features=features[i]),
            )
            for n, i in pairs
            if i in features
        ]
    return found


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
