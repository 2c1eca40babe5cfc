"""The events calendar's use cases: one event, or the reader's coming events, as ``.ics``."""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import i18n
from digests import calendar
from digests.understand import countries
from storage import calendar as stored
from storage import lookups, models, subscriptions

logger = logging.getLogger(__name__)

STORIES_LISTED = 5
COMING_AT_MOST = 100  # events in one "coming events" file: months ahead for the region
CACHE_SIZE = 256
# The coming-events file of a country set and language, built once an hour per database
# (icalendar takes about a millisecond an event); one event's file is built each time.
_coming: OrderedDict[tuple[object, ...], CalendarFile | None] = OrderedDict()


@dataclass(frozen=True, slots=True)
class CalendarFile:
    """An ``.ics`` document to send, and how many events it holds."""

    filename: str
    data: bytes
    title: str
    events: int


def _location(place: str | None, country: str | None, lang: str) -> str | None:
    parts = [p for p in (place, countries.name(country, lang) if country else None) if p]
    return ", ".join(dict.fromkeys(parts)) or None


async def event_card(
    session: AsyncSession, event_id: int, *, limit: int, reader_lang: str
) -> lookups.EventCard | None:
    """Return an event's card by id, as /event shows it (one place to re-point)."""
    return await lookups.event_card(
        session, "", event_id=event_id, limit=limit, reader_lang=reader_lang
    )


async def event_calendar(
    db: async_sessionmaker[AsyncSession], event_id: int, *, reader_lang: str, now: datetime
) -> CalendarFile | None:
    """Build one event's ``.ics``: its dates, place and its newest stories' links.

    None when the event is unknown or has no date (a calendar cannot hold it).
    """
    async with db() as session:
        card = await event_card(session, event_id, limit=STORIES_LISTED, reader_lang=reader_lang)
    if card is None or card.event.start is None:
        return None
    ev, start = card.event, card.event.start
    lines = [i18n.t(reader_lang, "calendar.stories")] if card.page.stories else []
    lines += [f"• {v.title} — {v.url}" if v.url else f"• {v.title}" for v in card.page.stories]
    first_url = next((v.url for v in card.page.stories if v.url), None)
    entry = calendar.CalendarEntry(
        key=ev.key,
        name=ev.name,
        start=start,
        end=ev.end,
        location=_location(ev.place, ev.country, reader_lang),
        description="\n".join(lines),
        url=first_url,
    )
    data = calendar.ics([entry], name=ev.name, now=now)
    return CalendarFile(calendar.filename(ev.name), data, ev.name, 1)


def _entry(ev: models.Event, url: str | None, lang: str) -> calendar.CalendarEntry:
    assert ev.start is not None
    return calendar.CalendarEntry(
        key=ev.key,
        name=ev.name,
        start=ev.start,
        end=ev.end,
        location=_location(ev.place, ev.country, lang),
        description=url or "",
        url=url,
    )


async def coming_calendar(
    db: async_sessionmaker[AsyncSession], chat_id: int, *, reader_lang: str, now: datetime
) -> CalendarFile | None:
    """Build the ``.ics`` of the coming events in the chat's countries (every country when
    it has no subscription, or one without countries); None when none is coming."""
    async with db() as session:
        sub = await subscriptions.get(session, chat_id)
        wanted = tuple(sorted(sub.countries)) if sub is not None else ()
        bind = db.kw.get("bind")
        key = (str(getattr(bind, "url", id(db))), wanted, reader_lang, now.strftime("%Y-%m-%dT%H"))
        if key in _coming:
            _coming.move_to_end(key)
            return _coming[key]
        found = await stored.coming_events(
            session, today=now.date(), countries=wanted, limit=COMING_AT_MOST
        )
        links = await stored.newest_links(session, [ev.id for ev in found])
    built: CalendarFile | None = None
    if found:
        title = i18n.t(reader_lang, "calendar.coming_title")
        entries = [_entry(ev, links.get(ev.id), reader_lang) for ev in found]
        data = calendar.ics(entries, name=title, now=now)
        built = CalendarFile("chaikhana-events.ics", data, title, len(entries))
    _coming[key] = built
    while len(_coming) > CACHE_SIZE:
        _coming.popitem(last=False)
    return built
