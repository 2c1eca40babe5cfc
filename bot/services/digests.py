"""Digests as a service: plan what is due into the outbox, compose each digest once, preview.

Planning is the one place a digest is composed for delivery. Every subscription due by
now gets the period it is due for (its key, ``d:2026-11-28``, makes the Delivery unique)
and a window of news: from the end of its previous window, at most one period back (a new
or re-enabled subscriber is never flooded with backlog), to the planning time less a
short grace (an article still being stored as a period closes falls into the next window
instead of being missed); each window starts where the last one ended, so none is lost.
Subscriptions that share filters, reader language and window share one composition, and
those that also share how it is rendered (timezone of the header's date, cadence, channel
or chat) share one stored Digest: the cost of composing grows with the number of distinct
filters, never with the number of subscribers.

The whole planning pass is one transaction, under PostgreSQL's advisory lock when several
instances run, so a pass that runs twice, late or concurrently plans each period once.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import render_digest
from bot.config import DigestsConfig
from digests.digest import Digest, DigestFilter, UpcomingEvent, compose
from digests.schedule import Schedule, latest_period, next_send, period_length
from storage import outbox, subscriptions
from storage.subscriptions import SubscriptionView

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlanReport:
    """What one planning pass did."""

    due: int = 0
    compositions: int = 0
    digests: int = 0
    planned: int = 0
    skipped: int = 0
    locked_out: bool = False


async def compose_window(
    session: AsyncSession,
    flt: DigestFilter,
    *,
    lang: str,
    since: datetime,
    until: datetime,
    now: datetime,
    size: int,
    events_days: int,
    upcoming: Sequence[UpcomingEvent] | None = None,
) -> Digest:
    """Compose the digest of one filter, reader language and window.

    ``upcoming``: the coming events, when the caller has them already (a planning pass
    reads them once for all its compositions); read here otherwise.
    """
    candidates = await outbox.candidates(
        session,
        flt,
        since=since,
        until=until,
        reader_lang=lang,
        with_text=bool(flt.include or flt.exclude),
    )
    if upcoming is None:
        upcoming = await upcoming_events(session, now=now, days=events_days)
    events = [e for e in upcoming if not flt.countries or e.country in flt.countries]
    return compose(
        candidates, flt, lang=lang, since=since, until=until, now=now, size=size, events=events
    )


async def upcoming_events(
    session: AsyncSession, *, now: datetime, days: int
) -> Sequence[UpcomingEvent]:
    """Return the events of the coming ``days`` (none when the section is turned off)."""
    if not days:
        return ()
    return await outbox.upcoming_events(session, today=now.date(), days=days)


def lookback(schedule: Schedule, cfg: DigestsConfig) -> timedelta:
    """Return how far back a digest of this schedule looks at most (one period)."""
    if schedule.cadence == "instant":
        return timedelta(seconds=cfg.instant_lookback)
    return period_length(schedule)


async def preview(
    session: AsyncSession,
    view: SubscriptionView,
    *,
    now: datetime,
    cfg: DigestsConfig | None = None,
    bot_username: str | None = None,
) -> tuple[str, ...]:
    """Render the digest this subscription would get now, for the last period (no outbox)."""
    cfg = cfg or DigestsConfig()
    schedule = view.schedule()
    composed = await compose_window(
        session,
        view.filter(),
        lang=view.ui_lang,
        since=now - lookback(schedule, cfg),
        until=now,
        now=now,
        size=view.digest_size or cfg.size,
        events_days=cfg.events_days,
    )
    return render_digest.digest(
        composed,
        view.ui_lang,
        cadence=schedule.cadence,
        timezone=schedule.timezone,
        bot_username=bot_username,
        channel=view.chat_type == "channel",
    )


async def preview_for_chat(
    session: AsyncSession,
    chat_id: int | None,
    *,
    now: datetime,
    cfg: DigestsConfig | None = None,
    bot_username: str | None = None,
) -> tuple[SubscriptionView | None, tuple[str, ...]]:
    """Return a chat's subscription and the digest it would get now (none if cancelled)."""
    view = await subscriptions.get(session, chat_id) if chat_id is not None else None
    if view is None or view.cancelled:
        return view, ()
    texts = await preview(session, view, now=now, cfg=cfg, bot_username=bot_username)
    return view, texts


@dataclass(frozen=True, slots=True)
class _Window:
    subscription_id: int
    period_key: str
    since: datetime
    until: datetime
    next_due: datetime
    schedule: Schedule
    channel: bool


PLAN_PAGE = 5_000  # due subscriptions planned per transaction


@dataclass(slots=True)
class _Pass:
    """What one planning pass has composed and stored so far, shared by its pages."""

    composed: dict[tuple[str, str, datetime, datetime, int], Digest] = field(default_factory=dict)
    digest_ids: dict[str, int] = field(default_factory=dict)
    upcoming: Sequence[UpcomingEvent] | None = None  # read once, at the pass's first page
    due: int = 0
    planned: int = 0
    skipped: int = 0


async def plan_due(
    db: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    cfg: DigestsConfig,
    bot_username: str | None = None,
    page: int = PLAN_PAGE,
) -> PlanReport:
    """Plan every digest due by ``now`` into the outbox; return what was planned.

    Due subscriptions are planned a page at a time, each page in its own transaction (so
    100,000 subscribers never sit in memory at once); the compositions and stored digests
    of the pass are shared by all its pages, so paging does not compose anything twice.
    """
    until = now - timedelta(seconds=cfg.grace)
    run = _Pass()
    while True:
        async with db() as session, session.begin():
            if not await outbox.planner_lock(session):
                return PlanReport(locked_out=True)
            due = await outbox.due(session, now=now, limit=page)
            if due and run.upcoming is None:
                run.upcoming = await upcoming_events(session, now=now, days=cfg.events_days)
            await _plan_page(session, due, run, now=now, until=until, cfg=cfg, bot=bot_username)
        if len(due) < page:
            break
    report = PlanReport(
        due=run.due,
        compositions=len(run.composed),
        digests=len(run.digest_ids),
        planned=run.planned,
        skipped=run.skipped,
    )
    if run.planned or run.skipped:
        logger.info(
            "planned %d digests (%d empty periods) for %d due subscriptions: "
            "%d compositions, %d rendered digests",
            report.planned,
            report.skipped,
            report.due,
            report.compositions,
            report.digests,
        )
    return report


async def _plan_page(
    session: AsyncSession,
    due: Sequence[outbox.Due],
    run: _Pass,
    *,
    now: datetime,
    until: datetime,
    cfg: DigestsConfig,
    bot: str | None,
) -> None:
    """Plan one page of due subscriptions: compose (or reuse), store, write the rows."""
    run.due += len(due)
    # (filter, language, window, size) → the subscriptions that share one composition.
    groups: dict[tuple[str, str, datetime, datetime, int], list[_Window]] = defaultdict(list)
    filters: dict[str, DigestFilter] = {}
    for item in due:
        window = _window(item, now=now, until=until, cfg=cfg)
        key = item.filter.key()
        filters[key] = item.filter
        size = item.digest_size or cfg.size
        groups[(key, item.ui_lang, window.since, window.until, size)].append(window)

    advance: dict[tuple[datetime, datetime], list[int]] = defaultdict(list)
    for group, windows in groups.items():
        fkey, lang, since, upto, size = group
        composed = run.composed.get(group)
        if composed is None:
            composed = await compose_window(
                session,
                filters[fkey],
                lang=lang,
                since=since,
                until=upto,
                now=now,
                size=size,
                events_days=cfg.events_days,
                upcoming=run.upcoming,
            )
            run.composed[group] = composed
        rows: list[outbox.Planned] = []
        empty = composed.empty and not cfg.send_empty
        if empty:
            # Nothing to say. Daily and weekly periods are still recorded (planned once);
            # an instant window simply moves on.
            rows = [
                outbox.Planned(w.subscription_id, w.period_key, None, "skipped")
                for w in windows
                if w.schedule.cadence != "instant"
            ]
        else:
            # One stored Digest per way of rendering it.
            renders: dict[tuple[str, str, bool], list[_Window]] = defaultdict(list)
            for w in windows:
                renders[(w.schedule.cadence, w.schedule.timezone, w.channel)].append(w)
            for (cadence, timezone, channel), members in renders.items():
                key = _digest_key(fkey, lang, since, upto, size, cadence, timezone, channel)
                digest_id = run.digest_ids.get(key)
                if digest_id is None:
                    texts = render_digest.digest(
                        composed,
                        lang,
                        cadence=cadence,
                        timezone=timezone,
                        bot_username=bot,
                        channel=channel,
                    )
                    digest_id = await outbox.save_digest(
                        session,
                        key=key,
                        lang=lang,
                        since=since,
                        until=upto,
                        story_ids=[c.story_id for c in composed.stories],
                        texts=texts,
                    )
                    run.digest_ids[key] = digest_id
                rows.extend(
                    outbox.Planned(w.subscription_id, w.period_key, digest_id, "pending")
                    for w in members
                )
        inserted = await outbox.plan(session, rows, now=now)
        if empty:
            run.skipped += inserted
        else:
            run.planned += inserted
        for w in windows:
            advance[(w.until, w.next_due)].append(w.subscription_id)
    for (period_end, next_due), ids in advance.items():
        await outbox.advance(session, ids, period_end=period_end, next_due_at=next_due)


def _window(item: outbox.Due, *, now: datetime, until: datetime, cfg: DigestsConfig) -> _Window:
    """Return the period a due subscription is planned for and its window of news."""
    schedule = item.schedule
    if schedule.cadence == "instant":
        # One instant delivery per planning pass: the key is the window's end itself.
        key = "i:" + until.isoformat(timespec="microseconds")
    else:
        key = latest_period(schedule, now).key
    since = until - lookback(schedule, cfg)
    if item.last_period_end is not None and item.last_period_end > since:
        since = min(item.last_period_end, until)
    return _Window(
        subscription_id=item.subscription_id,
        period_key=key,
        since=since,
        until=until,
        # Strictly after now, so a pass that pages never meets a subscription twice (an
        # instant one is due again at the next pass).
        next_due=max(next_send(schedule, now), now + timedelta(microseconds=1)),
        schedule=schedule,
        channel=item.chat_type == "channel",
    )


def _digest_key(
    fkey: str,
    lang: str,
    since: datetime,
    until: datetime,
    size: int,
    cadence: str,
    timezone: str,
    channel: bool,
) -> str:
    """Name a rendered digest: the same inputs always give the same key."""
    raw = "|".join(
        (fkey, lang, since.isoformat(), until.isoformat(), str(size), cadence, timezone)
    ) + ("|channel" if channel else "")
    return hashlib.sha256(raw.encode()).hexdigest()
