"""Source repository: the feeds and sites we read, their fetch state and backoff.

Functions take the session first and never commit; the caller owns the transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from digests.model import SourceKind
from digests.urls import check_url
from storage import models
from storage.articles import is_unique_violation
from storage.errors import AlreadyExists, NotFound

logger = logging.getLogger(__name__)

_sources = cast(Table, models.Source.__table__)
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """A stored source with its fetch state."""

    id: int
    kind: str
    url: str
    name: str | None
    country: str | None
    lang: str | None
    active: bool
    etag: str | None
    last_modified: str | None
    last_fetched_at: datetime | None
    last_ok_at: datetime | None
    failures: int
    next_attempt_at: datetime | None
    last_error: str | None
    articles_total: int
    created_at: datetime
    weight: float = 1.0

    @property
    def health(self) -> str:
        """Say in a few words how the source is doing: ok, failing (N×: error), new, paused."""
        if not self.active:
            return "paused"
        if self.failures > 0:
            return f"failing ({self.failures}×: {self.last_error or 'unknown error'})"
        if self.last_ok_at is None:
            return "new"
        return "ok"


_COLUMNS = tuple(_sources.c[f.name] for f in fields(SourceRecord))


def _record(row: Any) -> SourceRecord:
    """Build a SourceRecord from a row of ``_COLUMNS``."""
    return SourceRecord(**row._mapping)


def one_line(error: str) -> str:
    """Collapse an error message to one line of bounded length."""
    line = " ".join(error.split()) or "unknown error"
    return line if len(line) <= MAX_ERROR_LENGTH else line[: MAX_ERROR_LENGTH - 1] + "…"


async def add(
    session: AsyncSession,
    *,
    kind: str,
    url: str,
    name: str | None = None,
    country: str | None = None,
    lang: str | None = None,
    weight: float = 1.0,
) -> SourceRecord:
    """Store a new source; raise AlreadyExists if its URL is known.

    ``weight`` is how much a digest trusts the source when ranking stories (1.0 ordinary).
    A URL that cannot be fetched raises InvalidURL (a ValueError) saying why.
    """
    kind = SourceKind(kind).value
    url = check_url(url)
    if await get_by_url(session, url) is not None:
        raise AlreadyExists(f"source {url}: already added")
    stmt = (
        insert(_sources)
        .values(
            kind=kind,
            url=url,
            name=name,
            country=country,
            lang=lang,
            weight=weight,
            active=True,
            failures=0,
            articles_total=0,
            created_at=models.utcnow(),
        )
        .returning(*_COLUMNS)
    )
    try:
        async with session.begin_nested():
            row = (await session.execute(stmt)).one()
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise AlreadyExists(f"source {url}: already added") from exc
        raise
    return _record(row)


async def list_all(session: AsyncSession) -> list[SourceRecord]:
    """Return every source, oldest first."""
    rows = await session.execute(select(*_COLUMNS).order_by(_sources.c.id))
    return [_record(r) for r in rows]


async def get(session: AsyncSession, source_id: int) -> SourceRecord | None:
    """Return the source with this id, or None."""
    row = (await session.execute(select(*_COLUMNS).where(_sources.c.id == source_id))).first()
    return _record(row) if row is not None else None


async def get_by_url(session: AsyncSession, url: str) -> SourceRecord | None:
    """Return the source with this URL, or None."""
    row = (await session.execute(select(*_COLUMNS).where(_sources.c.url == url))).first()
    return _record(row) if row is not None else None


async def remove(session: AsyncSession, ref: str | int) -> bool:
    """Delete a source by id or URL; return whether one was deleted.

    Its articles stay, with ``source_id`` set to NULL.
    """
    if isinstance(ref, int) or ref.strip().isdigit():
        condition = _sources.c.id == int(ref)
        if isinstance(ref, str):  # a URL can't be all digits, but be exact anyway
            condition = or_(condition, _sources.c.url == ref)
    else:
        condition = _sources.c.url == ref
    result = await session.execute(delete(_sources).where(condition).returning(_sources.c.id))
    return bool(result.all())


async def due(session: AsyncSession, now: datetime) -> list[SourceRecord]:
    """Return the active sources whose next attempt is due at ``now``."""
    s = _sources.c
    stmt = (
        select(*_COLUMNS)
        .where(s.active.is_(True), or_(s.next_attempt_at.is_(None), s.next_attempt_at <= now))
        .order_by(s.next_attempt_at.is_not(None), s.next_attempt_at, s.id)
    )
    return [_record(r) for r in await session.execute(stmt)]


async def claim_due(
    session: AsyncSession, now: datetime, *, owner: str, lease: float, limit: int | None = None
) -> list[SourceRecord]:
    """Claim the due sources no live instance holds, for ``lease`` seconds; return them.

    Several instances poll one database: each due source goes to one of them. A claim lapses
    after ``lease`` seconds (its instance died), and a finished poll releases it. Rows another
    instance is claiming at this instant are skipped on PostgreSQL, not waited for; on SQLite
    the UPDATE takes the one write lock, so a concurrent claimer sees these rows claimed.
    """
    s = _sources.c
    claimable = (
        select(s.id)
        .where(
            s.active.is_(True),
            or_(s.next_attempt_at.is_(None), s.next_attempt_at <= now),
            or_(s.claimed_until.is_(None), s.claimed_until <= now),
        )
        .order_by(s.next_attempt_at.is_not(None), s.next_attempt_at, s.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # MATERIALIZED: the CTE is evaluated once, so the claim is exactly what it locked.
        claimable = claimable.with_for_update(skip_locked=True)
        chosen = claimable.cte("claimable").prefix_with("MATERIALIZED")
    else:
        chosen = claimable.cte("claimable")
    rows = await session.execute(
        update(_sources)
        .where(s.id.in_(select(chosen.c.id)))
        .values(claimed_by=owner, claimed_until=now + timedelta(seconds=lease))
        .returning(*_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    claimed = [_record(r) for r in rows]
    claimed.sort(key=lambda r: (r.next_attempt_at is not None, r.next_attempt_at or now, r.id))
    return claimed


async def record_success(
    session: AsyncSession,
    source_id: int,
    *,
    now: datetime,
    etag: str | None,
    last_modified: str | None,
    new_articles: int,
    interval: int,
) -> None:
    """Record a successful fetch: clear failures and schedule the next poll."""
    s = _sources.c
    result = await session.execute(
        update(_sources)
        .where(s.id == source_id)
        .values(
            etag=etag,
            last_modified=last_modified,
            last_fetched_at=now,
            last_ok_at=now,
            failures=0,
            last_error=None,
            next_attempt_at=now + timedelta(seconds=interval),
            articles_total=s.articles_total + new_articles,
            claimed_by=None,  # the poll is over: release the claim
            claimed_until=None,
        )
        .returning(s.id)
    )
    if result.scalar_one_or_none() is None:
        raise NotFound(f"source {source_id}: not stored")


async def record_failure(
    session: AsyncSession, source_id: int, *, now: datetime, error: str, base: int, maximum: int
) -> None:
    """Record a failed fetch and back off exponentially: base, 2×base, 4×base … maximum."""
    s = _sources.c
    failures = (
        await session.execute(select(s.failures).where(s.id == source_id).with_for_update())
    ).scalar_one_or_none()
    if failures is None:
        raise NotFound(f"source {source_id}: not stored")
    failures += 1
    delay = min(maximum, base * 2 ** min(failures - 1, 32))
    await session.execute(
        update(_sources)
        .where(s.id == source_id)
        .values(
            failures=failures,
            last_error=one_line(error),
            last_fetched_at=now,
            next_attempt_at=now + timedelta(seconds=delay),
            claimed_by=None,  # the poll is over: release the claim
            claimed_until=None,
        )
    )
    logger.debug("source %s failed %d× in a row; next attempt in %ds", source_id, failures, delay)
