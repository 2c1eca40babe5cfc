"""Domain types shared by every layer: plain dataclasses, no IO."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class SourceKind(StrEnum):
    """How a source is read."""

    RSS = "rss"
    PAGE = "page"
    FILE = "file"


@dataclass(frozen=True, slots=True)
class SourceHints:
    """What we know about a source before reading it: its name, default country and language."""

    name: str | None = None
    country: str | None = None
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class RawArticle:
    """One article as a source gave it: plain text already extracted, nothing understood yet."""

    url: str | None
    title: str
    text: str
    published: datetime | None = None
    source: str | None = None
    guid: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """A named happening with its dates and place, as found in articles."""

    key: str
    name: str
    start: date | None = None
    end: date | None = None
    place: str | None = None
    country: str | None = None
    aliases: tuple[str, ...] = ()  # the other names it goes by (scripts, languages, spellings)

    def to_json(self) -> dict[str, Any]:
        """Return the event in the CLI's JSON shape."""
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "place": self.place,
        }


@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """Signals that tell whether two articles report the same thing, in any language.

    ``keys`` are short, language-independent anchors (transliterated names, numbers,
    Latin-script names, dates) used to find candidates cheaply; ``data`` holds whatever
    else the matcher needs (e.g. a MinHash signature) in JSON-serialisable form.
    """

    keys: frozenset[str] = frozenset()
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the features in a JSON-serialisable form."""
        return {"keys": sorted(self.keys), "data": self.data}

    @classmethod
    def from_json(cls, obj: dict[str, Any] | None) -> StoryFeatures:
        """Rebuild features stored by :meth:`to_json`."""
        if not obj:
            return cls()
        return cls(keys=frozenset(obj.get("keys", ())), data=dict(obj.get("data", {})))


@dataclass(frozen=True, slots=True)
class Article:
    """One piece of news, understood: language, countries, topics, events and summary."""

    url: str | None
    canonical_url: str | None
    title: str
    text: str
    published: datetime | None
    lang: str
    script: str
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    events: tuple[Event, ...]
    summary: str
    content_hash: str
    features: StoryFeatures
    source: str | None = None
    guid: str | None = None
    tech: bool = True  # tech news; anything else is stored but not shown by default


@dataclass(frozen=True, slots=True)
class StoryCandidate:
    """An already stored article that may tell the same story as a new one."""

    article_id: int
    story_id: int
    features: StoryFeatures
