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
    literal_column,
    or_,
    select,
    text,
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
                aliases=tuple(dict.fromkeys((*known.aliases, event.name, *event.aliases))),
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
_aliases = cast(Table, models.EventAlias.__table__)
_ALIAS_INSERT = {
    "sqlite": sqlite.insert(_aliases).on_conflict_do_nothing(),
    "postgresql": postgresql.insert(_aliases).on_conflict_do_nothing(),
}
_INSERT_ARTICLES = insert(_articles).returning(_articles.c.id, _articles.c.content_hash)
_INSERT_STORIES = insert(_stories).returning(_stories.c.id, _stories.c.article_count)
_BUMP_STORIES = (
    update(_stories)
    .where(_stories.c.id.in_(bindparam("story_ids", expanding=True)))
    .values(article_count=_stories.c.article_count + bindparam("n"), updated_at=bindparam("now"))
    .returning(_stories.c.id)
)


@cache
def _sqlite_insert(table: Table, columns: tuple[str, ...]) -> str:
    """Return the SQLite text of an INSERT of ``columns``, its parameters in that order."""
    compiled = insert(table).compile(dialect=sqlite.dialect(), column_keys=list(columns))
    if tuple(compiled.positiontup or ()) != columns:  # pragma: no cover - a guard
        raise ValueError(f"{table.name}: parameters {compiled.positiontup}, not {columns}")
    return str(compiled)


def _insert_plain(
    conn: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert rows of plain integers and strings, nothing for SQLAlchemy to convert.

    On SQLite they go straight to the driver's executemany: a batch has a few thousand keys,
    and building and processing a parameter dictionary per row cost more than the insert.
    """
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(_sqlite_insert(table, columns), rows)
    else:
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


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
                "tech": item.article.tech,
            }
            for item, story_id in zip(items, story_ids, strict=True)
        ]
        by_hash = dict((h, i) for i, h in _returned(conn, _INSERT_ARTICLES, rows))
        article_ids = [by_hash[item.article.content_hash] for item in items]
        tags = [
            (article_id, kind, value)
            for item, article_id in zip(items, article_ids, strict=True)
            for kind, values in (
                ("country", item.article.countries),
                ("topic", item.article.topics),
            )
            for value in dict.fromkeys(values)
        ]
        _insert_plain(conn, _tags, ("article_id", "kind", "value"), tags)
        _link_events(conn, [item.article for item in items], article_ids)
        keys = [
            (article_id, key)
            for item, article_id in zip(items, article_ids, strict=True)
            for key in sorted(item.article.features.keys)
        ]
        _insert_plain(conn, _keys, ("article_id", "key"), keys)
    return [
        StoredArticle(id=article_id, story_id=story_id)
        for article_id, story_id in zip(article_ids, story_ids, strict=True)
    ]


def _returned(conn: Connection, stmt: Any, rows: list[dict[str, Any]]) -> Sequence[Any]:
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
    links = [
        (article_id, event_ids[e.key])
        for events, article_id in zip(per_article, article_ids, strict=True)
        for e in events
    ]
    _insert_plain(conn, _article_events, ("article_id", "event_id"), links)
    # every name the event went by here, so /event finds it by any of them
    aliases = sorted(
        {(event_ids[e.key], name) for e in merged for name in (e.name, *e.aliases) if name}
    )
    if aliases:
        conn.execute(
            _ALIAS_INSERT[conn.dialect.name], [{"event_id": i, "alias": n} for i, n in aliases]
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
# SQLite; the articles found are dated (from memory, or by one query), and one query reads
# the features of the few that make some article's list and are not known already.
#
# A key's postings are read newest first, and the newest POSTINGS_PER_KEY of them dated
# within the window of the batch's articles that have it are kept: a key every tenth article
# carries would otherwise cost every new article a read of a tenth of the archive. A story is
# found through its rarer keys; a common one only adds its most recent articles.
#
# The postings are read without joining them to their articles: the join read each posting's
# article row (several KB, its date stored past its text) once per posting and batch, which
# cost more than the rest of storing together. Each article is dated once per run instead
# (ArticleDates), and a key whose page held postings outside its window is read a page further.
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
# list padded with a key no article has, so each backend compiles and prepares a few texts.
# A batch has a few thousand keys, then a few dozen read further: a size for each.
_KEYS_PER_QUERY = (16, 64, 256)
_NO_KEY = ""
# Above every article id: INTEGER is 64-bit in SQLite, 32-bit in PostgreSQL.
_ABOVE_ALL_IDS = {"sqlite": 2**63 - 1, "postgresql": 2**31 - 1}
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


@cache
def _postings_query(dialect: str, size: int) -> Any:
    """Build ``size`` keys' newest postings at or below an id, a row per key.

    Row ``n`` carries the ids of the key bound as ``key{n}``, aggregated (a comma-separated
    string on SQLite, an array on PostgreSQL): a hundred times fewer rows to fetch and build.
    """
    k = _keys.c
    branches = []
    for i in range(size):
        newest = (
            select(k.article_id)
            .where(k.key == bindparam(f"key{i}"), k.article_id <= bindparam(f"upto{i}"))
            .order_by(k.article_id.desc())
            .limit(bindparam(f"limit{i}", type_=Integer))
            .subquery()
        )
        ids = (
            func.array_agg(newest.c.article_id)
            if dialect == "postgresql"
            else func.group_concat(newest.c.article_id)
        )
        branches.append(
            select(literal_column(str(i), Integer).label("n"), ids.label("ids")).select_from(newest)
        )
    return union_all(*branches)


def _id_array(value: str | list[int] | None) -> np.ndarray:
    """Return the ids a postings row aggregated, newest first."""
    if value is None:
        return _NO_IDS
    if isinstance(value, str):
        ids = np.fromstring(value, dtype=np.int64, sep=",")
    else:
        ids = np.array(value, dtype=np.int64)
    return np.sort(ids)[::-1]  # the order an aggregate keeps is not promised


_DATED = _by_dialect(
    (_articles.c.id, _articles.c.story_id, _articles.c.published),
    _articles.c.id,
    "ids",
    Integer(),
)
# SQLite would look the ids up in the table (its rowid), reading each article's overflow
# pages to reach the two columns stored after its text; the index holds all three. With
# it, dating a batch's postings costs the same in an archive of 10k or of 200k articles.
_DATED_SQLITE: Any = (
    text(
        "SELECT id, story_id, published FROM articles"
        " INDEXED BY ix_articles_id_published_story_id WHERE id IN :ids"
    )
    .bindparams(bindparam("ids", expanding=True))
    .columns(_articles.c.id, _articles.c.story_id, _articles.c.published)
)
_DATED["sqlite"] = _DATED_SQLITE
_FEATURES = _by_dialect((_articles.c.id, _articles.c.features), _articles.c.id, "ids", Integer())
# Well under SQLite's 32,766 bound parameters per statement.
_IN_CHUNK = 10_000


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NO_DATE = np.iinfo(np.int64).max  # stored without a publication date: any window may hold it
_GONE = np.iinfo(np.int64).min  # not stored (deleted since its postings were read): no window
_NO_IDS = np.empty(0, dtype=np.int64)


def _micros(when: datetime | None) -> int:
    """Return a datetime (naive ones are UTC) as microseconds since the epoch, or _NO_DATE."""
    if when is None:
        return int(_NO_DATE)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH) // timedelta(microseconds=1)


class ArticleDates:
    """Remember stored articles' publication times and story ids by id, for one run.

    Articles are never updated, so what an id maps to stays true for as long as the id names
    one database's article: keep one per run (or per database), and remember only committed
    articles (the id of one rolled back may be given again). Kept as sorted numpy arrays, so
    the thousands of postings of a batch are dated in a few vector operations.
    """

    def __init__(self, size: int = 1_000_000) -> None:
        self._size = size
        self._ids = _NO_IDS
        self._micros = _NO_IDS
        self._stories = _NO_IDS
        self._new: list[tuple[int, int, int]] = []

    def remember(self, article_id: int, story_id: int, published: datetime | None) -> None:
        """Remember a committed article's publication time and story."""
        self._new.append((article_id, _micros(published), story_id))

    def _add(self, ids: np.ndarray, micros: np.ndarray, stories: np.ndarray) -> None:
        ids = np.concatenate((self._ids, ids))
        # stable: two sorted runs merge in linear time, and a repeated id keeps its first entry
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        first = np.ones(len(ids), dtype=bool)
        first[1:] = ids[1:] != ids[:-1]
        keep = order[first][-self._size :]  # forget the oldest articles beyond size
        self._ids = ids[first][-self._size :]
        self._micros = np.concatenate((self._micros, micros))[keep]
        self._stories = np.concatenate((self._stories, stories))[keep]

    def _flush(self) -> None:
        if self._new:
            columns = np.array(self._new, dtype=np.int64).T  # ids, µs, story ids
            self._new = []
            self._add(columns[0], columns[1], columns[2])

    async def lookup(self, conn: Any, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the publication times (µs, _NO_DATE or _GONE) and story ids of ``ids``.

        Ids not remembered are read in one query and remembered; an id no article has (one
        deleted since its postings were read) is _GONE.
        """
        self._flush()
        micros = np.full(len(ids), _GONE, dtype=np.int64)
        stories = np.zeros(len(ids), dtype=np.int64)
        hit = _place(self._ids, ids, micros, stories, self._micros, self._stories)
        missing = np.unique(ids[~hit])
        if len(missing):
            rows = await _chunked(conn, _DATED, "ids", missing.tolist())
            read = np.array([r.id for r in rows], dtype=np.int64)
            order = np.argsort(read)
            read_micros = np.array([_micros(r.published) for r in rows], dtype=np.int64)
            read_stories = np.array([r.story_id for r in rows], dtype=np.int64)
            read, read_micros, read_stories = read[order], read_micros[order], read_stories[order]
            _place(read, ids, micros, stories, read_micros, read_stories)
            self._add(read, read_micros, read_stories)
        return micros, stories


def _place(
    known: np.ndarray,
    ids: np.ndarray,
    micros: np.ndarray,
    stories: np.ndarray,
    known_micros: np.ndarray,
    known_stories: np.ndarray,
) -> np.ndarray:
    """Copy the dates and stories of the ``ids`` found in sorted ``known``; return which were."""
    if not len(known) or not len(ids):
        return np.zeros(len(ids), dtype=bool)
    at = np.minimum(np.searchsorted(known, ids), len(known) - 1)
    hit = known[at] == ids
    micros[hit] = known_micros[at[hit]]
    stories[hit] = known_stories[at[hit]]
    return hit


Postings = tuple[np.ndarray, np.ndarray, np.ndarray]  # article ids, their µs, their story ids


async def _postings(
    conn: Any, windows: Mapping[str, tuple[int, int]], cap: int, dates: ArticleDates
) -> dict[str, Postings]:
    """Return each key's newest ``cap`` articles dated within its window, newest first.

    Windows are in microseconds since the epoch, both ends included; an undated article is
    within every window. Postings outside the window are skipped by reading the key further,
    in pages twice as long each time. Keys with no such article are left out.
    """
    found: dict[str, list[Postings]] = defaultdict(list)
    need = dict.fromkeys(windows, cap)
    pages = dict.fromkeys(windows, (_ABOVE_ALL_IDS[conn.dialect.name], cap))  # (upto, limit)
    while pages:
        read: dict[str, np.ndarray] = {}
        keys = sorted(pages)
        while keys:
            size = next((n for n in _KEYS_PER_QUERY if n >= len(keys)), _KEYS_PER_QUERY[-1])
            chunk, keys = keys[:size], keys[size:]
            stmt = _postings_query(conn.dialect.name, size)
            params: dict[str, Any] = {}
            for i in range(size):
                key = chunk[i] if i < len(chunk) else _NO_KEY
                upto, limit = pages.get(key, (0, 0))
                params.update({f"key{i}": key, f"upto{i}": upto, f"limit{i}": limit})
            for n, value in (await conn.execute(stmt, params)).all():
                ids = _id_array(value)
                if len(ids):
                    read[chunk[n]] = ids
        if not read:
            break
        micros, stories = await dates.lookup(conn, np.concatenate(list(read.values())))
        further: dict[str, tuple[int, int]] = {}
        offset = 0
        for key, ids in read.items():
            when = micros[offset : offset + len(ids)]
            story = stories[offset : offset + len(ids)]
            offset += len(ids)
            since, until = windows[key]
            inside = np.flatnonzero((when == _NO_DATE) | ((when >= since) & (when <= until)))
            inside = inside[: need[key]]
            if len(inside):
                found[key].append((ids[inside], when[inside], story[inside]))
                need[key] -= len(inside)
            limit = pages[key][1]
            if need[key] and len(ids) == limit:  # a full page, some outside the window
                further[key] = (int(ids[-1]) - 1, 2 * limit)
        pages = further
    return {
        key: parts[0]
        if len(parts) == 1
        else (
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )
        for key, parts in found.items()
    }


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
    dates: ArticleDates | None = None,
) -> list[list[RankedCandidate]]:
    """Return :func:`story_candidates` for each (keys, around) pair, in a few queries.

    Each list is ranked as story_candidates ranks it (most shared keys first, then
    newest) and carries the shared-key counts, so a caller can merge in candidates of
    its own (the earlier articles of a batch not stored yet). ``known``: the features of
    stored articles the caller has already (articles are never updated), not read again;
    ``dates``: the stored articles' dates and stories, remembered across one run's batches.
    """
    found = await story_candidate_ids(
        session, wanted, days=days, limit=limit, known=known, dates=dates
    )
    return [
        [
            RankedCandidate(
                shared=n,
                candidate=StoryCandidate(article_id=i, story_id=s, features=found.features[i]),
            )
            for n, i, s in triples
        ]
        for triples in found.ranked
    ]


@dataclass(frozen=True, slots=True)
class CandidateIds:
    """A batch's story candidates as plain ids, for callers that look at only a few.

    ``ranked``: per article, (shared keys, article id, story id) ranked as
    :func:`story_candidates_many` ranks them; ``features``: of the articles listed, all of
    them or the first few of each list (see :func:`story_candidate_ids`).
    """

    ranked: list[list[tuple[int, int, int]]]
    features: dict[int, StoryFeatures]


async def story_candidate_ids(
    session: AsyncSession,
    wanted: Sequence[tuple[Iterable[str], datetime | None]],
    *,
    days: int = 14,
    limit: int = 50,
    known: Mapping[int, StoryFeatures] | None = None,
    dates: ArticleDates | None = None,
    features: int | None = None,
) -> CandidateIds:
    """Return :func:`story_candidates_many` without building a candidate object for each.

    ``features``: read the features of only the first so many candidates of each list (a
    matcher seldom looks further; :func:`story_features` reads more), not of all of them.
    """
    keysets = [frozenset(keys) for keys, _ in wanted]
    if limit <= 0 or not any(keysets):
        return CandidateIds([[] for _ in wanted], {})
    window = timedelta(days=days)
    # each article's window in microseconds, an undated article's the whole calendar
    spans = [
        (_micros(_EARLIEST), _micros(_LATEST))
        if around is None
        else (_micros(around - window), _micros(around + window))
        for _, around in wanted
    ]
    # each key's window: the union of the windows of the articles that have it
    windows: dict[str, tuple[int, int]] = {}
    for keys, (since, until) in zip(keysets, spans, strict=True):
        for key in keys:
            wider = windows.get(key)
            windows[key] = (
                (since, until) if wider is None else (min(wider[0], since), max(wider[1], until))
            )
    conn = await session.connection()
    postings = await _postings(
        conn, windows, POSTINGS_PER_KEY, ArticleDates() if dates is None else dates
    )
    # Per article: its keys' postings, dated within its window, counted and ranked, with
    # numpy: synthetic or not, an article meets thousands of postings.
    ranked: list[list[tuple[int, int, int]]] = []  # (shared keys, article id, story id)
    for keys, (since, until) in zip(keysets, spans, strict=True):
        parts = [postings[key] for key in keys if key in postings]
        if not parts:
            ranked.append([])
            continue
        ids = np.concatenate([p[0] for p in parts])
        when = np.concatenate([p[1] for p in parts])
        story = np.concatenate([p[2] for p in parts])
        inside = ((when >= since) & (when <= until)) | (when == _NO_DATE)
        ids, story = ids[inside], story[inside]
        unique, first, shared = np.unique(ids, return_index=True, return_counts=True)
        # most shared keys first, then the newest
        order = np.lexsort((-unique, -shared))[:limit]
        ranked.append(
            list(
                zip(
                    shared[order].tolist(),
                    unique[order].tolist(),
                    story[first[order]].tolist(),
                    strict=True,
                )
            )
        )
    chosen = {i for triples in ranked for _, i, _ in triples[:features]}
    found = await story_features(session, chosen, known=known)
    if len(found) < len(chosen):  # some were deleted since their postings were read
        ranked = [[t for t in triples if t[1] in found or t[1] not in chosen] for triples in ranked]
    return CandidateIds(ranked, found)


async def story_features(
    session: AsyncSession, ids: Iterable[int], *, known: Mapping[int, StoryFeatures] | None = None
) -> dict[int, StoryFeatures]:
    """Return the story features of the stored articles among ``ids``, by id.

    ``known``: features the caller has already (articles are never updated), not read again.
    """
    known = known or {}
    wanted = set(ids)
    found = {i: known[i] for i in wanted if i in known}
    unknown = sorted(wanted.difference(found))
    if unknown:
        conn = await session.connection()
        found.update(
            (r.id, StoryFeatures.from_json(r.features))
            for r in await _chunked(conn, _FEATURES, "ids", unknown)
        )
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
