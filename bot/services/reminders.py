"""Event reminders: opt in or out, and plan them into the outbox, once each.

A reminder is a delivery like a digest (kind ``reminder``), keyed ``r:<event>:before``
(sent from the subscription's time of day on the eve, in its time zone) or
``r:<event>:open`` (from that time on the first day, while the event lasts). The outbox's
unique (subscription, key) makes each go out once however often, late or on however many
instances planning runs; the sender sends it like any digest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import reminder_text
from storage import models, outbox
from storage import reminders as stored

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """What one planning pass did."""

    due: int
    planned: int


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _at(day: date, time_of_day: str, zone: ZoneInfo) -> datetime:
    hours, _, minutes = time_of_day.partition(":")
    try:
        clock = time(int(hours), int(minutes or 0))
    except ValueError:
        clock = time(9, 0)
    return datetime.combine(day, clock, zone)


def windows(
    start: date, end: date | None, time_of_day: str, timezone: str
) -> dict[str, tuple[datetime, datetime]]:
    """Return when each reminder of an event may go out, [from, until), in the reader's zone."""
    zone = _zone(timezone)
    last = end if end is not None and end >= start else start
    midnight = time(0, 0)
    return {
        "before": (
            _at(start - timedelta(days=1), time_of_day, zone),
            datetime.combine(start, midnight, zone),
        ),
        "open": (
            _at(start, time_of_day, zone),
            datetime.combine(last + timedelta(days=1), midnight, zone),
        ),
    }


def _wanted(event: models.Event, countries: tuple[str, ...]) -> bool:
    return not countries or (event.country or "") in countries


async def set_reminders(
    db: async_sessionmaker[AsyncSession], chat_id: int, on: bool, *, now: datetime
) -> bool | None:
    """Turn a chat's event reminders on or off; None when the chat has no subscription."""
    async with db() as session, session.begin():
        subscription_id = await stored.subscription_of(session, chat_id)
        if subscription_id is None:
            return None
        await stored.set_enabled(session, subscription_id, on, now=now)
    return on


async def reminders_on(session: AsyncSession, chat_id: int) -> bool | None:
    """Tell whether a chat asked for reminders (None: no subscription), in the caller's session."""
    subscription_id = await stored.subscription_of(session, chat_id)
    if subscription_id is None:
        return None
    return await stored.enabled(session, subscription_id)


async def plan_reminders(db: async_sessionmaker[AsyncSession], *, now: datetime) -> ReminderPlan:
    """Plan every reminder due by now into the outbox (each at most once)."""
    today = now.date()
    async with db() as session, session.begin():
        wanting = await stored.wanting(session)
        if not wanting:
            return ReminderPlan(0, 0)
        # Time zones run from UTC-12 to UTC+14: a day either side covers every reader.
        events = await stored.near_events(
            session, first=today - timedelta(days=1), last=today + timedelta(days=2)
        )
        rows: list[tuple[int, str, int]] = []
        texts: dict[tuple[int, str, str], int] = {}
        for who in wanting:
            for event in events:
                if event.start is None or not _wanted(event, who.countries):
                    continue
                for kind, (since, until) in windows(
                    event.start, event.end, who.time_of_day, who.timezone
                ).items():
                    if not since <= now < until:
                        continue
                    digest_id = texts.get((event.id, kind, who.ui_lang))
                    if digest_id is None:
                        text = reminder_text.reminder(
                            kind,
                            name=event.name,
                            start=event.start,
                            end=event.end,
                            place=event.place,
                            country=event.country,
                            lang=who.ui_lang,
                        )
                        digest_id = await outbox.save_digest(
                            session,
                            key=f"rem:{event.id}:{kind}:{who.ui_lang}",
                            lang=who.ui_lang,
                            since=since,
                            until=until,
                            story_ids=[],
                            texts=[text],
                        )
                        texts[(event.id, kind, who.ui_lang)] = digest_id
                    rows.append((who.subscription_id, f"r:{event.id}:{kind}", digest_id))
        planned = await stored.plan(session, rows, now=now)
    if planned:
        logger.info("planned %d event reminders", planned)
    return ReminderPlan(len(rows), planned)
