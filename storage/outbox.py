"""The outbox: what is due, the period's stories, composed digests and their deliveries.

One Delivery row per (subscription, period), unique, written by the planner before anything
is sent; senders claim rows, send, and record Telegram's message ids. With PostgreSQL,
several instances share the outbox: claims skip rows another transaction holds
(``FOR UPDATE SKIP LOCKED``) and one instance plans at a time (an advisory lock). On
SQLite one process writes at a time, so a claim, being one UPDATE, is atomic by itself.

Functions take the session first and never commit; the caller owns the transaction (a
sender commits its claim before it sends).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from digests.digest import Candidate, DigestFilter, UpcomingEvent
from digests.schedule import Schedule
from storage import models
from storage import shown as _shown
from storage.lookups import reach, reader_first

logger = logging.getLogger(__name__)

_deliveries = cast(Table, models.Delivery.__table__)
_digests = cast(Table, models.Digest.__table__)

# An article published this long before a window opens is old news stored late (a feed's
# backlog, a re-import): it does not make its story news of the window.
BACKFILL_GRACE = timedelta(days=2)
PLAN_CHUNK = 1_000  # rows per INSERT: 7 parameters each, far below either database's limit
IDS_CHUNK = 5_000  # ids per IN (…): SQLite allows 32,766 parameters per statement
# Any constant works; it only has to be the same for every instance sharing a database.
PG_PLANNER_LOCK_ID = 0x44494745  # "DIGE"
STATUSES = ("pending", "sending", "sent", "failed", "skipped", "expired")
EXPIRED_REASON = "expired: the subscription got a later period's digest while this one waited"


@dataclass(frozen=True, slots=True)
class Due:
    """A subscription due for its next digest, with what planning needs."""

    subscription_id: int
    chat_id: int
    ui_lang: str
    schedule: Schedule
    filter: DigestFilter
    last_period_end: datetime | None
    digest_size: int
    chat_type: str = "private"  # a channel's digest is rendered without the chat's buttons


@dataclass(frozen=True, slots=True)
class Planned:
    """One delivery to plan: a subscription's period and the digest it gets (None: nothing)."""

    subscription_id: int
    period_key: str
    digest_id: int | None
    status: str  # "pending" | "skipped"


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery claimed for sending: where it goes, what it says, what is already sent."""

    delivery_id: int
    subscription_id: int
    chat_id: int
    chat_type: str
    thread_id: int | None
    texts: tuple[str, ...]
    message_ids: tuple[int, ...]
    attempts: int


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


# ---- planning --------------------------------------------------------------------------------


async def due(session: AsyncSession, *, now: datetime, limit: int | None = None) -> list[Due]:
    """Return the subscriptions due by ``now`` (active, not paused or cancelled), oldest first."""
    s, sub = models.Subscriber, models.Subscription
    # Columns, not entities: 100,000 due subscriptions must not fill the identity map.
    stmt = (
        select(
            sub.id,
            s.chat_id,
            s.chat_type,
            s.ui_lang,
            sub.cadence,
            sub.time_of_day,
            sub.weekday,
            sub.timezone,
            sub.countries,
            sub.topics,
            sub.keywords_include,
            sub.keywords_exclude,
            sub.last_period_end,
            sub.digest_size,
        )
        .join(s, s.id == sub.subscriber_id)
        .where(
            s.active.is_(True),
            sub.paused.is_(False),
            sub.cancelled_at.is_(None),
            sub.next_due_at.is_not(None),
            sub.next_due_at <= now,
        )
        .order_by(sub.next_due_at, sub.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    # Subscriptions share a few schedules and filters: build each once.
    schedules: dict[tuple[Any, ...], Schedule] = {}
    filters: dict[tuple[Any, ...], DigestFilter] = {}
    found: list[Due] = []
    for row in (await session.execute(stmt)).all():
        when = (row.cadence, row.time_of_day, row.weekday, row.timezone)
        schedule = schedules.get(when)
        if schedule is None:
            schedule = schedules[when] = Schedule(*when)
        what = tuple(
            tuple(v or ())
            for v in (row.countries, row.topics, row.keywords_include, row.keywords_exclude)
        )
        flt = filters.get(what)
        if flt is None:
            flt = filters[what] = DigestFilter(*what)
        found.append(
            Due(
                subscription_id=row.id,
                chat_id=row.chat_id,
                ui_lang=row.ui_lang,
                schedule=schedule,
                filter=flt,
                last_period_end=row.last_period_end,
                digest_size=row.digest_size,
                chat_type=row.chat_type,
            )
        )
    return found


def _tagged(article: Any, kind: str, values: Sequence[str]) -> Any:
    t = models.ArticleTag
    return exists().where(t.article_id == article.id, t.kind == kind, t.value.in_(values))


def _counts(article: Any, flt: DigestFilter, since: datetime) -> Any:
    """Return the condition for an article to count for a filter (not backfill, tagged)."""
    conditions = [
        or_(article.published.is_(None), article.published >= since - BACKFILL_GRACE),
        _shown.article(article),
    ]
    if flt.countries:
        conditions.append(_tagged(article, "country", [c.lower() for c in flt.countries]))
    if flt.topics:
        conditions.append(_tagged(article, "topic", list(flt.topics)))
    return and_(*conditions)


async def candidates(
    session: AsyncSession,
    flt: DigestFilter,
    *,
    since: datetime,
    until: datetime,
    reader_lang: str,
    limit: int = 300,
    with_text: bool = False,
) -> list[Candidate]:
    """Return the stories that are news of ``[since, until)`` for a filter, as one reader sees them.

    A story is news of the window when the first of its articles that counts was stored
    in it: an article counts when it has the filter's countries (any) and topics (any) and
    is not backfill (published more than two days before the window). So a story is news
    of one window only, and a story the filter did not want before (an article about
    another country) becomes news when an article it wants joins. Keywords are left to
    ``compose``. Two queries whatever the number of stories.
    """
    a = models.Article
    b = models.Article.__table__.alias("earlier")
    story_ids = (
        select(a.story_id)
        .where(a.ingested_at >= since, a.ingested_at < until, _counts(a, flt, since))
        .where(
            ~exists().where(
                b.c.story_id == a.story_id,
                b.c.ingested_at < since,
                _counts(b.c, flt, since),
            )
        )
        .group_by(a.story_id)
        # the widest stories first, should the window hold more than ``limit``
        .order_by(func.count().desc(), func.max(a.ingested_at).desc(), a.story_id.desc())
        .limit(limit)
    )
    ids = list((await session.execute(story_ids)).scalars())
    if not ids:
        return []
    return await _candidates(session, ids, reader_lang=reader_lang, with_text=with_text)


async def _candidates(
    session: AsyncSession, story_ids: Sequence[int], *, reader_lang: str, with_text: bool
) -> list[Candidate]:
    """Build the stories' candidates from all their articles (one query)."""
    a, t, src = models.Article, models.ArticleTag, models.Source
    # An article's tags ride along as one joined string ("country:kz,topic:ai"); neither
    # codes nor topic keys hold a comma or a colon.
    join = func.string_agg if _dialect(session) == "postgresql" else func.group_concat
    tags = (
        select(join(t.kind + literal(":") + t.value, literal(",")))
        .where(t.article_id == a.id)
        .scalar_subquery()
    )
    columns: list[Any] = [
        a.id,
        a.story_id,
        a.title,
        a.url,
        a.canonical_url,
        a.summary,
        a.lang,
        a.source_name,
        a.published,
        a.ingested_at,
        func.coalesce(src.weight, 1.0).label("weight"),
        tags.label("tags"),
    ]
    if with_text:
        columns.append(a.text)
    rows = (
        await session.execute(
            select(*columns)
            .outerjoin(src, src.id == a.source_id)
            .where(a.story_id.in_(story_ids), _shown.article(a))
            .order_by(a.published.desc().nulls_last(), a.id.desc())
        )
    ).all()
    by_story: dict[int, list[Any]] = {}
    for row in rows:
        by_story.setdefault(row.story_id, []).append(row)
    return [
        _candidate(story_id, by_story[story_id], reader_lang, with_text)
        for story_id in story_ids
        if story_id in by_story
    ]


def _candidate(story_id: int, members: list[Any], reader_lang: str, with_text: bool) -> Candidate:
    """Pick the reader's version (newest in their language, else the newest) and sum up."""
    ordered = reader_first(members, reader_lang)
    chosen = ordered[0]
    sources, langs = reach(ordered)
    countries: dict[str, None] = {}
    topics: dict[str, None] = {}
    for m in ordered:
        pairs = sorted(tag.split(":", 1) for tag in (m.tags or "").split(",") if ":" in tag)
        for kind, value in pairs:
            (countries if kind == "country" else topics)[value] = None
    return Candidate(
        story_id=story_id,
        article_id=chosen.id,
        title=chosen.title,
        url=chosen.url or chosen.canonical_url,
        summary=chosen.summary or "",
        lang=chosen.lang,
        countries=tuple(countries),
        topics=tuple(topics),
        sources=sources,
        langs=langs,
        published=chosen.published,
        first_seen=min(m.ingested_at for m in members),
        weight=max(float(m.weight) for m in members),
        text=chosen.text if with_text else "",
    )


async def upcoming_events(
    session: AsyncSession, *, today: date, days: int = 7, limit: int = 5
) -> list[UpcomingEvent]:
    """Return events under way or starting within ``days`` of ``today``, soonest first."""
    e = models.Event
    rows = (
        await session.execute(
            select(e)
            .where(
                e.start.is_not(None),
                e.start <= today + timedelta(days=days),
                func.coalesce(e.end, e.start) >= today,
                _shown.event(e),
            )
            .order_by(e.start, e.id)
            .limit(limit)
        )
    ).scalars()
    return [
        UpcomingEvent(name=ev.name, start=ev.start, end=ev.end, place=ev.place, country=ev.country)
        for ev in rows
    ]


def _insert(session: AsyncSession, table: Table) -> Any:
    """Return the dialect's INSERT, which knows ON CONFLICT."""
    if _dialect(session) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def save_digest(
    session: AsyncSession,
    *,
    key: str,
    lang: str,
    since: datetime,
    until: datetime,
    story_ids: Sequence[int],
    texts: Sequence[str],
) -> int:
    """Store a composed digest under its key; return its id (the stored one if the key exists)."""
    stmt = (
        _insert(session, _digests)
        .values(
            key=key,
            lang=lang,
            period_start=since,
            period_end=until,
            story_ids=list(story_ids),
            texts=list(texts),
            story_count=len(story_ids),
            created_at=models.utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[_digests.c.key])
        .returning(_digests.c.id)
    )
    inserted = (await session.execute(stmt)).scalar()
    if inserted is not None:
        return int(inserted)
    d = models.Digest
    return int((await session.execute(select(d.id).where(d.key == key))).scalar_one())


async def plan(session: AsyncSession, rows: Sequence[Planned], *, now: datetime) -> int:
    """Write deliveries, each (subscription, period) once; return how many were new.

    One multi-row INSERT … ON CONFLICT DO NOTHING per thousand rows: planning a period
    twice, or two planners at once, leaves one row per (subscription, period).
    """
    if not rows:
        return 0
    values: list[dict[str, Any]] = [
        {
            "subscription_id": row.subscription_id,
            "period_key": row.period_key,
            "digest_id": row.digest_id,
            "status": row.status,
            "attempts": 0,
            "message_ids": [],
            "created_at": now,
        }
        for row in rows
    ]
    stmt = (
        _insert(session, _deliveries)
        .on_conflict_do_nothing(
            index_elements=[_deliveries.c.subscription_id, _deliveries.c.period_key]
        )
        .returning(_deliveries.c.id)
    )
    # Executed with many rows, SQLAlchemy sends it as multi-row VALUES of PLAN_CHUNK rows
    # each ("insertmanyvalues"), compiled once: per chunk one statement and one round trip.
    result = await session.execute(
        stmt, values, execution_options={"insertmanyvalues_page_size": PLAN_CHUNK}
    )
    return len(result.all())


async def advance(
    session: AsyncSession,
    subscription_ids: Sequence[int],
    *,
    period_end: datetime,
    next_due_at: datetime,
) -> None:
    """Move subscriptions past a planned period: its end, and when the next one is due."""
    sub = models.Subscription
    for chunk in _chunks(list(subscription_ids), IDS_CHUNK):
        await session.execute(
            update(sub)
            .where(sub.id.in_(chunk))
            .values(last_period_end=period_end, next_due_at=next_due_at)
        )


async def planner_lock(session: AsyncSession) -> bool:
    """Take the planner's lock for the caller's transaction; False when another holds it."""
    if _dialect(session) != "postgresql":
        return True  # SQLite: one machine, and its writers are serialized anyway
    held = await session.execute(select(func.pg_try_advisory_xact_lock(PG_PLANNER_LOCK_ID)))
    return bool(held.scalar())


# ---- sending ---------------------------------------------------------------------------------


async def claim(
    session: AsyncSession, *, worker: str, now: datetime, limit: int, lease: float
) -> list[Claimed]:
    """Claim up to ``limit`` deliveries to send; the caller commits, then sends.

    First deliveries left 'sending' longer than ``lease`` seconds (their sender died),
    then pending ones whose retry time (if any) has come, oldest first. Only deliveries to
    reachable chats whose subscription is neither paused nor cancelled. Three statements:
    an UPDATE … RETURNING for each kind, one SELECT for where and what to send.
    """
    if limit <= 0:
        return []
    d = models.Delivery
    stale = await _claim_some(
        session,
        and_(d.status == "sending", d.claimed_at < now - timedelta(seconds=lease)),
        d.claimed_at,
        worker=worker,
        now=now,
        limit=limit,
    )
    # Ordered by the index's own order (status, next_attempt_at), so that the database
    # reads only the rows it claims: retries due first, then new rows as they were planned.
    # Ordering by id instead would step over every row already claimed on each claim.
    pending = await _claim_some(
        session,
        and_(
            d.status == "pending",
            or_(d.next_attempt_at.is_(None), d.next_attempt_at <= now),
        ),
        d.next_attempt_at,
        worker=worker,
        now=now,
        limit=limit - len(stale),
    )
    claimed = [*stale, *pending]
    if not claimed:
        return []
    sub, s = models.Subscription, models.Subscriber
    where = (
        await session.execute(
            select(d.id, s.chat_id, s.chat_type, sub.thread_id, models.Digest.texts)
            .join(sub, sub.id == d.subscription_id)
            .join(s, s.id == sub.subscriber_id)
            .outerjoin(models.Digest, models.Digest.id == d.digest_id)
            .where(d.id.in_([row.id for row in claimed]))
        )
    ).all()
    by_id = {row.id: row for row in where}
    return [
        Claimed(
            delivery_id=row.id,
            subscription_id=row.subscription_id,
            chat_id=by_id[row.id].chat_id,
            chat_type=by_id[row.id].chat_type,
            thread_id=by_id[row.id].thread_id,
            texts=tuple(by_id[row.id].texts or ()),
            message_ids=tuple(row.message_ids or ()),
            attempts=row.attempts,
        )
        for row in claimed
    ]


async def _claim_some(
    session: AsyncSession,
    condition: Any,
    order: Any,
    *,
    worker: str,
    now: datetime,
    limit: int,
) -> list[Any]:
    """Mark up to ``limit`` deliveries meeting ``condition`` as being sent; return them."""
    if limit <= 0:
        return []
    d, sub, s = models.Delivery, models.Subscription, models.Subscriber
    claimable = (
        select(d.id)
        .join(sub, sub.id == d.subscription_id)
        .join(s, s.id == sub.subscriber_id)
        .where(
            condition,
            s.active.is_(True),
            sub.paused.is_(False),
            sub.cancelled_at.is_(None),
        )
        .order_by(order)
        .limit(limit)
    )
    if _dialect(session) == "postgresql":
        # Rows another sender holds are skipped, not waited for. The CTE is evaluated once
        # (MATERIALIZED): a subquery the planner re-ran per row could claim more than limit.
        claimable = claimable.with_for_update(of=d, skip_locked=True)
        chosen = claimable.cte("claimable").prefix_with("MATERIALIZED")
    else:
        # SQLite: the UPDATE takes the write lock, so a concurrent claimer waits for this
        # transaction and then sees these rows claimed.
        chosen = claimable.cte("claimable")
    rows = (
        await session.execute(
            update(d)
            .where(d.id.in_(select(chosen.c.id)))
            .values(status="sending", claimed_by=worker, claimed_at=now, attempts=d.attempts + 1)
            .returning(d.id, d.subscription_id, d.message_ids, d.attempts)
            .execution_options(synchronize_session=False)
        )
    ).all()
    return sorted(rows, key=lambda r: r.id)  # RETURNING comes in no particular order


async def record_part(session: AsyncSession, delivery_id: int, message_ids: Sequence[int]) -> None:
    """Record the messages of a delivery sent so far, so a retry sends only the rest."""
    d = models.Delivery
    await session.execute(
        update(d).where(d.id == delivery_id).values(message_ids=list(message_ids))
    )


async def mark_sent(
    session: AsyncSession, delivery_id: int, *, message_ids: Sequence[int], now: datetime
) -> None:
    """Record a delivery as sent, with Telegram's message ids."""
    await mark_sent_many(session, [(delivery_id, message_ids)], now=now)


async def mark_sent_many(
    session: AsyncSession, sent: Sequence[tuple[int, Sequence[int]]], *, now: datetime
) -> None:
    """Record many deliveries as sent in one statement: (delivery id, message ids) each."""
    if not sent:
        return
    table = _deliveries
    stmt = (
        update(table)
        .where(table.c.id == bindparam("delivery_id"))
        .values(
            status="sent",
            message_ids=bindparam("sent_ids"),
            sent_at=now,
            error=None,
            next_attempt_at=None,
        )
    )
    await session.execute(stmt, [{"delivery_id": i, "sent_ids": list(ids)} for i, ids in sent])


async def mark_retry(
    session: AsyncSession, delivery_id: int, *, error: str, next_attempt_at: datetime
) -> None:
    """Put a delivery back to pending, to be claimed again from ``next_attempt_at``."""
    d = models.Delivery
    await session.execute(
        update(d)
        .where(d.id == delivery_id)
        .values(status="pending", error=error, next_attempt_at=next_attempt_at)
    )


async def mark_retry_many(
    session: AsyncSession, retries: Sequence[tuple[int, str, datetime]]
) -> None:
    """Put many deliveries back to pending in one statement: (id, error, next attempt) each."""
    if not retries:
        return
    table = _deliveries
    stmt = (
        update(table)
        .where(table.c.id == bindparam("delivery_id"))
        .values(status="pending", error=bindparam("why"), next_attempt_at=bindparam("at"))
    )
    await session.execute(
        stmt, [{"delivery_id": i, "why": error, "at": at} for i, error, at in retries]
    )


async def release(session: AsyncSession, delivery_id: int, *, error: str) -> None:
    """Put a delivery back to pending without counting the try (the Bot API was away)."""
    d = models.Delivery
    await session.execute(
        update(d)
        .where(d.id == delivery_id)
        .values(
            status="pending", error=error, attempts=case((d.attempts > 0, d.attempts - 1), else_=0)
        )
        .execution_options(synchronize_session=False)
    )


async def release_many(session: AsyncSession, releases: Sequence[tuple[int, str]]) -> None:
    """``release`` for many deliveries in one statement: (id, why) each."""
    if not releases:
        return
    table = _deliveries
    stmt = (
        update(table)
        .where(table.c.id == bindparam("delivery_id"))
        .values(
            status="pending",
            error=bindparam("why"),
            attempts=case((table.c.attempts > 0, table.c.attempts - 1), else_=0),
        )
    )
    await session.execute(stmt, [{"delivery_id": i, "why": why} for i, why in releases])


async def expire_superseded(session: AsyncSession, *, now: datetime) -> int:
    """Mark expired the pending digests whose subscription has a later one; return how many.

    A digest is current until the next period's is planned: sending yesterday's news after
    today's (an outage, a long downtime) would be worse than not sending it.
    """
    d = models.Delivery
    later = models.Delivery.__table__.alias("later")
    newer = (
        select(literal(1))
        .select_from(later)
        .where(
            later.c.subscription_id == d.subscription_id,
            later.c.kind == "digest",
            later.c.id > d.id,
        )
    )
    result = await session.execute(
        update(d)
        .where(d.status == "pending", d.kind == "digest", exists(newer))
        .values(status="expired", error=EXPIRED_REASON, claimed_at=now, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def mark_failed(
    session: AsyncSession, delivery_id: int, *, error: str, now: datetime
) -> None:
    """Give a delivery up, saying why."""
    d = models.Delivery
    # claimed_at becomes the time of the last attempt's end: /stats counts today's failures by it
    await session.execute(
        update(d)
        .where(d.id == delivery_id)
        .values(status="failed", error=error, claimed_at=now, next_attempt_at=None)
    )


async def counts(session: AsyncSession) -> dict[str, int]:
    """Return how many deliveries are in each status (every status, zeros too)."""
    d = models.Delivery
    found = dict.fromkeys(STATUSES, 0)
    for status, n in (
        await session.execute(select(d.status, func.count()).group_by(d.status))
    ).all():
        found[status] = int(n)
    return found
