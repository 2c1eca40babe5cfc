"""Subscriptions: what each chat wants and when, and the subscriber it belongs to.

One subscription per chat (a unique index says so). Functions take the session first and
never commit; the caller owns the transaction. A cancelled subscription is kept (so that
"unsubscribe" has a one-tap undo) and is never planned; ``get`` still returns it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digests.digest import DigestFilter
from digests.schedule import CADENCES, Schedule, next_send, parse_time, parse_timezone
from storage import models

logger = logging.getLogger(__name__)

DEFAULT_LANG = "ru"


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    """A chat's subscription as the bot shows and plans it."""

    subscription_id: int
    subscriber_id: int
    chat_id: int
    chat_type: str
    title: str | None
    ui_lang: str
    active: bool
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    cadence: str
    weekday: int | None
    time_of_day: str
    timezone: str
    thread_id: int | None
    paused: bool
    cancelled: bool
    digest_size: int
    next_due_at: datetime | None
    last_period_end: datetime | None

    def schedule(self) -> Schedule:
        """Return when this subscription wants its digest."""
        return Schedule(
            cadence=self.cadence,
            time_of_day=self.time_of_day,
            weekday=self.weekday,
            timezone=self.timezone,
        )

    def filter(self) -> DigestFilter:
        """Return what this subscription wants in its digest."""
        return DigestFilter(
            countries=self.countries, topics=self.topics, include=self.include, exclude=self.exclude
        )


class _Unset:
    """The type of UNSET: a save() argument left as it is."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final[Any] = _Unset()


@dataclass(frozen=True, slots=True)
class Stats:
    """Counts for /stats."""

    subscribers: int  # subscriptions not cancelled
    active: int  # of those: the chat is reachable and the subscription is not paused
    paused: int
    sent_today: int  # deliveries sent since UTC midnight
    failed_today: int  # deliveries that failed since UTC midnight
    pending: int  # deliveries waiting to go out (pending or being sent)


def _view(subscriber: models.Subscriber, sub: models.Subscription) -> SubscriptionView:
    return SubscriptionView(
        subscription_id=sub.id,
        subscriber_id=subscriber.id,
        chat_id=subscriber.chat_id,
        chat_type=subscriber.chat_type,
        title=subscriber.title,
        ui_lang=subscriber.ui_lang,
        active=subscriber.active,
        countries=tuple(sub.countries or ()),
        topics=tuple(sub.topics or ()),
        include=tuple(sub.keywords_include or ()),
        exclude=tuple(sub.keywords_exclude or ()),
        cadence=sub.cadence,
        weekday=sub.weekday,
        time_of_day=sub.time_of_day,
        timezone=sub.timezone,
        thread_id=sub.thread_id,
        paused=sub.paused,
        cancelled=sub.cancelled_at is not None,
        digest_size=sub.digest_size,
        next_due_at=sub.next_due_at,
        last_period_end=sub.last_period_end,
    )


def _schedule_of(sub: models.Subscription) -> Schedule:
    return Schedule(
        cadence=sub.cadence, time_of_day=sub.time_of_day, weekday=sub.weekday, timezone=sub.timezone
    )


async def _load(
    session: AsyncSession, chat_id: int
) -> tuple[models.Subscriber, models.Subscription] | None:
    s, sub = models.Subscriber, models.Subscription
    row = (
        await session.execute(
            select(s, sub).join(sub, sub.subscriber_id == s.id).where(s.chat_id == chat_id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def get(session: AsyncSession, chat_id: int) -> SubscriptionView | None:
    """Return a chat's subscription (a cancelled one too), or None when it has none."""
    found = await _load(session, chat_id)
    return None if found is None else _view(*found)


async def save(
    session: AsyncSession,
    *,
    chat_id: int,
    chat_type: str,
    title: str | None,
    ui_lang: str | None,
    now: datetime,
    countries: Sequence[str] = UNSET,
    topics: Sequence[str] = UNSET,
    include: Sequence[str] = UNSET,
    exclude: Sequence[str] = UNSET,
    cadence: str = UNSET,
    weekday: int | None = UNSET,
    time_of_day: str = UNSET,
    timezone: str = UNSET,
    thread_id: int | None = UNSET,
    digest_size: int = UNSET,
) -> SubscriptionView:
    """Create or change a chat's subscription; arguments left UNSET keep their value.

    The subscriber is recorded or reactivated (its UI language kept when ``ui_lang`` is
    None). A new or cancelled subscription starts afresh (not paused, not cancelled); a new
    one, a revived one or one whose schedule changed is next due at its next send time.
    Raises ValueError for a cadence, time of day or timezone the schedule cannot use.
    """
    s = models.Subscriber
    subscriber = (await session.execute(select(s).where(s.chat_id == chat_id))).scalar()
    if subscriber is None:
        subscriber = s(
            chat_id=chat_id, chat_type=chat_type, title=title, ui_lang=ui_lang or DEFAULT_LANG
        )
        session.add(subscriber)
        await session.flush()
    else:
        subscriber.chat_type, subscriber.title = chat_type, title
        subscriber.active, subscriber.deactivated_reason = True, None
        if ui_lang is not None:
            subscriber.ui_lang = ui_lang
    sub = (
        await session.execute(
            select(models.Subscription).where(models.Subscription.subscriber_id == subscriber.id)
        )
    ).scalar()
    fresh = sub is None
    if sub is None:
        sub = models.Subscription(
            subscriber_id=subscriber.id,
            countries=[],
            topics=[],
            keywords_include=[],
            keywords_exclude=[],
            cadence="daily",
            time_of_day="09:00",
            timezone="UTC",
            digest_size=10,
            paused=False,
        )
        session.add(sub)
    revived = fresh or sub.cancelled_at is not None
    before = None if fresh else _schedule_of(sub)
    if countries is not UNSET:
        sub.countries = list(dict.fromkeys(c.lower() for c in countries))
    if topics is not UNSET:
        sub.topics = list(dict.fromkeys(topics))
    if include is not UNSET:
        sub.keywords_include = list(dict.fromkeys(include))
    if exclude is not UNSET:
        sub.keywords_exclude = list(dict.fromkeys(exclude))
    if cadence is not UNSET:
        if cadence not in CADENCES:
            raise ValueError(f"unknown cadence {cadence!r}; expected one of {CADENCES}")
        sub.cadence = cadence
    if weekday is not UNSET:
        if weekday is not None and not 0 <= weekday <= 6:
            raise ValueError(f"weekday {weekday} is not 0 (Monday) … 6 (Sunday)")
        sub.weekday = weekday
    if time_of_day is not UNSET:
        parsed = parse_time(time_of_day)
        if parsed is None:
            raise ValueError(f"time of day {time_of_day!r} is not HH:MM")
        sub.time_of_day = parsed
    if timezone is not UNSET:
        zone = parse_timezone(timezone)
        if zone is None:
            raise ValueError(f"unknown timezone {timezone!r}")
        sub.timezone = subscriber.timezone = zone
    if sub.cadence == "weekly" and sub.weekday is None:
        sub.weekday = 0  # what the schedule reads it as: say so in the row
    if thread_id is not UNSET:
        sub.thread_id = thread_id
    if digest_size is not UNSET:
        if digest_size < 1:
            raise ValueError(f"digest size {digest_size} is not a positive number")
        sub.digest_size = digest_size
    if revived:
        sub.cancelled_at, sub.paused = None, False
    if revived or _schedule_of(sub) != before:
        sub.next_due_at = next_send(_schedule_of(sub), now)
    await session.flush()
    return _view(subscriber, sub)


async def set_paused(
    session: AsyncSession, chat_id: int, paused: bool, *, now: datetime
) -> SubscriptionView | None:
    """Pause or resume a chat's subscription; None when it has none.

    Pausing skips the digests already planned and not yet sent; resuming is next due at
    the next send time (a paused period is not made up for). A cancelled subscription is
    left as it is: the reader is told there is none, and an Undo must not bring it back
    paused.
    """
    found = await _load(session, chat_id)
    if found is None:
        return None
    subscriber, sub = found
    if sub.cancelled_at is not None:
        return _view(subscriber, sub)
    if paused and not sub.paused:
        await _skip_pending(session, sub.id, "paused")
    elif not paused and sub.paused:
        sub.next_due_at = next_send(_schedule_of(sub), now)
    sub.paused = paused
    await session.flush()
    return _view(subscriber, sub)


async def cancel(session: AsyncSession, chat_id: int, *, now: datetime) -> SubscriptionView | None:
    """Unsubscribe a chat (kept for an undo; never planned); None when it has none."""
    found = await _load(session, chat_id)
    if found is None:
        return None
    subscriber, sub = found
    if sub.cancelled_at is None:
        sub.cancelled_at = now
        await _skip_pending(session, sub.id, "cancelled")
        await session.flush()
    return _view(subscriber, sub)


async def restore(session: AsyncSession, chat_id: int, *, now: datetime) -> SubscriptionView | None:
    """Undo a cancel: the subscription is planned again from its next send time."""
    found = await _load(session, chat_id)
    if found is None:
        return None
    subscriber, sub = found
    if sub.cancelled_at is not None:
        sub.cancelled_at = None
        # Not due at once for the periods that passed while it was cancelled.
        if sub.next_due_at is None or sub.next_due_at <= now:
            sub.next_due_at = next_send(_schedule_of(sub), now)
        await session.flush()
    return _view(subscriber, sub)


async def _skip_pending(session: AsyncSession, subscription_id: int, reason: str) -> int:
    """Mark a subscription's planned, unsent deliveries skipped; return how many."""
    d = models.Delivery
    result = await session.execute(
        update(d)
        .where(d.subscription_id == subscription_id, d.status == "pending")
        .values(status="skipped", error=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def deactivate(session: AsyncSession, chat_id: int, reason: str) -> int:
    """Mark a chat unreachable (blocked, deleted) and fail its unsent deliveries; count them.

    Rows still 'sending' fail too: claims skip inactive chats, so a row a crashed sender
    left behind would otherwise wait forever.
    """
    s, sub, d = models.Subscriber, models.Subscription, models.Delivery
    subscriber_id = (await session.execute(select(s.id).where(s.chat_id == chat_id))).scalar()
    if subscriber_id is None:
        return 0
    await session.execute(
        update(s).where(s.id == subscriber_id).values(active=False, deactivated_reason=reason)
    )
    ids = select(sub.id).where(sub.subscriber_id == subscriber_id).scalar_subquery()
    result = await session.execute(
        update(d)
        .where(d.subscription_id.in_(ids), d.status.in_(("pending", "sending")))
        .values(status="failed", error=reason, next_attempt_at=None)
    )
    failed = int(getattr(result, "rowcount", 0) or 0)
    logger.info("chat %s deactivated (%s): %d pending deliveries failed", chat_id, reason, failed)
    return failed


async def migrate_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> bool:
    """Move a chat to its new id (a group that became a supergroup); False if unknown.

    When the new id is already a subscriber of its own (someone subscribed the supergroup
    too), the old chat is left as it is and False is returned.
    """
    s = models.Subscriber
    taken = (await session.execute(select(s.id).where(s.chat_id == new_chat_id))).scalar()
    if taken is not None:
        return False
    result = await session.execute(
        update(s)
        .where(s.chat_id == old_chat_id)
        .values(chat_id=new_chat_id, chat_type="supergroup")
    )
    moved = bool(getattr(result, "rowcount", 0))
    if moved:
        logger.info("chat %s became supergroup %s", old_chat_id, new_chat_id)
    return moved


async def channels(session: AsyncSession) -> list[SubscriptionView]:
    """Return the subscriptions of channels (cancelled ones too), by chat id."""
    s, sub = models.Subscriber, models.Subscription
    rows = (
        await session.execute(
            select(s, sub)
            .join(sub, sub.subscriber_id == s.id)
            .where(s.chat_type == "channel")
            .order_by(s.chat_id)
        )
    ).all()
    return [_view(row[0], row[1]) for row in rows]


async def stats(session: AsyncSession, *, now: datetime) -> Stats:
    """Count subscriptions and today's deliveries ("today" is the UTC day of ``now``)."""
    s, sub, d = models.Subscriber, models.Subscription, models.Delivery
    live = sub.cancelled_at.is_(None)
    counted = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(
                    func.sum(case((and_(s.active, sub.paused.is_(False)), 1), else_=0)), 0
                ),
                func.coalesce(func.sum(case((sub.paused, 1), else_=0)), 0),
            )
            .select_from(sub)
            .join(s, s.id == sub.subscriber_id)
            .where(live)
        )
    ).one()
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = midnight + timedelta(days=1)
    # A failure's time is its last attempt's (a delivery failed before any attempt, by a
    # chat going away, counts from when it was planned).
    failed_at = func.coalesce(d.claimed_at, d.created_at)
    deliveries = (
        await session.execute(
            select(
                func.coalesce(
                    func.sum(
                        case(
                            (
                                and_(
                                    d.status == "sent", d.sent_at >= midnight, d.sent_at < tomorrow
                                ),
                                1,
                            ),
                            else_=0,
                        )
                    ),
                    0,
                ),
                func.coalesce(
                    func.sum(
                        case(
                            (
                                and_(
                                    d.status == "failed",
                                    failed_at >= midnight,
                                    failed_at < tomorrow,
                                ),
                                1,
                            ),
                            else_=0,
                        )
                    ),
                    0,
                ),
                func.coalesce(
                    func.sum(case((d.status.in_(("pending", "sending")), 1), else_=0)), 0
                ),
            )
        )
    ).one()
    return Stats(
        subscribers=int(counted[0]),
        active=int(counted[1]),
        paused=int(counted[2]),
        sent_today=int(deliveries[0]),
        failed_today=int(deliveries[1]),
        pending=int(deliveries[2]),
    )
