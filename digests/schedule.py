"""When digests are due: a subscription's schedule, its periods and their keys.

Plain code: times are timezone-aware; a schedule's wall-clock time is read in its IANA
timezone, every returned datetime is UTC.

A daily or weekly schedule sends once per local day (or week) at its wall-clock time. A
period runs from one send to the next, so consecutive periods neither overlap nor leave a
gap, even when a daylight-saving change makes a day 23 or 25 hours long. A wall-clock time
that a DST change skips (02:30 on a spring-forward night) is sent at the same distance after
the change (03:30); one that happens twice is sent the first time.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

CADENCES: tuple[str, ...] = ("daily", "weekly", "instant")
# The timezone offered first for a subscriber who chose one of the region's countries.
COUNTRY_TIMEZONES: dict[str, str] = {
    "kz": "Asia/Almaty",
    "uz": "Asia/Tashkent",
    "kg": "Asia/Bishkek",
    "tj": "Asia/Dushanbe",
    "tm": "Asia/Ashgabat",
}

DATA_FILE = Path(__file__).resolve().parent / "data" / "schedule.toml"
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
# Enough local days to step over anything a timezone does to a calendar (Samoa skipped a
# whole day in 2011) and still find a send time on either side of any instant.
_SEARCH_DAYS = 3


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a subscription wants its digest."""

    cadence: str = "daily"  # one of CADENCES
    time_of_day: str = "09:00"  # HH:MM, local to ``timezone``
    weekday: int | None = None  # weekly only: 0 = Monday … 6 = Sunday (None: Monday)
    timezone: str = "UTC"  # IANA name


@dataclass(frozen=True, slots=True)
class Period:
    """The stretch of time one digest covers, ``[start, end)`` in UTC, and its unique key."""

    key: str
    start: datetime
    end: datetime


def latest_period(schedule: Schedule, now: datetime) -> Period:
    """Return the period whose send time is the latest at or before ``now``."""
    now = _aware(now)
    if schedule.cadence == "instant":
        floored = now.astimezone(UTC).replace(second=0, microsecond=0)
        return Period(key=f"i:{floored:%Y-%m-%dT%H:%M}Z", start=now - DAY, end=now)
    sends = _sends_around(schedule, now)
    end = max(s for s in sends if s <= now)
    start = max(s for s in sends if s < end)
    prefix = "w" if schedule.cadence == "weekly" else "d"
    local_day = end.astimezone(_zone(schedule.timezone)).date()
    return Period(key=f"{prefix}:{local_day.isoformat()}", start=start, end=end)


def next_send(schedule: Schedule, after: datetime) -> datetime:
    """Return the first send time strictly after ``after`` (instant: ``after`` itself)."""
    after = _aware(after)
    if schedule.cadence == "instant":
        return after.astimezone(UTC)
    return min(s for s in _sends_around(schedule, after) if s > after)


def period_length(schedule: Schedule) -> timedelta:
    """Return how long a period of the schedule is (nominally: DST may add or take an hour)."""
    return WEEK if schedule.cadence == "weekly" else DAY


def _sends_around(schedule: Schedule, when: datetime) -> list[datetime]:
    """Return the send times (UTC) of the local days or weeks around ``when``, ascending.

    At least two lie at or before ``when`` and one after it, whatever the timezone does.
    """
    _check(schedule)
    zone = _zone(schedule.timezone)
    wall = _wall_time(schedule.time_of_day)
    today = when.astimezone(zone).date()
    if schedule.cadence == "weekly":
        weekday = schedule.weekday if schedule.weekday is not None else 0
        this_week = today + timedelta(days=(weekday - today.weekday()) % 7)
        days = [this_week + timedelta(weeks=n) for n in range(-2, 2)]
    else:
        days = [today + timedelta(days=n) for n in range(-_SEARCH_DAYS, _SEARCH_DAYS)]
    return sorted({_send_on(day, wall, zone) for day in days})


def _send_on(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of a local wall-clock time on a local day.

    fold=0 reads a repeated time as its first occurrence and a skipped one with the offset
    from before the change, which lands it as far past the change as it was meant past the
    skipped hour's start (02:30 → 03:30 on a spring-forward night).
    """
    local = datetime.combine(day, wall, tzinfo=zone)
    return local.astimezone(UTC)


def _check(schedule: Schedule) -> None:
    if schedule.cadence not in CADENCES:
        raise ValueError(f"unknown cadence {schedule.cadence!r}; expected one of {CADENCES}")
    if schedule.weekday is not None and not 0 <= schedule.weekday <= 6:
        raise ValueError(f"weekday {schedule.weekday} is not 0 (Monday) … 6 (Sunday)")


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError(f"naive datetime {when.isoformat()}: give a timezone-aware one")
    return when


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {name!r}") from exc


def _wall_time(text: str) -> time:
    parsed = parse_time(text)
    if parsed is None:
        raise ValueError(f"time of day {text!r} is not HH:MM")
    hours, minutes = parsed.split(":")
    return time(int(hours), int(minutes))


# ---- what people type ------------------------------------------------------------------------

# 8, 08, 8:30, 08.30, 8h30, 0830, 830, 8 30, optionally with am/pm.
_TIME = re.compile(
    r"(?P<h>\d{1,2})(?:(?:[:.hч]|\s)\s*(?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?",
    re.IGNORECASE,
)
_COMPACT_TIME = re.compile(r"(?P<h>\d{1,2})(?P<m>\d{2})")


def parse_time(text: str) -> str | None:
    """Return a typed time of day as "HH:MM" ("8:30", "08.30", "0830", "8" → "08:30")."""
    text = text.strip()
    match = _TIME.fullmatch(text) or _COMPACT_TIME.fullmatch(text)
    if match is None:
        return None
    hours = int(match.group("h"))
    minutes = int(match.group("m") or 0)
    ampm = (match.groupdict().get("ampm") or "").replace(".", "").lower()
    if ampm:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if ampm == "pm" else 0)
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


_APOSTROPHES = re.compile("[ʻʼ’‘`´]")
_NOT_WORD = re.compile(r"[^\w']+")
_MIN_PREFIX = 3  # "чет" is Thursday; "че" could be anything
_MIN_STEM = 4  # a name this long may be followed by an ending ("dushanbada")


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return _APOSTROPHES.sub("'", folded)


@cache
def _weekday_names() -> dict[str, int]:
    """Return every weekday name of every language, folded, with its day (0 = Monday)."""
    with DATA_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    names: dict[str, int] = {}
    for lang, days in data["weekdays"].items():
        if len(days) != 7:
            raise ValueError(f"{DATA_FILE.name}: weekdays.{lang} must list seven days")
        for day, forms in enumerate(days):
            for form in forms:
                name = _fold(form)
                if names.setdefault(name, day) != day:
                    raise ValueError(f"{DATA_FILE.name}: {form!r} names two different days")
    return names


def parse_weekday(text: str) -> int | None:
    """Return the weekday (0 = Monday) a typed word names in any supported language."""
    names = _weekday_names()
    found = {day for word in _NOT_WORD.split(_fold(text)) if (day := _weekday(word, names))}
    # _weekday returns day + 1 so that Monday is truthy
    return found.pop() - 1 if len(found) == 1 else None


def _weekday(word: str, names: dict[str, int]) -> int | None:
    """Return a word's weekday plus one, or None."""
    word = word.strip("'")
    if not word:
        return None
    if word in names:
        return names[word] + 1
    # "понедельникам", "dushanbada": the longest name the word begins with
    stems = [n for n in names if len(n) >= _MIN_STEM and word.startswith(n)]
    if stems:
        return names[max(stems, key=len)] + 1
    # "четв", "wedn": the start of the names of one day only
    if len(word) >= _MIN_PREFIX:
        days = {day for name, day in names.items() if name.startswith(word)}
        if len(days) == 1:
            return days.pop() + 1
    return None


_OFFSET = re.compile(r"(?:utc|gmt)?\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?00)?", re.IGNORECASE)


@cache
def _zone_names() -> dict[str, str]:
    """Return IANA names by their case-folded spelling, and by their city when it is unique."""
    zones = available_timezones()
    by_name = {name.casefold(): name for name in zones}
    cities: dict[str, set[str]] = {}
    for name in zones:
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")):
            cities.setdefault(name.rsplit("/", 1)[1].casefold(), set()).add(name)
    for city, names in cities.items():
        if len(names) == 1 and city not in by_name:
            by_name[city] = names.pop()
    return by_name


def parse_timezone(text: str) -> str | None:
    """Return the IANA name a typed timezone means ("asia/tashkent", "Tashkent", "UTC+5")."""
    typed = text.strip()
    if not typed:
        return None
    key = "_".join(typed.split()).casefold()
    if key in ("utc", "gmt", "z"):
        return "UTC"
    names = _zone_names()
    if key in names:
        return names[key]
    offset = _OFFSET.fullmatch(typed)
    if offset is not None:
        hours = int(offset.group("h"))
        if hours == 0:
            return "UTC"
        if hours <= 14:
            # POSIX style: Etc/GMT-5 is five hours ahead of UTC
            sign = "-" if offset.group("sign") == "+" else "+"
            name = f"Etc/GMT{sign}{hours}"
            return name if name.casefold() in names else None
    return None
