"""Events as an iCalendar (RFC 5545) file: pure code, events in, ``.ics`` bytes out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import icalendar

PRODID = "-//Chaikhana//Central Asian tech news//EN"
MAX_TEXT = 2_000  # characters of a description: a calendar is not the place for articles


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One event as a calendar shows it; an entry needs a start date to be one."""

    key: str
    name: str
    start: date
    end: date | None = None
    location: str | None = None
    description: str = ""
    url: str | None = None


def uid(key: str) -> str:
    """Return a stable UID for an event key, so a re-import updates instead of doubling."""
    return f"{re.sub(r'[^A-Za-z0-9._-]+', '-', key).strip('-') or 'event'}@chaikhana"


def filename(name: str) -> str:
    """Return a safe ``.ics`` file name for an event's (or a list's) name."""
    slug = re.sub(r"[^\w-]+", "-", name.casefold(), flags=re.UNICODE).strip("-_")
    return f"{slug[:60] or 'events'}.ics"


def _clean(text: str) -> str:
    # Control characters are not allowed in iCalendar text values (RFC 5545 3.3.11).
    return "".join(ch for ch in text if ch in "\n\t" or ch >= " ")


def _line(text: str, limit: int) -> str:
    """Return text for a one-line property (a name, a place): white space collapsed."""
    return " ".join(_clean(text).split())[:limit] or "…"


def ics(entries: Sequence[CalendarEntry], *, name: str, now: datetime) -> bytes:
    """Build one calendar of all-day events (DTEND is the day after the last, per RFC 5545)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _line(name, 200))
    for entry in entries:
        last = entry.end if entry.end is not None and entry.end >= entry.start else entry.start
        event = icalendar.Event()
        event.add("uid", uid(entry.key))
        event.add("dtstamp", now)
        event.add("summary", _line(entry.name, 500))
        event.add("dtstart", entry.start)
        event.add("dtend", last + timedelta(days=1))
        if entry.location:
            event.add("location", _line(entry.location, 500))
        if entry.description:
            event.add("description", _clean(entry.description)[:MAX_TEXT])
        if entry.url and entry.url.startswith(("http://", "https://")):
            event.add("url", entry.url)
        event.add("transp", "TRANSPARENT")  # an event in the news does not make one busy
        cal.add_component(event)
    return bytes(cal.to_ical())
