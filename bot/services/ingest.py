"""Ingest: raw articles → understanding → stories → SQL, one transaction per article."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digests.errors import SourceError
from digests.model import Article, RawArticle, SourceHints
from digests.sources.files import read_path
from digests.sources.http import Fetcher
from digests.sources.read import read_url
from digests.understand import best_story, understand
from storage import articles, sources
from storage.sources import SourceRecord

logger = logging.getLogger(__name__)

READ_BATCH = 64
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
    item = raw.url or raw.title[:80]
    try:
        article = understand(raw, hints=hints)
    except Exception as exc:  # one bad article must not stop the rest
        logger.exception("understanding failed for %s", item)
        return Outcome(item, Status.FAILED, error=f"{item}: cannot understand: {exc}")
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
    except IntegrityError:
        # Another writer stored the same article between our check and our insert.
        return Outcome(item, Status.DUPLICATE, article)
    except SQLAlchemyError as exc:
        logger.exception("storing failed for %s", item)
        return Outcome(item, Status.FAILED, article, error=f"{item}: database error: {exc}")
    return Outcome(item, Status.NEW, article, article_id=stored.id, story_id=stored.story_id)


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
) -> AsyncIterator[Outcome]:
    """Read each file or URL and store its articles, yielding one outcome per article."""
    for item in items:
        if _is_url(item):
            if fetcher is None:
                raise ValueError("ingesting URLs needs a Fetcher")
            try:
                read = await read_url(fetcher, item, fetch_full_text=fetch_full_text)
            except SourceError as exc:
                yield Outcome(item, Status.FAILED, error=str(exc))
                continue
            for error in read.errors:
                yield Outcome(item, Status.FAILED, error=error)
            for raw in read.articles:
                yield await store(db, raw, hints=hints)
            continue
        results = _read_file(Path(item))
        while batch := await asyncio.to_thread(_take, results, READ_BATCH):
            for result in batch:
                if isinstance(result, SourceError):
                    yield Outcome(result.item, Status.FAILED, error=str(result))
                else:
                    yield await store(db, result, hints=hints)


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
) -> list[SourceReport]:
    """Poll the sources that are due, concurrently; a failing one never holds the others up."""
    now = now or datetime.now(UTC)
    async with db() as session:
        targets = await (sources.due(session, now) if only_due else sources.list_all(session))
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
            )

    return list(await asyncio.gather(*(poll(s) for s in targets)))


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
) -> SourceReport:
    tally = Tally()
    try:
        read = await read_url(
            fetcher,
            source.url,
            source=source.name,
            fetch_full_text=fetch_full_text,
            etag=source.etag,
            last_modified=source.last_modified,
        )
    except SourceError as exc:
        async with db() as session, session.begin():
            await sources.record_failure(
                session,
                source.id,
                now=now,
                error=exc.reason,
                base=backoff_base,
                maximum=backoff_max,
            )
        logger.warning("source %s failed: %s", source.url, exc.reason)
        return SourceReport(source, tally, error=str(exc))
    hints = SourceHints(name=source.name, country=source.country, lang=source.lang)
    for error in read.errors:
        tally.add(Outcome(source.url, Status.FAILED, error=error))
    for raw in read.articles:
        tally.add(await store(db, raw, hints=hints, source_id=source.id))
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
    return SourceReport(source, tally, not_modified=read.not_modified)


def _read_file(path: Path) -> Iterator[RawArticle | SourceError]:
    if not path.exists():
        yield SourceError(str(path), "no such file")
        return
    yield from read_path(path)


def _take(results: Iterator[RawArticle | SourceError], n: int) -> list[RawArticle | SourceError]:
    # Parsing runs off the event loop, a batch at a time, so a 10 GB .jsonl never sits in memory.
    return list(itertools.islice(results, n))


def _is_url(item: str) -> bool:
    return item.startswith(("http://", "https://"))
