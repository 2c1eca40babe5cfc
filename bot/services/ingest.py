"""Ingest: raw articles → understanding → stories → SQL, one transaction per batch.

Articles are stored in batches of up to BATCH, each batch in one transaction (atomic per
batch, with per-article fallback: see :func:`save_many`); :func:`store` stores one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import os
import socket
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digests.errors import SourceError
from digests.model import Article, RawArticle, SourceHints, StoryCandidate
from digests.sources.admit import admit, item_name, plausible_date
from digests.sources.files import read_path
from digests.sources.http import Fetcher
from digests.sources.read import read_url
from digests.sources.workers import WorkerPool
from digests.understand import best_story, understand
from digests.understand.story import Signals, StoryMatcher, best_of, signals
from storage import articles, sources
from storage.articles import is_unique_violation
from storage.db import DatabaseUnwritable, write_failure
from storage.errors import NotFound
from storage.sources import SourceRecord

logger = logging.getLogger(__name__)

READ_BATCH = 256  # articles parsed per hop to the reading thread
# Articles per storing transaction. Not more: a batch's articles see the stored ones' postings
# capped as of the batch's start, so larger batches match stories a little differently
# (256 changed the story of 75 of 3,000 synthetic articles).
BATCH = 64
# Stored candidates whose features are read with the batch's candidates, per article: the
# matcher mostly decides within the first few (it stops at a near duplicate).
_FEATURES_READ = 4
# Ranks the batch's unstored articles above any stored one sharing as many keys.
_UNSTORED = 1 << 62
FILE_SUFFIXES = frozenset({".txt", ".html", ".htm", ".jsonl", ".xml", ".rss", ".atom"})


class Status(StrEnum):
    """What became of one item."""

    NEW = "new"
    DUPLICATE = "duplicate"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one article or one unreadable item."""

    item: str
    status: Status
    article: Article | None = None
    article_id: int | None = None
    story_id: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Understood:
    """A raw article admitted and understood in a worker process: its name and article, or
    the outcome of its failure. It takes a raw article's place in a batch (the same batches,
    the same stories)."""

    result: tuple[str, Article] | Outcome


@dataclass(slots=True)
class Tally:
    """Counts for the one-line summary at the end of an ingest."""

    new: int = 0
    duplicates: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        """Count one outcome."""
        if outcome.status is Status.NEW:
            self.new += 1
        elif outcome.status is Status.DUPLICATE:
            self.duplicates += 1
        else:
            self.failed += 1
            self.errors.append(outcome.error or outcome.item)

    def line(self) -> str:
        """Return the one-line summary."""
        return f"ingested {self.new}, duplicates {self.duplicates}, failed {self.failed}"


async def store(
    db: async_sessionmaker[AsyncSession],
    raw: RawArticle,
    *,
    hints: SourceHints = SourceHints(),
    source_id: int | None = None,
) -> Outcome:
    """Understand one raw article and store it once, in its own transaction."""
    understood = _understand(raw, hints)
    if isinstance(understood, Outcome):
        return understood
    return await save(db, *understood, source_id=source_id)


async def store_many(
    db: async_sessionmaker[AsyncSession],
    raws: Sequence[RawArticle | Understood],
    *,
    hints: SourceHints = SourceHints(),
    source_id: int | None = None,
    matcher: StoryMatcher | None = None,
    dates: articles.ArticleDates | None = None,
) -> list[Outcome]:
    """Understand raw articles and store each once, a batch per transaction.

    Returns one outcome per raw article, in order. The same guarantees as :func:`store`
    article by article, see :func:`save_many`. Articles understood already (in a worker
    process) are stored as they are.
    """
    understood = [
        raw.result if isinstance(raw, Understood) else _understand(raw, hints) for raw in raws
    ]
    pending = [u for u in understood if not isinstance(u, Outcome)]
    saved = iter(await save_many(db, pending, source_id=source_id, matcher=matcher, dates=dates))
    return [u if isinstance(u, Outcome) else next(saved) for u in understood]


async def save(
    db: async_sessionmaker[AsyncSession], item: str, article: Article, *, source_id: int | None
) -> Outcome:
    """Store one understood article once, in its own transaction."""
    try:
        async with db() as session, session.begin():
            duplicate = await articles.find_duplicate(
                session,
                canonical_url=article.canonical_url,
                guid=article.guid,
                source_id=source_id,
                content_hash=article.content_hash,
            )
            if duplicate is not None:
                return Outcome(item, Status.DUPLICATE, article, article_id=duplicate)
            candidates = await articles.story_candidates(
                session, article.features.keys, around=article.published
            )
            story_id = best_story(article.features, candidates)
            stored = await articles.add(session, article, source_id=source_id, story_id=story_id)
    except IntegrityError as exc:
        if is_unique_violation(exc):
            # Another writer stored the same article between our check and our insert.
            return Outcome(item, Status.DUPLICATE, article)
        logger.info("storing failed for %s", item, exc_info=True)
        return Outcome(item, Status.FAILED, article, error=f"{item}: not stored: {_short(exc)}")
    except Exception as exc:  # whatever it is, it is this article's alone, unless
        if (stop := write_failure(exc, db.kw.get("bind"))) is not None:
            raise stop from exc  # the database takes no write at all
        logger.info("storing failed for %s", item, exc_info=True)
        return Outcome(item, Status.FAILED, article, error=f"{item}: not stored: {_short(exc)}")
    return Outcome(item, Status.NEW, article, article_id=stored.id, story_id=stored.story_id)


async def save_many(
    db: async_sessionmaker[AsyncSession],
    pending: Sequence[tuple[str, Article]],
    *,
    source_id: int | None,
    matcher: StoryMatcher | None = None,
    dates: articles.ArticleDates | None = None,
) -> list[Outcome]:
    """Store understood articles, each once, in one transaction; one outcome per article.

    The guarantee is *atomic per batch, with per-article fallback*. The batch is checked
    for duplicates (stored ones, and repeats inside the batch: same canonical URL, same
    guid, same content hash), matched to stories (stored ones and those the batch's own
    earlier articles start) and written in one transaction, a handful of statements for
    the whole batch — so either all of it is stored or none of it. If that transaction
    fails (a concurrent writer stored one of the articles first, which the unique
    constraints catch, or any other database error), each article is stored again in a
    transaction of its own with :func:`save`, so one bad article fails alone and the
    others land. Nothing half-written stays in the database either way. Outcomes are
    the same as storing the articles one by one in order with :func:`save`.

    ``matcher`` remembers the story features of the articles stored, and ``dates`` their
    stories and days, so the next batches of one run neither read nor decode them again;
    pass one of each per run, for one database.
    """
    if not pending:
        return []
    matcher = matcher or StoryMatcher()
    dates = articles.ArticleDates() if dates is None else dates
    own: dict[int, Signals] = {}
    try:
        async with db() as session, session.begin():
            outcomes = await _save_batch(
                session, pending, source_id=source_id, matcher=matcher, dates=dates, own=own
            )
    except Exception as exc:  # any failure: the articles are stored one by one instead
        if (stop := write_failure(exc, db.kw.get("bind"))) is not None:
            raise stop from exc  # a full disk takes none of them: stop the batch here
        logger.warning(
            "storing a batch of %d failed (%s); storing its articles one by one",
            len(pending),
            type(exc).__name__,
        )
        return [await save(db, item, article, source_id=source_id) for item, article in pending]
    # Committed: the ids are the articles' for good.
    for outcome in outcomes:
        if outcome.status is Status.NEW and outcome.article and outcome.article_id:
            matcher.remember(
                outcome.article_id, outcome.article.features, own.get(id(outcome.article))
            )
            if outcome.story_id is not None:
                dates.remember(outcome.article_id, outcome.story_id, outcome.article.published)
    return outcomes


async def _save_batch(
    session: AsyncSession,
    pending: Sequence[tuple[str, Article]],
    *,
    source_id: int | None,
    matcher: StoryMatcher,
    dates: articles.ArticleDates,
    own: dict[int, Signals],
) -> list[Outcome]:
    """Dedupe, match stories and insert a batch inside the caller's transaction."""
    batch = [article for _, article in pending]
    stored_duplicates = await articles.find_duplicates(session, batch, source_id=source_id)
    outcomes: list[Outcome | None] = [None] * len(batch)
    kept: list[int] = []  # positions of the articles to store, in order
    repeats: dict[int, int] = {}  # position → position of the earlier article it repeats
    seen: dict[tuple[str, str], int] = {}
    for position, article in enumerate(batch):
        item = pending[position][0]
        if position in stored_duplicates:
            outcomes[position] = Outcome(
                item, Status.DUPLICATE, article, article_id=stored_duplicates[position]
            )
            continue
        marks = [("hash", article.content_hash)]
        if article.canonical_url:
            marks.append(("url", article.canonical_url))
        if article.guid:
            marks.append(("guid", article.guid))  # one source per batch: guids compare as-is
        earlier = [seen[m] for m in marks if m in seen]
        if earlier:
            repeats[position] = min(earlier)
            continue
        for mark in marks:
            seen[mark] = position
        kept.append(position)
    items = await _match_stories(
        session,
        [batch[p] for p in kept],
        await articles.story_candidate_ids(
            session,
            [(batch[p].features.keys, batch[p].published) for p in kept],
            known=matcher.features,
            dates=dates,
            features=_FEATURES_READ,
        ),
        source_id=source_id,
        matcher=matcher,
        own=own,
    )
    stored = await articles.add_many(session, items)
    ids: dict[int, int] = {}
    for position, result in zip(kept, stored, strict=True):
        ids[position] = result.id
        outcomes[position] = Outcome(
            pending[position][0],
            Status.NEW,
            batch[position],
            article_id=result.id,
            story_id=result.story_id,
        )
    for position, first in repeats.items():
        outcomes[position] = Outcome(
            pending[position][0], Status.DUPLICATE, batch[position], article_id=ids[first]
        )
    return [o for o in outcomes if o is not None]


class _Unread(Exception):
    """A candidate's features are not read yet (stops best_of, which is then run again)."""

    def __init__(self, position: int) -> None:
        super().__init__(position)
        self.position = position


async def _match_stories(
    session: AsyncSession,
    batch: Sequence[Article],
    stored_candidates: articles.CandidateIds,
    *,
    source_id: int | None,
    days: int = 14,
    limit: int = 50,
    matcher: StoryMatcher | None = None,
    own: dict[int, Signals] | None = None,
) -> list[articles.BatchItem]:
    """Pick each article's story among stored candidates and the batch's earlier articles.

    Ranks the union as ``story_candidates`` would have, had the earlier articles of the
    batch been stored already (they would have the newest ids), so each article gets the
    story it would get stored one at a time. Each article's features are decoded once
    (``matcher`` remembers stored ones across batches); ``own`` receives the batch's, by
    ``id(article)``. The matcher mostly decides within the first few candidates, so stored
    ones' features are read as it reaches them, a few more at a time, not all beforehand.
    """
    matcher = matcher or StoryMatcher()
    own = {} if own is None else own
    window = timedelta(days=days)
    items: list[articles.BatchItem] = []
    # The story of each earlier article: a stored story id, or a negative stand-in
    # -(n + 1) for the story the batch's n-th article starts.
    stories: list[int] = []
    mine_signals: list[Signals] = []
    stored_features = dict(stored_candidates.features)

    def compared(top: list[tuple[int, int, int, int]]) -> Iterator[tuple[int, Signals]]:
        # ref: a stored article's id, or -(m + 1) for the batch's m-th article
        for position, (_, _, story_id, ref) in enumerate(top):
            if ref < 0:
                yield story_id, mine_signals[-ref - 1]
            elif ref in stored_features:
                candidate = StoryCandidate(ref, story_id, stored_features[ref])
                yield story_id, matcher.signals(candidate)
            else:
                raise _Unread(position)

    for n, (article, ranked) in enumerate(zip(batch, stored_candidates.ranked, strict=True)):
        keys = article.features.keys
        article_signals = own[id(article)] = signals(article.features)
        mine_signals.append(article_signals)
        # (shared keys, rank among equals, story id, article ref): candidate objects are
        # built only for the few compared
        mine = [(shared, i, story, i) for shared, i, story in ranked]
        for m in range(n):
            earlier = batch[m]
            shared = len(keys & earlier.features.keys)
            # As in story_candidates: an undated article may be from any day.
            when = _aware(earlier.published)
            around = _aware(article.published)
            if shared and (around is None or when is None or abs(when - around) <= window):
                # Not stored yet, so newer than any stored article: rank above equal counts.
                mine.append((shared, _UNSTORED + m, stories[m], -(m + 1)))
        mine.sort(reverse=True)  # most shared keys, then newest; the second is unique
        top = mine[:limit]
        page = _FEATURES_READ
        while True:
            try:
                story = best_of(article_signals, compared(top))
                break
            except _Unread as unread:
                page *= 2
                wanted = {
                    ref
                    for *_, ref in top[unread.position : unread.position + page]
                    if ref > 0 and ref not in stored_features
                }
                read = await articles.story_features(session, wanted, known=matcher.features)
                stored_features.update(read)
                if gone := wanted.difference(read):  # deleted since their postings were read
                    mine = [c for c in mine if c[3] not in gone]
                    top = mine[:limit]
        if story is None:
            stories.append(-(n + 1))
            items.append(articles.BatchItem(article, source_id=source_id))
        elif story < 0:
            stories.append(story)
            items.append(articles.BatchItem(article, source_id=source_id, joins=-story - 1))
        else:
            stories.append(story)
            items.append(articles.BatchItem(article, source_id=source_id, story_id=story))
    return items


def expand_paths(items: Iterable[str]) -> list[str]:
    """Return the items with folders replaced by the article files inside them."""
    expanded: list[str] = []
    for item in items:
        path = Path(item)
        if not _is_url(item) and path.is_dir():
            expanded.extend(
                str(p) for p in sorted(path.rglob("*")) if p.suffix.lower() in FILE_SUFFIXES
            )
        else:
            expanded.append(item)
    return expanded


async def ingest_items(
    db: async_sessionmaker[AsyncSession],
    items: Iterable[str],
    *,
    fetcher: Fetcher | None,
    fetch_full_text: bool = True,
    hints: SourceHints = SourceHints(),
    pool: WorkerPool | None = None,
) -> AsyncIterator[Outcome]:
    """Read each file or URL and store its articles, yielding one outcome per article.

    Articles are stored BATCH at a time, across files (a folder of .txt files is one
    article per file), so outcomes come in bursts, in the order the items were read.

    ``pool``: worker processes that read, extract and understand files (each file one task,
    a few files ahead of the writer) and understand the articles of .jsonl files and URLs,
    so every core works and this process only stores. A file whose task hangs or kills its
    worker fails alone. Batches and stories are the same as without a pool.
    """
    waiting: list[RawArticle | Understood | Outcome] = []
    # one run, one database: stored articles' features, stories and days remembered
    matcher = StoryMatcher()
    dates = articles.ArticleDates()
    # files being read by the pool, oldest first; their results are taken in this order
    ahead: deque[asyncio.Task[list[Understood | Outcome]]] = deque()
    look_ahead = 4 * pool.workers if pool is not None else 0

    def unstored() -> int:
        return sum(not isinstance(w, Outcome) for w in waiting)

    async def flush() -> list[Outcome]:
        raws = [w for w in waiting if not isinstance(w, Outcome)]
        stored = iter(
            await _store_in_batches(
                db, raws, hints=hints, source_id=None, matcher=matcher, dates=dates, pool=pool
            )
        )
        done = [w if isinstance(w, Outcome) else next(stored) for w in waiting]
        waiting.clear()
        return done

    async def settle(limit: int) -> list[Outcome]:
        # take the results of the oldest files until at most ``limit`` are in flight
        done: list[Outcome] = []
        while len(ahead) > limit:
            waiting.extend(await ahead.popleft())
            if unstored() >= BATCH:
                done += await flush()
        return done

    try:
        for item in items:
            if pool is not None and not _is_url(item) and Path(item).suffix.lower() != ".jsonl":
                ahead.append(asyncio.ensure_future(_prepare_in_pool(pool, item, hints)))
                for outcome in await settle(look_ahead):
                    yield outcome
                continue
            for outcome in await settle(0):  # this item comes after those files
                yield outcome
            if _is_url(item):
                if fetcher is None:
                    raise ValueError("ingesting URLs needs a Fetcher")
                try:
                    read = await read_url(fetcher, item, fetch_full_text=fetch_full_text, pool=pool)
                except SourceError as exc:
                    waiting.append(Outcome(item, Status.FAILED, error=str(exc)))
                    continue
                except Exception as exc:  # a reader's own bug: this item's failure, not the run's
                    logger.info("reading %s failed", item, exc_info=True)
                    waiting.append(Outcome(item, Status.FAILED, error=f"{item}: {_short(exc)}"))
                    continue
                waiting.extend(Outcome(item, Status.FAILED, error=error) for error in read.errors)
                _log_warnings(read.warnings)
                waiting.extend(read.articles)
            else:
                results = _read_file(Path(item))
                while batch := await asyncio.to_thread(_take, results, READ_BATCH):
                    waiting.extend(
                        Outcome(r.item, Status.FAILED, error=str(r))
                        if isinstance(r, SourceError)
                        else r
                        for r in batch
                    )
                    if unstored() >= BATCH:
                        for outcome in await flush():
                            yield outcome
            if unstored() >= BATCH:
                for outcome in await flush():
                    yield outcome
        for outcome in await settle(0):
            yield outcome
        for outcome in await flush():
            yield outcome
    finally:
        for task in ahead:  # the caller stopped early: nothing left running for it
            task.cancel()


async def _prepare_in_pool(
    pool: WorkerPool, item: str, hints: SourceHints
) -> list[Understood | Outcome]:
    """Read, extract and understand one file in a worker; its failure is its own."""
    try:
        return await pool.run(item, prepare_file, item, hints)
    except SourceError as exc:
        return [Outcome(item, Status.FAILED, error=str(exc))]
    except Exception as exc:  # a result that cannot cross back, or the pool itself failing
        logger.info("reading %s in a worker failed", item, exc_info=True)
        return [Outcome(item, Status.FAILED, error=f"{item}: {_short(exc)}")]


def prepare_file(path: str, hints: SourceHints) -> list[Understood | Outcome]:
    """Read one file and understand its articles (run in a worker process)."""
    return [
        Outcome(r.item, Status.FAILED, error=str(r))
        if isinstance(r, SourceError)
        else Understood(_understand(r, hints))
        for r in _read_file(Path(path))
    ]


def understand_all(raws: Sequence[RawArticle], hints: SourceHints) -> list[Understood]:
    """Admit and understand raw articles (run in a worker process)."""
    return [Understood(_understand(raw, hints)) for raw in raws]


async def _understand_in_pool(
    pool: WorkerPool, raws: Sequence[RawArticle | Understood], hints: SourceHints
) -> list[RawArticle | Understood]:
    """Understand a batch's raw articles in a worker: all in one task, or if that task hangs
    or dies, each in a task of its own, so only the article at fault fails."""
    todo = [raw for raw in raws if isinstance(raw, RawArticle)]
    if not todo:
        return list(raws)
    try:
        done = await pool.run("a batch", understand_all, todo, hints)
    except SourceError:
        done = list(await asyncio.gather(*(_understand_one(pool, raw, hints) for raw in todo)))
    results = iter(done)
    return [next(results) if isinstance(raw, RawArticle) else raw for raw in raws]


async def _understand_one(pool: WorkerPool, raw: RawArticle, hints: SourceHints) -> Understood:
    item = item_name(raw)
    try:
        return (await pool.run(item, understand_all, [raw], hints))[0]
    except SourceError as exc:
        return Understood(Outcome(item, Status.FAILED, error=str(exc)))
    except Exception as exc:  # a result that cannot cross back, or the pool itself failing
        logger.info("understanding %s in a worker failed", item, exc_info=True)
        return Understood(Outcome(item, Status.FAILED, error=f"{item}: {_short(exc)}"))


async def _store_in_batches(
    db: async_sessionmaker[AsyncSession],
    raws: Sequence[RawArticle | Understood],
    *,
    hints: SourceHints,
    source_id: int | None,
    matcher: StoryMatcher | None = None,
    dates: articles.ArticleDates | None = None,
    pool: WorkerPool | None = None,
) -> list[Outcome]:
    """Store raw articles BATCH at a time; one outcome per article, in order.

    With a ``pool``, the batches are understood in its workers, all at once, while this
    process stores them one after the other.
    """
    outcomes: list[Outcome] = []
    matcher = matcher or StoryMatcher()
    dates = articles.ArticleDates() if dates is None else dates
    batches = [raws[start : start + BATCH] for start in range(0, len(raws), BATCH)]
    understood = (
        [asyncio.ensure_future(_understand_in_pool(pool, batch, hints)) for batch in batches]
        if pool is not None
        else []
    )
    try:
        for n, batch in enumerate(batches):
            ready = await understood[n] if understood else batch
            outcomes += await store_many(
                db, ready, hints=hints, source_id=source_id, matcher=matcher, dates=dates
            )
    finally:
        for task in understood:
            task.cancel()
    return outcomes


@dataclass(frozen=True, slots=True)
class SourceReport:
    """What one poll of one source did."""

    source: SourceRecord
    tally: Tally
    error: str | None = None
    not_modified: bool = False


async def fetch_sources(
    db: async_sessionmaker[AsyncSession],
    fetcher: Fetcher,
    *,
    interval: int,
    backoff_base: int,
    backoff_max: int,
    fetch_full_text: bool = True,
    concurrency: int = 8,
    only_due: bool = True,
    now: datetime | None = None,
    owner: str | None = None,
    lease: float = 600.0,
    pool: WorkerPool | None = None,
) -> list[SourceReport]:
    """Poll the sources that are due, concurrently; a failing one never holds the others up.

    Due sources are claimed for ``lease`` seconds in the name of ``owner`` (this instance),
    so instances sharing the database poll each source once. ``pool``: worker processes
    for parsing, extraction and understanding (see :func:`ingest_items`).
    """
    now = now or datetime.now(UTC)
    async with db() as session, session.begin():
        if only_due:
            targets = await sources.claim_due(session, now, owner=owner or _instance(), lease=lease)
        else:
            targets = await sources.list_all(session)
    gate = asyncio.Semaphore(concurrency)

    async def poll(source: SourceRecord) -> SourceReport:
        async with gate:
            return await _poll_source(
                db,
                fetcher,
                source,
                now=now,
                interval=interval,
                backoff_base=backoff_base,
                backoff_max=backoff_max,
                fetch_full_text=fetch_full_text,
                pool=pool,
            )

    try:
        async with asyncio.TaskGroup() as group:
            polls = [group.create_task(poll(s)) for s in targets]
    except* DatabaseUnwritable as stopped:  # a full disk stops every poll, said once
        raise stopped.exceptions[0] from None
    return [task.result() for task in polls]


def _instance() -> str:
    """Name this process the way the outbox names its senders: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def _poll_source(
    db: async_sessionmaker[AsyncSession],
    fetcher: Fetcher,
    source: SourceRecord,
    *,
    now: datetime,
    interval: int,
    backoff_base: int,
    backoff_max: int,
    fetch_full_text: bool,
    pool: WorkerPool | None = None,
) -> SourceReport:
    """Poll one source; whatever goes wrong is this source's failure, recorded with backoff."""
    tally = Tally()
    try:
        return await _read_and_store(
            db,
            fetcher,
            source,
            tally,
            now=now,
            interval=interval,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            fetch_full_text=fetch_full_text,
            pool=pool,
        )
    except SourceError as exc:
        reason = exc.reason
    except DatabaseUnwritable:
        raise  # not this source's failure, and recording it would fail the same way
    except Exception as exc:  # a crash reading or storing: recorded so the next poll waits
        logger.warning("polling source %s failed", source.url, exc_info=True)
        reason = f"cannot poll: {_short(exc)}"
    try:
        async with db() as session, session.begin():
            await sources.record_failure(
                session,
                source.id,
                now=now,
                error=reason,
                base=backoff_base,
                maximum=backoff_max,
            )
    except NotFound:
        reason = f"{reason} (source removed while polled)"
    except Exception:  # the database itself is failing: the report still says why
        logger.warning("recording the failure of source %s failed", source.url, exc_info=True)
    logger.warning("source %s failed: %s", source.url, reason)
    tally.failed += 1
    tally.errors.append(f"{source.url}: {reason}")
    return SourceReport(source, tally, error=reason)


async def _read_and_store(
    db: async_sessionmaker[AsyncSession],
    fetcher: Fetcher,
    source: SourceRecord,
    tally: Tally,
    *,
    now: datetime,
    interval: int,
    backoff_base: int,
    backoff_max: int,
    fetch_full_text: bool,
    pool: WorkerPool | None = None,
) -> SourceReport:
    read = await read_url(
        fetcher,
        source.url,
        source=source.name,
        fetch_full_text=fetch_full_text,
        etag=source.etag,
        last_modified=source.last_modified,
        pool=pool,
    )
    async with db() as session:
        current = await sources.get(session, source.id)
    if current is None or current.url != source.url:
        # removed (or given another address) while it was read: nothing to store it under
        change = "removed" if current is None else "changed"
        return SourceReport(source, tally, error=f"source {change} while polled; not stored")
    hints = SourceHints(name=source.name, country=source.country, lang=source.lang)
    _log_warnings(read.warnings)
    for error in read.errors:
        tally.add(Outcome(source.url, Status.FAILED, error=error))
    stored = await _store_in_batches(db, read.articles, hints=hints, source_id=source.id, pool=pool)
    for outcome in stored:
        tally.add(outcome)
    if tally.failed and not tally.new and not tally.duplicates:
        # a feed whose every entry fails is failing, and backs off like one that cannot
        # be fetched: its health says why
        reason = f"every entry failed ({tally.failed}), first: {tally.errors[0]}"
        async with db() as session, session.begin():
            await sources.record_failure(
                session, source.id, now=now, error=reason, base=backoff_base, maximum=backoff_max
            )
        return SourceReport(source, tally, error=reason)
    try:
        async with db() as session, session.begin():
            await sources.record_success(
                session,
                source.id,
                now=now,
                etag=read.etag,
                last_modified=read.last_modified,
                new_articles=tally.new,
                interval=interval,
            )
    except NotFound:
        return SourceReport(source, tally, error="source removed while polled")
    return SourceReport(source, tally, not_modified=read.not_modified)


def _understand(raw: RawArticle, hints: SourceHints) -> tuple[str, Article] | Outcome:
    """Return the item's name and its understanding, or the outcome of a failure.

    Every article passes :func:`admit` first, so nothing unstorable is understood, matched
    or stored.
    """
    try:
        raw = admit(raw)
    except SourceError as exc:
        return Outcome(exc.item, Status.FAILED, error=str(exc))
    item = item_name(raw)
    try:
        article = understand(raw, hints=hints)
    except Exception as exc:  # one bad article must not stop the rest
        logger.info("understanding failed for %s", item, exc_info=True)
        return Outcome(item, Status.FAILED, error=f"{item}: cannot understand: {_short(exc)}")
    published = plausible_date(article.published)  # a date read from the text, too
    if published != article.published:
        article = dataclasses.replace(article, published=published)
    return item, article


def _short(exc: BaseException) -> str:
    """Return an exception as one short line."""
    line = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {line}" if line else type(exc).__name__


def _aware(when: datetime | None) -> datetime | None:
    """Return the time as an aware datetime (naive ones are UTC), or None."""
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def _read_file(path: Path) -> Iterator[RawArticle | SourceError]:
    if not path.exists() and not path.is_symlink():
        yield SourceError(str(path), "no such file")
        return
    try:
        yield from read_path(path)
    except Exception as exc:  # a reader's own bug: the rest of this file is lost, no more
        logger.info("reading %s failed", path, exc_info=True)
        yield SourceError(str(path), f"cannot read: {_short(exc)}")


def _take(results: Iterator[RawArticle | SourceError], n: int) -> list[RawArticle | SourceError]:
    # Parsing runs off the event loop, a batch at a time, so a 10 GB .jsonl never sits in memory.
    return list(itertools.islice(results, n))


def _log_warnings(warnings: Iterable[str]) -> None:
    # An entry kept in a lesser form (a teaser) was stored: worth a line, not a failure.
    for warning in warnings:
        logger.warning("%s", warning)


def _is_url(item: str) -> bool:
    return item.startswith(("http://", "https://"))
