"""When digests are due: a subscription's schedule, its periods and their keys.

Plain code: times are timezone-aware; a schedule's wall-clock time is read in its IANA
timezone, every returned datetime is UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

CADENCES: tuple[str, ...] = ("daily", "weekly", "instant")
# The timezone offered first for a subscriber who chose one of the region's countries.
COUNTRY_TIMEZONES: dict[str, str] = {
    "kz": "Asia/Almaty",
    "uz": "Asia/Tashkent",
    "kg": "Asia/Bishkek",
    "tj": "Asia/Dushanbe",
    "tm": "Asia/Ashgabat",
}


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a subscription wants its digest."""

    cadence: str = "daily"  # one of CADENCES
    time_of_day: str = "09:00"  # HH:MM, local to ``timezone``
    weekday: int | None = None  # weekly only: 0 = Monday … 6 = Sunday
    timezone: str = "UTC"  # IANA name


@dataclass(frozen=True, slots=True)
class Period:
    """The stretch of time one digest covers, ``[start, end)`` in UTC, and its unique key."""

    key: str
    start: datetime
    end: datetime


def latest_period(schedule: Schedule, now: datetime) -> Period:
    """Return the period whose send time is the latest at or before ``now``."""
    raise NotImplementedError  # helper A writes this


def next_send(schedule: Schedule, after: datetime) -> datetime:
    """Return the first send time strictly after ``after`` (instant: ``after`` itself)."""
    raise NotImplementedError  # helper A writes this
