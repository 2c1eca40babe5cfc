"""Lookups behind the bot's commands and the CLI: stories by country, topic, event, search.

Every function takes a session and returns frozen views; none commits except where it
writes (``remember_chat`` / ``set_ui_lang`` write but leave the commit to the caller).
A list of stories costs a fixed number of queries whatever its length (no N+1): one to
find the page's stories, one for their articles, one for their countries.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digests.translit import CYRILLIC, to_latin, transliterations
from digests.translit import to_cyrillic as to_cyrillic  # re-exported: callers and tests use it
from storage import models
from storage import search as fts
from storage import shown as _shown

logger = logging.getLogger(__name__)

MAX_QUERY = 256  # characters of a user query we look at
EVENT_MATCH_CUTOFF = 70.0
FUZZY_MEMO = 512  # fuzzy event answers remembered per database
EVENT_ARTICLES_AT_ONCE = 1_000  # an event with more is paged by the database
CLOSE_MATCH = 0.85  # resolver scores run 0..1
SUGGEST_MIN = 0.8  # weaker suggestions are not offered
CLEAR_MARGIN = 0.1


@dataclass(frozen=True, slots=True)
class StoryView:
    """A story as a reader sees it: one version (theirs, where it exists) plus its reach."""

    story_id: int
    article_id: int
    title: str
    url: str | None
    summary: str
    lang: str
    countries: tuple[str, ...]
    sources: tuple[str, ...]
    langs: tuple[str, ...]
    published: datetime | None

    def to_json(self) -> dict[str, Any]:
        """Return the story in the CLI's JSON shape."""
        return {
            "story": self.story_id,
            "id": self.article_id,
            "title": self.title,
            "url": self.url,
            "summary": self.summary,
            "lang": self.lang,
            "countries": list(self.countries),
            "sources": list(self.sources),
            "langs": list(self.langs),
            "published": self.published.isoformat() if self.published else None,
        }


@dataclass(frozen=True, slots=True)
class StoryPage:
    """One page of stories, and whether there are more after it."""

    stories: tuple[StoryView, ...]
    offset: int
    limit: int
    has_more: bool

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.stories)


@dataclass(frozen=True, slots=True)
class CountryAnswer:
    """What ``/country NAME`` found: a country (exactly or as the closest), or suggestions."""

    query: str
    code: str | None
    exact: bool
    suggestions: tuple[str, ...] = ()
    page: StoryPage | None = None
    # Several countries asked at once ("kz uz"): every one of them, the first in ``code``.
    codes: tuple[str, ...] = ()
    # A country the bot does not cover (🇺🇸): the answer says what it covers instead.
    outside: bool = False


@dataclass(frozen=True, slots=True)
class EventView:
    """An event with how many articles mention it."""

    id: int
    key: str
    name: str
    start: date | None
    end: date | None
    place: str | None
    country: str | None
    articles: int

    def to_json(self) -> dict[str, Any]:
        """Return the event in the CLI's JSON shape."""
        return {
            "key": self.key,
            "name": self.name,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "place": self.place,
            "country": self.country,
            "articles": self.articles,
        }


@dataclass(frozen=True, slots=True)
class EventCard:
    """One event and the stories about it."""

    event: EventView
    page: StoryPage
    score: float = 100.0
    others: tuple[str, ...] = field(default=())


# ---- stories -----------------------------------------------------------------------------


async def latest(
    session: AsyncSession, *, limit: int = 5, offset: int = 0, reader_lang: str = "en"
) -> StoryPage:
    """Return the latest stories across the region."""
    return await _story_page(session, None, limit=limit, offset=offset, reader_lang=reader_lang)


async def by_country(
    session: AsyncSession, code: str, *, limit: int = 5, offset: int = 0, reader_lang: str = "en"
) -> StoryPage:
    """Return the latest stories about a country (ISO alpha-2 code)."""
    return await by_countries(session, (code,), limit=limit, offset=offset, reader_lang=reader_lang)


async def by_countries(
    session: AsyncSession,
    codes: Sequence[str],
    *,
    limit: int = 5,
    offset: int = 0,
    reader_lang: str = "en",
) -> StoryPage:
    """Return the latest stories about any of several countries (ISO alpha-2 codes)."""
    wanted = tuple(dict.fromkeys(c.lower() for c in codes))
    t = models.ArticleTag
    condition = (
        _tagged("country", wanted[0])
        if len(wanted) == 1
        else exists().where(
            t.article_id == models.Article.id, t.kind == "country", t.value.in_(wanted)
        )
    )
    return await _story_page(
        session, condition, limit=limit, offset=offset, reader_lang=reader_lang
    )


async def by_topic(
    session: AsyncSession, topic: str, *, limit: int = 5, offset: int = 0, reader_lang: str = "en"
) -> StoryPage:
    """Return the latest stories on a topic."""
    return await _story_page(
        session, _tagged("topic", topic), limit=limit, offset=offset, reader_lang=reader_lang
    )


def covered() -> tuple[str, ...]:
    """Return the countries the bot covers (the region's five), in the data's order."""
    from digests.understand import countries  # the resolver's data loads on first use

    return tuple(code for code, entry in countries._countries().items() if entry.get("focus"))


_SEVERAL = re.compile(r"[\s,;/&+]+")


async def country(
    session: AsyncSession,
    name: str,
    *,
    limit: int = 5,
    offset: int = 0,
    reader_lang: str = "en",
) -> CountryAnswer:
    """Resolve a country as typed (code, flag, any-language name, near miss) and page it.

    Several countries ("kz uz", "🇰🇿🇺🇿", "Kazakhstan, Uzbekistan") are paged together; a
    country outside the region is answered with what the bot covers, not with the few
    regional stories that mention it.
    """
    from digests.understand import countries  # the resolver's data loads on first use

    query = name.strip()[:MAX_QUERY]
    match = countries.resolve(query) if query else None
    if match is None or not match.exact:
        several = _several(query)
        if several:
            return await _countries_answer(
                session, query, several, limit=limit, offset=offset, reader_lang=reader_lang
            )
        found = countries.suggest(query, limit=3) if query else []
        # Only near misses are worth offering: "Franse" (0.83) is France, but "Narnia"
        # scores 0.77 against Armenia, a guess that would only puzzle the reader.
        suggestions = tuple(dict.fromkeys(m.code for m in found if m.score >= SUGGEST_MIN))
        runner_up = max(
            (m.score for m in found if match is None or m.code != match.code), default=0.0
        )
        # A near miss that clearly beats the rest is answered; otherwise ask.
        clear = (
            match is not None
            and match.score >= CLOSE_MATCH
            and (runner_up <= match.score - CLEAR_MARGIN)
        )
        if not clear:
            return CountryAnswer(query=query, code=None, exact=False, suggestions=suggestions)
    assert match is not None
    if match.code not in covered():
        return CountryAnswer(query=query, code=match.code, exact=match.exact, outside=True)
    page = await by_country(
        session, match.code, limit=limit, offset=offset, reader_lang=reader_lang
    )
    return CountryAnswer(
        query=query, code=match.code, exact=match.exact, page=page, codes=(match.code,)
    )


def _several(query: str) -> tuple[str, ...]:
    """Return the countries a query names one by one ("kz uz", "🇰🇿🇺🇿"), or () if not all do."""
    from digests.understand import countries

    squeezed = query.replace(" ", "")
    if len(squeezed) >= 4 and all(0x1F1E6 <= ord(ch) <= 0x1F1FF for ch in squeezed):
        parts = [squeezed[i : i + 2] for i in range(0, len(squeezed), 2)]  # 🇰🇿🇺🇿
    else:
        parts = [p for p in _SEVERAL.split(query) if p]
    if len(parts) < 2:
        return ()
    codes = []
    for part in parts:
        match = countries.resolve(part)
        if match is None or not match.exact:
            return ()
        codes.append(match.code)
    unique = tuple(dict.fromkeys(codes))
    return unique if len(unique) >= 2 else ()


async def _countries_answer(
    session: AsyncSession,
    query: str,
    codes: tuple[str, ...],
    *,
    limit: int,
    offset: int,
    reader_lang: str,
) -> CountryAnswer:
    inside = tuple(c for c in codes if c in covered())
    if not inside:
        return CountryAnswer(query=query, code=codes[0], exact=True, outside=True, codes=codes)
    page = await by_countries(session, inside, limit=limit, offset=offset, reader_lang=reader_lang)
    return CountryAnswer(query=query, code=inside[0], exact=True, page=page, codes=inside)


def _not_future(table: Any = models.Article) -> ColumnElement[bool]:
    """Return the condition that an article's date, if it has one, is not in the future.

    A feed that dates a story two years ahead (a typo, a time-zone slip) would otherwise
    sit on top of every "latest" list until that day came.
    """
    return or_(table.published.is_(None), table.published <= datetime.now(UTC))


def _tagged(kind: str, value: str) -> ColumnElement[bool]:
    t = models.ArticleTag
    return exists().where(t.article_id == models.Article.id, t.kind == kind, t.value == value)


async def _story_page(
    session: AsyncSession,
    condition: ColumnElement[bool] | None,
    *,
    limit: int,
    offset: int,
    reader_lang: str,
    event_id: int | None = None,
) -> StoryPage:
    """Find the stories whose newest matching article is newest, then build their views."""
    a = models.Article
    limit, offset = max(1, limit), max(0, offset)
    wanted = offset + limit + 1
    # Dated articles newest first, then undated ones. Two plain orders rather than one
    # "published DESC NULLS LAST": PostgreSQL can walk the published index backwards for
    # the first (it cannot for NULLS LAST, and sorted every match: ~300 ms in 100,000).
    orders = (
        (a.published.is_not(None), (a.published.desc(), a.id.desc())),
        (a.published.is_(None), (a.id.desc(),)),
    )
    story_ids: list[int] = []
    for when, order in orders:
        chunk = wanted * 3
        while True:
            # A story counts once, at its newest matching article.
            stmt = (
                select(a.story_id).where(when, _shown.article(a), _not_future(a)).order_by(*order)
            )
            if condition is not None:
                stmt = stmt.where(condition)
            if event_id is not None:
                # An event has few articles: start from them rather than from the newest.
                ae = models.ArticleEvent
                stmt = stmt.select_from(ae).join(a, a.id == ae.article_id)
                stmt = stmt.where(ae.event_id == event_id)
            rows = (await session.execute(stmt.limit(chunk))).scalars().all()
            found = list(dict.fromkeys([*story_ids, *rows]))
            if len(found) >= wanted or len(rows) < chunk:
                break
            chunk *= 4
        story_ids = found
        if len(story_ids) >= wanted:
            break
    page_ids = story_ids[offset : offset + limit]
    views = await stories(session, page_ids, reader_lang=reader_lang)
    return StoryPage(
        stories=tuple(views), offset=offset, limit=limit, has_more=len(story_ids) > offset + limit
    )


async def stories(
    session: AsyncSession, story_ids: Sequence[int], *, reader_lang: str = "en"
) -> list[StoryView]:
    """Build the views of stories in the given order (one query for any number)."""
    if not story_ids:
        return []
    a, t = models.Article, models.ArticleTag
    # Each article's countries ride along as one comma-joined string (codes hold no comma).
    join = func.string_agg if session.get_bind().dialect.name == "postgresql" else func.group_concat
    countries = (
        select(join(t.value, ","))
        .where(t.article_id == a.id, t.kind == "country")
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(
                a.id,
                a.story_id,
                a.title,
                a.url,
                a.canonical_url,
                a.summary,
                a.lang,
                a.source_name,
                a.published,
                countries.label("countries"),
            )
            .where(a.story_id.in_(story_ids), _shown.article(a), _not_future(a))
            .order_by(a.published.desc().nulls_last(), a.id.desc())
        )
    ).all()
    countries_of = {r.id: r.countries.split(",") for r in rows if r.countries}
    by_story: dict[int, list[Any]] = {}
    for row in rows:
        by_story.setdefault(row.story_id, []).append(row)
    views = []
    for story_id in story_ids:
        members = by_story.get(story_id)
        if members:
            views.append(_view(story_id, members, countries_of, reader_lang))
    return views


def reader_first(members: Sequence[Any], reader_lang: str) -> list[Any]:
    """Put the reader's version first: the newest in their language, else the newest.

    ``members`` are a story's article rows, newest first; the rest keep their order.
    """
    # A UI language may name a script too ("uz-Cyrl"); articles carry the language alone.
    lang = reader_lang.split("-", 1)[0]
    chosen = next((m for m in members if m.lang == lang), members[0])
    return [chosen, *(m for m in members if m is not chosen)]


def reach(ordered: Sequence[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the sources and the languages that tell a story, in the given order."""
    sources = dict.fromkeys(m.source_name for m in ordered if m.source_name)
    langs = dict.fromkeys(m.lang for m in ordered if m.lang and m.lang != "und")
    return tuple(sources), tuple(langs)


def _view(
    story_id: int, members: list[Any], countries_of: dict[int, list[str]], reader_lang: str
) -> StoryView:
    """Pick the reader's version (newest in their language, else the newest) and sum up."""
    ordered = reader_first(members, reader_lang)
    chosen = ordered[0]
    countries = dict.fromkeys(c for m in ordered for c in sorted(countries_of.get(m.id, ())))
    sources, langs = reach(ordered)
    return StoryView(
        story_id=story_id,
        article_id=chosen.id,
        title=chosen.title,
        url=chosen.url or chosen.canonical_url,
        summary=chosen.summary or "",
        lang=chosen.lang,
        countries=tuple(countries),
        sources=sources,
        langs=langs,
        published=chosen.published,
    )


# ---- events ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of /events (one entry per event key) and whether more follow."""

    events: tuple[EventView, ...]
    offset: int
    limit: int
    has_more: bool

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.events)


async def events(
    session: AsyncSession, *, today: date, limit: int = 10, offset: int = 0
) -> list[EventView]:
    """Return upcoming events (soonest first), then recent ones (latest first)."""
    return list((await events_page(session, today=today, limit=limit, offset=offset)).events)


async def events_page(
    session: AsyncSession, *, today: date, limit: int = 10, offset: int = 0
) -> EventPage:
    """Page upcoming events (soonest first), then recent ones (latest first), one per key.

    Articles name one event in several ways ("ICT Week 2025", "ICTWeek-2025"); rows the
    understanding keys alike are one line, carrying the sum of their articles.
    """
    e = models.Event
    ends = func.coalesce(e.end, e.start)
    limit, offset = max(1, limit), max(0, offset)
    wanted = offset + limit + 1
    queries = (
        select(e).where(ends >= today, _shown.event(e)).order_by(e.start.asc(), e.id),
        select(e).where(ends < today, _shown.event(e)).order_by(ends.desc(), e.id.desc()),
    )
    groups: dict[str, list[models.Event]] = {}
    for stmt in queries:
        chunk = wanted * 3
        while True:
            rows = (await session.execute(stmt.limit(chunk))).scalars().all()
            keys = {_display_key(row) for row in rows}
            if len(keys | groups.keys()) >= wanted or len(rows) < chunk:
                break
            chunk *= 4
        for row in rows:  # a key met among the coming events stays where it was met
            groups.setdefault(_display_key(row), []).append(row)
        if len(groups) >= wanted:
            break
    chosen = list(groups.values())[offset : offset + limit]
    counts = await _article_counts(session, [ev.id for rows_of_key in chosen for ev in rows_of_key])
    views = tuple(
        _event_view(rows_of_key[0], sum(counts.get(ev.id, 0) for ev in rows_of_key))
        for rows_of_key in chosen
    )
    return EventPage(
        events=views, offset=offset, limit=limit, has_more=len(groups) > offset + limit
    )


def _display_key(event: models.Event) -> str:
    """Return the key one line of /events stands for: the understanding's key of the name."""
    return _event_key(event.name) or event.key


async def event_card(
    session: AsyncSession,
    name_or_key: str,
    *,
    event_id: int | None = None,
    limit: int = 5,
    offset: int = 0,
    reader_lang: str = "en",
) -> EventCard | None:
    """Find an event by id, key or name (fuzzy, any script); return it with its stories."""
    known = await _event_index(session)
    if event_id is not None:
        found = known.by_id.get(event_id)
        score = 100.0
        others: tuple[str, ...] = ()
    else:
        query = name_or_key.strip()[:MAX_QUERY]
        if not utils.default_process(query):
            return None
        found, score, others = _find_event(known, query)
    if found is None:
        return None
    page, articles = await _event_page(
        session, found.id, limit=limit, offset=offset, reader_lang=reader_lang
    )
    if not articles:
        return None  # reported by articles that are not tech news only
    view = EventView(
        id=found.id,
        key=found.key,
        name=found.name,
        start=found.start,
        end=found.end,
        place=found.place,
        country=found.country,
        articles=articles,
    )
    return EventCard(event=view, page=page, score=score, others=others)


async def _event_page(
    session: AsyncSession, event_id: int, *, limit: int, offset: int, reader_lang: str
) -> tuple[StoryPage, int]:
    """Page an event's stories and count its articles, in one query for most events."""
    a, ae = models.Article, models.ArticleEvent
    rows = (
        await session.execute(
            select(a.id, a.story_id, a.published)
            .select_from(ae)
            .join(a, a.id == ae.article_id)
            .where(ae.event_id == event_id, _shown.article(a), _not_future(a))
            .limit(EVENT_ARTICLES_AT_ONCE + 1)
        )
    ).all()
    if len(rows) > EVENT_ARTICLES_AT_ONCE:  # a very big event: let the database sort
        counts = await _article_counts(session, [event_id])
        page = await _story_page(
            session, None, limit=limit, offset=offset, reader_lang=reader_lang, event_id=event_id
        )
        return page, counts.get(event_id, 0)
    # Newest dated articles first, then undated ones; a story counts at its newest article.
    ordered = sorted(
        rows,
        key=lambda r: (1, r.published.timestamp(), r.id) if r.published else (0, 0.0, r.id),
        reverse=True,
    )
    limit, offset = max(1, limit), max(0, offset)
    story_ids = list(dict.fromkeys(r.story_id for r in ordered))
    views = await stories(session, story_ids[offset : offset + limit], reader_lang=reader_lang)
    page = StoryPage(
        stories=tuple(views), offset=offset, limit=limit, has_more=len(story_ids) > offset + limit
    )
    return page, len(rows)


def _find_event(
    known: _EventIndex, query: str
) -> tuple[_KnownEvent | None, float, tuple[str, ...]]:
    """Resolve an event by key, then by name or yearless key (latest edition), then fuzzily."""
    if not known.rows:
        return None, 0.0, ()
    key = _event_key(query)
    exact = known.by_key.get(query.casefold()) or known.by_key.get(key)
    if exact is not None:
        return exact, 100.0, ()
    wanted = utils.default_process(query)
    named = known.by_name.get(wanted) or known.by_base.get(key)
    if named:
        # "ICT Week" names every edition: the latest is meant, the others are offered.
        first, *rest = named
        return first, 100.0, tuple(r.name for r in rest[:3])
    # Readers ask for the same few events; an answer holds while the index does.
    found = known.fuzzy.get(wanted)
    if found is None:
        found = _fuzzy_event(query, known)
        if len(known.fuzzy) >= FUZZY_MEMO:
            known.fuzzy.clear()
        known.fuzzy[wanted] = found
    return found


def _event_key(name: str) -> str:
    """Return an event name's key as the understanding makes it ("" when it has none)."""
    from digests.understand import events as event_names  # the data loads on first use

    try:
        return event_names.key(name)
    except (ValueError, LookupError):  # a query is not always a name
        return ""


@dataclass(frozen=True, slots=True)
class _KnownEvent:
    id: int
    key: str
    name: str
    start: date | None
    end: date | None
    place: str | None
    country: str | None


@dataclass(frozen=True, slots=True)
class _EventIndex:
    """Event names prepared for matching, valid while the events table is unchanged."""

    stamp: tuple[int, ...]
    rows: tuple[_KnownEvent, ...]
    by_id: dict[int, _KnownEvent]
    choices: tuple[str, ...]  # processed name and key of each row, then its aliases
    choice_rows: tuple[int, ...]  # the row of each choice
    by_key: dict[str, _KnownEvent]
    by_name: dict[str, tuple[_KnownEvent, ...]]  # processed name → editions, latest first
    by_base: dict[str, tuple[_KnownEvent, ...]]  # key without its year → editions
    fuzzy: dict[str, tuple[_KnownEvent | None, float, tuple[str, ...]]] = field(
        default_factory=dict
    )


# One index per database. Events are only ever added, never renamed, and a stored event
# only ever gains a missing date, place or country. So the number of events, the highest
# id and how many have each of those fields tell whether an index is still current: one
# cheap query per lookup instead of loading and preparing every event.
_event_indexes: dict[str, _EventIndex] = {}


async def _event_index(session: AsyncSession) -> _EventIndex:
    e = models.Event
    counted = (
        await session.execute(
            select(
                func.count(),
                func.max(e.id),
                func.count(e.start),
                func.count(e.end),
                func.count(e.place),
                func.count(e.country),
            )
        )
    ).one()
    aliases = (await session.execute(select(func.count()).select_from(models.EventAlias))).one()
    stamp = tuple(int(n or 0) for n in (*counted, *aliases))
    where = session.get_bind().engine.url.render_as_string(hide_password=True)
    known = _event_indexes.get(where)
    if known is not None and known.stamp == stamp:
        return known
    result = await session.execute(select(e.id, e.key, e.name, e.start, e.end, e.place, e.country))
    rows = tuple(
        sorted(
            (_KnownEvent(*r) for r in result),
            key=lambda r: (r.start or date.min, r.id),
            reverse=True,
        )
    )
    other_names: dict[int, list[str]] = {}
    for event_id, alias in await session.execute(
        select(models.EventAlias.event_id, models.EventAlias.alias)
    ):
        other_names.setdefault(event_id, []).append(alias)
    choices: list[str] = []
    choice_rows: list[int] = []
    by_name: dict[str, list[_KnownEvent]] = {}
    by_base: dict[str, list[_KnownEvent]] = {}
    for k, row in enumerate(rows):
        names = dict.fromkeys(
            utils.default_process(n) for n in (row.name, *other_names.get(row.id, ()))
        )
        key_words = utils.default_process(row.key.replace("-", " ").replace("_", " "))
        for name in (*names, key_words):
            choices.append(name)
            choice_rows.append(k)
        for name in names:
            by_name.setdefault(name, []).append(row)
        by_base.setdefault(_YEAR_TAIL.sub("", row.key), []).append(row)
    known = _EventIndex(
        stamp=stamp,
        rows=rows,
        choices=tuple(choices),
        choice_rows=tuple(choice_rows),
        by_id={row.id: row for row in rows},
        by_key={row.key: row for row in rows},
        by_name={k: tuple(v) for k, v in by_name.items()},
        by_base={k: tuple(v) for k, v in by_base.items()},
    )
    if len(_event_indexes) > 16:  # a process normally serves one database
        _event_indexes.clear()
    _event_indexes[where] = known
    return known


_YEAR_TAIL = re.compile(r"-(?:19|20)\d\d$")


def _fuzzy_event(
    query: str, known: _EventIndex
) -> tuple[_KnownEvent | None, float, tuple[str, ...]]:
    """Match a query against event names and keys, in its own script and transliterated."""
    # Event names are mostly Latin: a Cyrillic query is also tried in Latin, not the reverse,
    # and, since Russian writes an English g as дж (Диджитал), with that read as g too.
    variants = [query]
    if CYRILLIC.search(query):
        latin = to_latin(query)
        variants += [latin, latin.replace("dj", "g")]
    best: dict[int, float] = {}
    for variant in dict.fromkeys(utils.default_process(v) for v in variants):
        for _, score, idx in process.extract(
            variant,
            known.choices,
            scorer=fuzz.WRatio,
            processor=None,
            score_cutoff=EVENT_MATCH_CUTOFF,
            limit=10,
        ):
            row = known.choice_rows[idx]
            if score > best.get(row, 0.0) and _covers(variant, known.choices[idx]):
                best[row] = score
    if not best:
        return None, 0.0, ()
    # Highest score wins; among equals (ICT Week 2024 / 2025), the latest edition, which
    # comes first in the index.
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
    top_row, top_score = ranked[0]
    others = tuple(known.rows[i].name for i, s in ranked[1:4] if s >= top_score - 5)
    return known.rows[top_row], top_score, others


def _covers(query: str, choice: str) -> bool:
    """Tell whether most words of the query are (nearly) words of the name.

    WRatio alone scores "samarkand startup week" 86 against "ict week 2025": a shared tail
    is not the same event. Two words in three must each be close to a word of the name.
    """
    words = [w for w in query.split() if len(w) >= 3 and not w.isdigit()]
    if not words:
        return True
    names = choice.split()
    close = sum(
        1 for w in words if process.extractOne(w, names, scorer=fuzz.ratio, score_cutoff=70)
    )
    return close * 3 >= len(words) * 2


async def _article_counts(session: AsyncSession, event_ids: Sequence[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    a, ae = models.Article, models.ArticleEvent
    rows = await session.execute(
        select(ae.event_id, func.count())
        .join(a, a.id == ae.article_id)
        .where(ae.event_id.in_(event_ids), _shown.article(a))
        .group_by(ae.event_id)
    )
    return {event_id: count for event_id, count in rows.all()}


def _event_view(event: models.Event, articles: int) -> EventView:
    return EventView(
        id=event.id,
        key=event.key,
        name=event.name,
        start=event.start,
        end=event.end,
        place=event.place,
        country=event.country,
        articles=articles,
    )


# ---- search ------------------------------------------------------------------------------


async def search(
    session: AsyncSession,
    words: str,
    *,
    limit: int = 5,
    offset: int = 0,
    reader_lang: str = "en",
) -> StoryPage:
    """Search every language; each word matches in Latin or Cyrillic spelling."""
    query = words.strip()[:MAX_QUERY]
    limit, offset = max(1, limit), max(0, offset)
    wanted = offset + limit + 1
    chunk = wanted * 3
    while True:
        # One query: every word must match, in its own script or transliterated, so
        # "IT Park Toshkent" finds "IT Park" in Latin next to "Тошкентда".
        hits = await fts.search(session, query, limit=chunk, alternatives=transliterations)
        story_ids = list(dict.fromkeys(hit.story_id for hit in hits))
        if len(story_ids) >= wanted or len(hits) < chunk:
            break
        chunk *= 4
    page_ids = story_ids[offset : offset + limit]
    views = await stories(session, page_ids, reader_lang=reader_lang)
    return StoryPage(
        stories=tuple(views), offset=offset, limit=limit, has_more=len(story_ids) > offset + limit
    )


# ---- chats (the reader's language) ---------------------------------------------------------


async def chat_lang(session: AsyncSession, chat_id: int) -> str | None:
    """Return the UI language a chat chose, or None for a chat we have not met."""
    s = models.Subscriber
    return (await session.execute(select(s.ui_lang).where(s.chat_id == chat_id))).scalar()


async def remember_chat(
    session: AsyncSession, *, chat_id: int, chat_type: str, title: str | None, ui_lang: str
) -> models.Subscriber:
    """Record a chat as a Subscriber (active, no subscription); keep a language it chose."""
    s = models.Subscriber
    subscriber = (await session.execute(select(s).where(s.chat_id == chat_id))).scalar()
    if subscriber is None:
        subscriber = s(chat_id=chat_id, chat_type=chat_type, title=title, ui_lang=ui_lang)
        session.add(subscriber)
    else:
        subscriber.title, subscriber.active, subscriber.deactivated_reason = title, True, None
    await session.flush()
    return subscriber


async def set_ui_lang(
    session: AsyncSession, *, chat_id: int, chat_type: str, title: str | None, ui_lang: str
) -> None:
    """Set the UI language of a chat, recording the chat if it is new."""
    await remember_chat(session, chat_id=chat_id, chat_type=chat_type, title=title, ui_lang=ui_lang)
    s = models.Subscriber
    await session.execute(update(s).where(s.chat_id == chat_id).values(ui_lang=ui_lang))
