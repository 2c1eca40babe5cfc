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
from datetime import date, datetime
from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import models
from storage import search as fts

logger = logging.getLogger(__name__)

MAX_QUERY = 256  # characters of a user query we look at
EVENT_MATCH_CUTOFF = 70.0
CLOSE_MATCH = 0.85  # resolver scores run 0..1
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
    return await _story_page(
        session,
        _tagged("country", code.lower()),
        limit=limit,
        offset=offset,
        reader_lang=reader_lang,
    )


async def by_topic(
    session: AsyncSession, topic: str, *, limit: int = 5, offset: int = 0, reader_lang: str = "en"
) -> StoryPage:
    """Return the latest stories on a topic."""
    return await _story_page(
        session, _tagged("topic", topic), limit=limit, offset=offset, reader_lang=reader_lang
    )


async def country(
    session: AsyncSession,
    name: str,
    *,
    limit: int = 5,
    offset: int = 0,
    reader_lang: str = "en",
) -> CountryAnswer:
    """Resolve a country as typed (code, flag, any-language name, near miss) and page it."""
    from digests.understand import countries  # the resolver's data loads on first use

    query = name.strip()[:MAX_QUERY]
    match = countries.resolve(query) if query else None
    if match is None or not match.exact:
        found = countries.suggest(query, limit=3) if query else []
        suggestions = tuple(dict.fromkeys(m.code for m in found))
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
    page = await by_country(
        session, match.code, limit=limit, offset=offset, reader_lang=reader_lang
    )
    return CountryAnswer(query=query, code=match.code, exact=match.exact, page=page)


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
    chunk = wanted * 3
    story_ids: list[int] = []
    while True:
        # Newest articles first, walking the published index; a story counts once, at
        # its newest matching article.
        stmt = select(a.story_id).order_by(a.published.desc().nulls_last(), a.id.desc())
        if condition is not None:
            stmt = stmt.where(condition)
        if event_id is not None:
            # An event has few articles: start from them rather than from the newest.
            ae = models.ArticleEvent
            stmt = stmt.select_from(ae).join(a, a.id == ae.article_id)
            stmt = stmt.where(ae.event_id == event_id)
        rows = (await session.execute(stmt.limit(chunk))).scalars().all()
        story_ids = list(dict.fromkeys(rows))
        if len(story_ids) >= wanted or len(rows) < chunk:
            break
        chunk *= 4
    page_ids = story_ids[offset : offset + limit]
    views = await stories(session, page_ids, reader_lang=reader_lang)
    return StoryPage(
        stories=tuple(views), offset=offset, limit=limit, has_more=len(story_ids) > offset + limit
    )


async def stories(
    session: AsyncSession, story_ids: Sequence[int], *, reader_lang: str = "en"
) -> list[StoryView]:
    """Build the views of stories in the given order (two queries for any number)."""
    if not story_ids:
        return []
    a, t = models.Article, models.ArticleTag
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
            )
            .where(a.story_id.in_(story_ids))
            .order_by(a.published.desc().nulls_last(), a.id.desc())
        )
    ).all()
    tags = (
        await session.execute(
            select(t.article_id, t.value).where(
                t.kind == "country", t.article_id.in_([r.id for r in rows])
            )
        )
    ).all()
    countries_of: dict[int, list[str]] = {}
    for article_id, value in tags:
        countries_of.setdefault(article_id, []).append(value)
    by_story: dict[int, list[Any]] = {}
    for row in rows:
        by_story.setdefault(row.story_id, []).append(row)
    views = []
    for story_id in story_ids:
        members = by_story.get(story_id)
        if members:
            views.append(_view(story_id, members, countries_of, reader_lang))
    return views


def _view(
    story_id: int, members: list[Any], countries_of: dict[int, list[str]], reader_lang: str
) -> StoryView:
    """Pick the reader's version (newest in their language, else the newest) and sum up."""
    chosen = next((m for m in members if m.lang == reader_lang), members[0])
    ordered = [chosen, *(m for m in members if m is not chosen)]
    countries = dict.fromkeys(c for m in ordered for c in sorted(countries_of.get(m.id, ())))
    sources = dict.fromkeys(m.source_name for m in ordered if m.source_name)
    langs = dict.fromkeys(m.lang for m in ordered if m.lang and m.lang != "und")
    return StoryView(
        story_id=story_id,
        article_id=chosen.id,
        title=chosen.title,
        url=chosen.url or chosen.canonical_url,
        summary=chosen.summary or "",
        lang=chosen.lang,
        countries=tuple(countries),
        sources=tuple(sources),
        langs=tuple(langs),
        published=chosen.published,
    )


# ---- events ------------------------------------------------------------------------------


async def events(session: AsyncSession, *, today: date, limit: int = 10) -> list[EventView]:
    """Return upcoming events (soonest first), then recent ones (latest first)."""
    e = models.Event
    ends = func.coalesce(e.end, e.start)
    upcoming = (
        (
            await session.execute(
                select(e).where(ends >= today).order_by(e.start.asc(), e.id).limit(limit)
            )
        )
        .scalars()
        .all()
    )
    recent = (
        (
            await session.execute(
                select(e).where(ends < today).order_by(ends.desc(), e.id.desc()).limit(limit)
            )
        )
        .scalars()
        .all()
    )
    chosen = [*upcoming, *recent][:limit]
    counts = await _article_counts(session, [ev.id for ev in chosen])
    return [_event_view(ev, counts.get(ev.id, 0)) for ev in chosen]


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
    e = models.Event
    if event_id is not None:
        best_id: int | None = event_id
        score = 100.0
        others: tuple[str, ...] = ()
    else:
        query = name_or_key.strip()[:MAX_QUERY]
        if not utils.default_process(query):
            return None
        rows = (await session.execute(select(e.id, e.key, e.name, e.start))).all()
        if not rows:
            return None
        exact = next((r for r in rows if r.key == query.casefold()), None)
        best_id, score, others = (exact.id, 100.0, ()) if exact else _fuzzy_event(query, rows)
    if best_id is None:
        return None
    event = await session.get(e, best_id)
    if event is None:
        return None
    counts = await _article_counts(session, [best_id])
    page = await _story_page(
        session, None, limit=limit, offset=offset, reader_lang=reader_lang, event_id=best_id
    )
    return EventCard(
        event=_event_view(event, counts.get(best_id, 0)), page=page, score=score, others=others
    )


def _fuzzy_event(query: str, rows: Sequence[Any]) -> tuple[int | None, float, tuple[str, ...]]:
    """Match a query against event names and keys, in its own script and transliterated."""
    choices: list[str] = []
    for row in rows:
        choices.append(utils.default_process(row.name))
        choices.append(utils.default_process(row.key.replace("-", " ").replace("_", " ")))
    # Event names are mostly Latin: a Cyrillic query is also tried in Latin, not the reverse.
    variants = [query, *(to_latin(query),)] if _CYRILLIC.search(query) else [query]
    best: dict[int, float] = {}
    for variant in variants:
        for _, score, idx in process.extract(
            utils.default_process(variant),
            choices,
            scorer=fuzz.WRatio,
            processor=None,
            score_cutoff=EVENT_MATCH_CUTOFF,
            limit=10,
        ):
            row = idx // 2
            best[row] = max(best.get(row, 0.0), score)
    if not best:
        return None, 0.0, ()
    # Highest score wins; among equals (ICT Week 2024 / 2025), the latest edition.
    ranked = sorted(
        best.items(),
        key=lambda kv: (kv[1], rows[kv[0]].start or date.min),
        reverse=True,
    )
    top_row, top_score = ranked[0]
    others = tuple(rows[i].name for i, s in ranked[1:4] if s >= top_score - 5)
    return rows[top_row].id, top_score, others


async def _article_counts(session: AsyncSession, event_ids: Sequence[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    ae = models.ArticleEvent
    rows = await session.execute(
        select(ae.event_id, func.count()).where(ae.event_id.in_(event_ids)).group_by(ae.event_id)
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
    """Search every language; Latin and Cyrillic spellings of a word find each other."""
    query = words.strip()[:MAX_QUERY]
    limit, offset = max(1, limit), max(0, offset)
    wanted = offset + limit + 1
    variants = [query, *transliterations(query)]
    scored: dict[int, float] = {}
    for variant in variants:
        hits = await fts.search(session, variant, limit=wanted * 3)
        if not hits:
            continue
        top = max(h.rank for h in hits) or 1.0
        for hit in hits:
            # Ranks of different queries are not comparable; normalise each to its best.
            score = hit.rank / top if top > 0 else 0.0
            scored[hit.story_id] = max(scored.get(hit.story_id, float("-inf")), score)
    story_ids = sorted(scored, key=lambda sid: (-scored[sid], -sid))
    page_ids = story_ids[offset : offset + limit]
    views = await stories(session, page_ids, reader_lang=reader_lang)
    return StoryPage(
        stories=tuple(views), offset=offset, limit=limit, has_more=len(story_ids) > offset + limit
    )


# Uzbek Latin ↔ Cyrillic (1995 alphabet). Apostrophe variants of oʻ/gʻ all count.
_APOSTROPHES = "ʻʼ'‘’`"
_LAT_TO_CYR_MULTI = [
    ("shch", "щ"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("yo", "ё"),
    ("yu", "ю"),
    ("ya", "я"),
    ("ye", "е"),
    ("oʻ", "ў"),
    ("gʻ", "ғ"),
]
_LAT_TO_CYR = dict(zip("abdefghijklmnopqrstuvxyzʼ", "абдефгҳижклмнопқрстувхйзъ", strict=True))
_CYR_TO_LAT = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "gʻ",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "j",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "қ": "q",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ў": "oʻ",
    "ф": "f",
    "х": "x",
    "ҳ": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "ʼ",
    "ь": "",
    "ы": "i",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "ң": "ng",
    "ә": "a",
    "ө": "o",
    "ү": "u",
    "ұ": "u",
    "һ": "h",
    "і": "i",
    "ӣ": "i",
    "ӯ": "u",
    "ҷ": "j",
}
_APOS = re.compile(f"([og])[{_APOSTROPHES}]", re.IGNORECASE)


def to_cyrillic(text: str) -> str:
    """Transliterate Uzbek Latin to Cyrillic (``Toshkent`` → ``тошкент``), lowercased."""
    s = _APOS.sub(lambda m: m.group(1) + "ʻ", text.casefold())
    out: list[str] = []
    i = 0
    while i < len(s):
        for lat, cyr in _LAT_TO_CYR_MULTI:
            if s.startswith(lat, i):
                out.append(cyr)
                i += len(lat)
                break
        else:
            ch = s[i]
            # "e" starts a word as э, inside it as е.
            if ch == "e" and (i == 0 or not s[i - 1].isalpha()):
                out.append("э")
            else:
                out.append(_LAT_TO_CYR.get(ch, ch))
            i += 1
    return "".join(out)


def to_latin(text: str) -> str:
    """Transliterate Cyrillic (Uzbek first, then its neighbours) to Uzbek Latin."""
    s = text.casefold()
    out: list[str] = []
    for i, ch in enumerate(s):
        if ch == "е" and (i == 0 or not s[i - 1].isalpha()):
            out.append("ye")
        else:
            out.append(_CYR_TO_LAT.get(ch, ch))
    return "".join(out)


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-zA-Z]")


def transliterations(text: str) -> list[str]:
    """Return the query in the other script (Latin ↔ Cyrillic), if it differs."""
    variants: list[str] = []
    if _CYRILLIC.search(text):
        variants.append(to_latin(text))
    if _LATIN.search(text):
        variants.append(to_cyrillic(text))
    return [v for v in variants if v and v != text.casefold()]


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
