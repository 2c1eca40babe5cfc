"""Composing a digest: filter the period's stories, rank them, group them by country.

Plain code. Storage hands in ``Candidate`` stories (already in the reader's language where
a version exists); ``compose`` decides what a ``Digest`` holds; the bot renders it.

Keywords match in any language and script: text and keyword are both folded to one Latin
spelling (``digests.translit.loose``), so a keyword finds the same word written in Latin or
Cyrillic by an Uzbek, Kazakh or Kyrgyz writer (Toshkent/Тошкент, Qazaqstan/Қазақстан), and
English names in Russian text (Kazakhstan/Казахстан). It matches at the start of a word,
after its ending is cut (digests/data/keywords.toml), so inflected forms count ("Астана"
finds "Астане", "Astana Hub" finds "Astana Hub'da"). What folding cannot do is translate or
transcribe: "Hub" does not find "Хаб", nor "Toshkent" the Russian "Ташкент". A keyword that
names a topic (its key or its name in any UI language) also matches the topic's tag.
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path

from digests.schedule import COUNTRY_TIMEZONES
from digests.translit import loose

DATA_DIR = Path(__file__).resolve().parent / "data"
# The region's countries: a story about one of them and elsewhere is filed under it.
REGION: tuple[str, ...] = tuple(COUNTRY_TIMEZONES)
SHORT_WORD = 4  # a keyword word shorter than this matches whole words only (AI, IT, 5G)
FRESHNESS_HALF_LIFE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DigestFilter:
    """What a subscriber wants: countries and topics (any of each), keywords in and out."""

    countries: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def key(self) -> str:
        """Return a canonical string: equal filters give equal keys."""
        return _filter_key(self)


# Planning asks the key of every due subscription's filter; most filters are shared.
@lru_cache(maxsize=4096)
def _filter_key(flt: DigestFilter) -> str:
    parts = (
        ("c", (c.strip().lower() for c in flt.countries)),
        ("t", (t.strip().lower() for t in flt.topics)),
        ("+", (_normal_keyword(k) for k in flt.include)),
        ("-", (_normal_keyword(k) for k in flt.exclude)),
    )
    return ";".join(
        f"{name}={','.join(_escape(v) for v in sorted(set(values)) if v)}" for name, values in parts
    )


def _normal_keyword(keyword: str) -> str:
    folded = unicodedata.normalize("NFKC", keyword).casefold()
    return " ".join(folded.translate(_APOSTROPHES).split())


_APOSTROPHES = str.maketrans(dict.fromkeys("ʻʼ‘’`´", "'"))


def _escape(value: str) -> str:
    return value.replace("%", "%25").replace(",", "%2C").replace(";", "%3B")


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


# ---- keywords --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Keyword:
    """A typed keyword, ready to match: a pattern over loose text and the topics it names."""

    pattern: re.Pattern[str]
    topics: frozenset[str]


@cache
def _keyword_data() -> tuple[tuple[str, ...], int]:
    """Return the endings (folded, longest first) and the shortest stem to keep."""
    with (DATA_DIR / "keywords.toml").open("rb") as fh:
        data = tomllib.load(fh)
    endings = {loose(e).replace("'", "") for e in data["endings"]}
    return tuple(sorted((e for e in endings if e), key=len, reverse=True)), int(data["min_stem"])


def _stem(word: str) -> str:
    """Cut the longest known ending off a folded word, keeping at least the minimum stem."""
    endings, min_stem = _keyword_data()
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= min_stem:
            return word[: -len(ending)]
    return word


@cache
def _topic_names() -> dict[tuple[str, ...], str]:
    """Return each topic's key and names in every language, as stemmed words, to its key."""
    with (DATA_DIR / "topics.toml").open("rb") as fh:
        data = tomllib.load(fh)
    names: dict[tuple[str, ...], str] = {}
    for topic, entry in data.items():
        for name in (topic, *entry.get("labels", {}).values()):
            names.setdefault(_stems(name), topic)
    return names


def _stems(text: str) -> tuple[str, ...]:
    return tuple(_stem(w) for w in loose(text).replace("'", "").split())


def _letters(word: str) -> str:
    """Return a pattern for a folded word that lets an apostrophe sit between any letters."""
    return "'?".join(re.escape(ch) for ch in word)


@cache
def _place_names() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Return every spelling of each country and city the gazetteer knows, by any of them.

    Keys and values are stemmed loose words, so a keyword "Toshkent" finds «Ташкент» and
    "Kazakhstan" finds «Қазақстан»: spellings a fold of the script alone cannot join.
    """
    with (DATA_DIR / "countries.toml").open("rb") as fh:
        data = tomllib.load(fh)
    groups: list[list[str]] = []
    for entry in data.values():
        if not isinstance(entry, dict):
            continue
        groups.append([*entry.get("names", {}).values(), *entry.get("forms", ())])
        groups.extend([city, *variants] for city, variants in entry.get("cities", {}).items())
    index: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for group in groups:
        spellings = tuple(dict.fromkeys(w for w in (_stems(name) for name in group) if w))
        for spelling in spellings:
            # A name two places share (Gulistan) keeps the spellings of both.
            index[spelling] = tuple(dict.fromkeys((*index.get(spelling, ()), *spellings)))
    return index


def _phrase(words: Sequence[str]) -> str:
    """Return the pattern of a phrase of folded words: each at its start, endings free."""
    pieces = []
    for i, word in enumerate(words):
        last = i == len(words) - 1
        if len(word) < SHORT_WORD:
            # a whole word; "Hub'da" ends "hub" at its apostrophe
            pieces.append(_letters(word) + r"(?!\w)")
        else:
            # the word's start, then whatever ending it has in the text
            pieces.append(_letters(_stem(word)) + ("" if last else r"[\w']*"))
    return " ".join(pieces)


@lru_cache(maxsize=4096)
def _keyword(typed: str) -> _Keyword | None:
    """Prepare a typed keyword for matching; None when it has no word in it."""
    words = loose(typed.strip().lstrip("#")).replace("'", "").split()
    if not words:
        return None
    stems = tuple(_stem(w) for w in words)
    phrases = [words, *(list(p) for p in _place_names().get(stems, ()) if p != stems)]
    # At a word start: neither a letter nor a letter and apostrophe (o'zbek) just before.
    alternatives = "|".join(dict.fromkeys(_phrase(p) for p in phrases))
    pattern = re.compile(r"(?<!\w)(?<!\w')(?:" + alternatives + ")")
    topic = _topic_names().get(stems)
    return _Keyword(pattern=pattern, topics=frozenset((topic,) if topic else ()))


def _keywords(typed: Iterable[str]) -> tuple[_Keyword, ...]:
    return tuple(k for t in typed if (k := _keyword(t)) is not None)


def _haystack(c: Candidate) -> tuple[str, ...]:
    """Return the story's title, summary and text, each folded (matched separately)."""
    return tuple(_folded(part) for part in (c.title, c.summary, c.text) if part)


# A planning pass composes the same stories for many filters: fold each text once.
@lru_cache(maxsize=4096)
def _folded(text: str) -> str:
    return loose(text)


def _hits(keyword: _Keyword, c: Candidate, haystack: tuple[str, ...]) -> bool:
    if keyword.topics and keyword.topics.intersection(c.topics):
        return True
    return any(keyword.pattern.search(part) for part in haystack)


def _matches(c: Candidate, include: Sequence[_Keyword], exclude: Sequence[_Keyword]) -> bool:
    if not include and not exclude:
        return True
    haystack = _haystack(c)
    if include and not any(_hits(k, c, haystack) for k in include):
        return False
    return not any(_hits(k, c, haystack) for k in exclude)


def keyword_matches(c: Candidate, flt: DigestFilter) -> bool:
    """Tell whether a story passes the filter's keywords (any include, no exclude)."""
    return _matches(c, _keywords(flt.include), _keywords(flt.exclude))


# ---- ranking and composing -------------------------------------------------------------------


def _score(c: Candidate, now: datetime) -> float:
    """Score a story: reach (sources and languages) × source weight × freshness."""
    reach = max(1, len(set(c.sources))) + max(1, len(set(c.langs)))
    # News is as fresh as its publication when known (an article may be stored late).
    when = c.published if c.published is not None and c.published <= now else c.first_seen
    age = max(timedelta(0), now - when)
    freshness = math.pow(0.5, age / FRESHNESS_HALF_LIFE)
    # Freshness counts for at most half: a story three outlets carried yesterday beats
    # one outlet's item from an hour ago.
    return c.weight * reach * (1.0 + freshness)


def rank(candidates: Sequence[Candidate], *, now: datetime) -> list[Candidate]:
    """Order stories best first: by reach in sources and languages, recency, source weight."""
    return sorted(
        candidates,
        key=lambda c: (-_score(c, now), -c.first_seen.timestamp(), -c.story_id),
    )


def _wanted(c: Candidate, flt: DigestFilter) -> bool:
    """Tell whether a story is about the filter's countries and topics (any of each)."""
    if flt.countries and not {x.lower() for x in flt.countries}.intersection(c.countries):
        return False
    return not flt.topics or bool(set(flt.topics).intersection(c.topics))


def _section(c: Candidate, countries: Sequence[str]) -> str:
    """Return the country a story is filed under: the reader's first, then the region's."""
    for code in countries:
        if code in c.countries:
            return code
    for code in c.countries:
        if code in REGION:
            return code
    return c.countries[0] if c.countries else ""


def compose(
    candidates: Sequence[Candidate],
    flt: DigestFilter,
    *,
    lang: str,
    since: datetime,
    until: datetime,
    now: datetime,
    size: int = 10,
    events: Sequence[UpcomingEvent] = (),
) -> Digest:
    """Filter, rank and cut the period's stories; group the chosen ones by country."""
    include, exclude = _keywords(flt.include), _keywords(flt.exclude)
    matching = [c for c in candidates if _wanted(c, flt) and _matches(c, include, exclude)]
    ranked = rank(matching, now=now)
    chosen = ranked[: max(0, size)]
    countries = [x.lower() for x in flt.countries]
    # Sections in the order of their best story; stories in rank order within each.
    sections: dict[str, list[Candidate]] = {}
    for c in chosen:
        sections.setdefault(_section(c, countries), []).append(c)
    return Digest(
        lang=lang,
        since=since,
        until=until,
        stories=tuple(chosen),
        total=len(matching),
        sections=tuple((code, tuple(stories)) for code, stories in sections.items()),
        events=tuple(events),
    )
