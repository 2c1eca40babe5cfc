"""Composing a digest: filter the period's stories, rank them, group them by country.

Plain code. Storage hands in ``Candidate`` stories (already in the reader's language where
a version exists); ``compose`` decides what a ``Digest`` holds; the bot renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class DigestFilter:
    """What a subscriber wants: countries and topics (any of each), keywords in and out."""

    countries: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def key(self) -> str:
        """Return a canonical string: equal filters give equal keys."""
        raise NotImplementedError  # helper A writes this


@dataclass(frozen=True, slots=True)
class Candidate:
    """A story of the period as one reader sees it, with what ranking needs."""

    story_id: int
    article_id: int
    title: str
    url: str | None
    summary: str
    lang: str
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    sources: tuple[str, ...]
    langs: tuple[str, ...]
    published: datetime | None
    first_seen: datetime
    weight: float = 1.0
    text: str = ""  # filled only when a keyword filter needs it


@dataclass(frozen=True, slots=True)
class UpcomingEvent:
    """An event of the coming days, for the digest's events section."""

    name: str
    start: date | None
    end: date | None
    place: str | None
    country: str | None


@dataclass(frozen=True, slots=True)
class Digest:
    """The composed selection for one filter, reader language and period."""

    lang: str
    since: datetime
    until: datetime
    stories: tuple[Candidate, ...]  # the top N, best first
    total: int  # stories that matched, before the cut
    sections: tuple[tuple[str, tuple[Candidate, ...]], ...]  # (country code or "", stories)
    events: tuple[UpcomingEvent, ...] = ()

    @property
    def more(self) -> int:
        """Return how many matching stories did not make the cut."""
        return self.total - len(self.stories)

    @property
    def empty(self) -> bool:
        """Tell whether there is nothing to send."""
        return not self.stories
