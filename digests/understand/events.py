"""Named events (forums, weeks, summits, hackathons …) with normalised keys, dates and place."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from digests.model import Event
from digests.understand import countries, dates
from digests.understand._data import load
from digests.understand._gazetteer import Hit, tokens
from digests.understand._text import transliterate

_YEAR_TAIL = re.compile(r"[\s\-–—]*((?:19|20)\d{2})$")
_QUOTED = r"[«\"“„]([^«»\"“”„\n]{2,60})[»\"”“]"
_LATIN_WORD = r"(?:[A-Z][\w&+.'’]*(?:-[\w&+.'’]+)*|[A-Z0-9]{2,}(?:-\w+)*|(?:19|20)\d{2})"
_LATIN_RUN = re.compile(
    rf"{_LATIN_WORD}(?:[ \-–](?:{_LATIN_WORD}|of|and|for|the|&|on|in)(?=[\s\-–.,;:!?»\"”)]|$))*"
)
_AFTER_WINDOW = 320  # characters after an event's mention where its dates are usually given
_BEFORE_WINDOW = 120


@dataclass(frozen=True, slots=True)
class _Mention:
    name: str
    start: int
    end: int


@cache
def _vocabulary() -> tuple[frozenset[str], re.Pattern[str], re.Pattern[str], frozenset[str]]:
    data = load("events")
    latin = frozenset(w.casefold() for w in data["latin"])
    before = "|".join(re.escape(w) for w in sorted(data["before"], key=len, reverse=True))
    after = "|".join(re.escape(w) for w in sorted(data["after"], key=len, reverse=True))
    # the event word in any case, the name after it capitalised: "forum Astana Finance Days"
    before_re = re.compile(
        rf"\b(?i:{before})\w*\s+"
        rf"(?:{_QUOTED}|(?P<run>{_LATIN_WORD}(?:[ \-–]{_LATIN_WORD})*))"
    )
    after_re = re.compile(rf"{_QUOTED}\s+(?:[\w-]+\s+)?(?i:{after})\w*")
    return latin, before_re, after_re, frozenset(w.casefold() for w in data["not_names"])


@cache
def _russian_named() -> re.Pattern[str]:
    heads = "|".join(re.escape(w) for w in load("events")["russian_heads"])
    # "Ташкентский международный инвестиционный форум 2025": a place adjective opens the name
    return re.compile(
        rf"\b([А-ЯЁ][а-яё]+(?:ий|ый|ой|ая|ое|ые|ого|ой|ом)\s+(?:[а-яё-]+\s+){{0,3}}?"
        rf"(?:{heads})[а-яё]*(?:[\s-]+(?:19|20)\d{{2}})?)"
    )


def key(name: str, year: int | None = None) -> str:
    """Return the language-independent key of an event name ("ICT Week-2025" → ict-week-2025)."""
    base, name_year = split_year(name)
    words = re.findall(r"[a-z0-9]+", transliterate(base))
    year = name_year or year
    return "-".join([*words, str(year)] if year else words)


def split_year(name: str) -> tuple[str, int | None]:
    """Split a trailing year off an event name (Digital Bridge-2022 → Digital Bridge, 2022)."""
    match = _YEAR_TAIL.search(name.strip())
    if not match:
        return name.strip(), None
    return name[: match.start()].strip(), int(match.group(1))


def _clean(name: str, stop: frozenset[str]) -> str:
    words = name.strip(" -–—.,:;").split()
    while words and words[0].casefold() in stop:
        words.pop(0)
    while words and words[-1].casefold() in {"of", "and", "for", "the", "&", "on", "in"}:
        words.pop()
    return " ".join(words)


def _distinctive(name: str, nouns: frozenset[str], stop: frozenset[str]) -> bool:
    """Tell whether a name says which event it is, not only that it is one ("the Forum")."""
    words = [w.casefold() for w in re.findall(r"[^\W_]+", split_year(name)[0])]
    return any(w not in nouns and w not in stop and not w.isdigit() for w in words)


def _mentions(text: str) -> list[_Mention]:
    nouns, before_re, after_re, stop = _vocabulary()
    found: list[_Mention] = []
    for match in _LATIN_RUN.finditer(text):
        run = match.group()
        words = [w.casefold() for w in re.split(r"[ \-–]+", run)]
        joined = " ".join(words)
        if any(w in nouns for w in words) or "demo day" in joined:
            name = _clean(run, stop)
            if name and _distinctive(name, nouns, stop):
                found.append(_Mention(name, match.start(), match.end()))
    for match in before_re.finditer(text):
        name = match.group(1) or match.group("run") or ""
        name = _clean(name, stop)
        if name and _distinctive(name, nouns, stop):
            found.append(_Mention(name, match.start(), match.end()))
    for match in _russian_named().finditer(text):
        first = match.group(1).split()[0]
        # only when the first word comes from a place (Ташкентский, Казахстанский)
        if any(True for _ in countries.gazetteer().find(tokens(first))):
            found.append(_Mention(match.group(1), match.start(), match.end()))
    for match in after_re.finditer(text):
        name = _clean(match.group(1), stop)
        if name and _distinctive(name, nouns, stop):
            found.append(_Mention(name, match.start(), match.end()))
    # "at Digital Bridge-2022": a bare name counts once the text has called it an event
    known = {key(split_year(m.name)[0]) for m in found}
    if known:
        for match in _LATIN_RUN.finditer(text):
            name = _clean(match.group(), stop)
            if name and key(split_year(name)[0]) in known:
                found.append(_Mention(name, match.start(), match.end()))
    return found


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    left = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos))
    right_candidates = [i for i in (text.find(". ", pos), text.find("\n", pos)) if i != -1]
    return left + 1, (min(right_candidates) if right_candidates else len(text))


def extract(
    text: str,
    *,
    published: date | None,
    places: Sequence[Hit] = (),
    mentions: Sequence[dates.DateMention] | None = None,
) -> tuple[Event, ...]:
    """Return the named events in text with their dates and place, one per key."""
    found = _mentions(text)
    if not found:
        return ()
    date_mentions = list(mentions) if mentions is not None else dates.find(text)
    # group mentions by name without year; a name with a year gives the group its name
    groups: dict[str, list[_Mention]] = {}
    for mention in found:
        groups.setdefault(key(split_year(mention.name)[0]), []).append(mention)
    # a bare mention (Digital Bridge) belongs to an event only when a longer one confirms it
    events: list[Event] = []
    for base, members in groups.items():
        if not base:
            continue
        members.sort(key=lambda m: m.start)
        with_year = [m for m in members if split_year(m.name)[1]]
        display = (with_year or members)[0].name
        name_year = split_year(display)[1]
        first = members[0]
        start, end = _dates_near(text, members, date_mentions, name_year, published)
        place, country = _place_near(text, first, places)
        year = (
            name_year or (start.year if start else None) or (published.year if published else None)
        )
        events.append(Event(key(display, year), display, start, end, place, country))
    # one event per key: keep the first (text order), which carries the most context
    unique: dict[str, Event] = {}
    for event in events:
        unique.setdefault(event.key, event)
    return tuple(unique.values())


def _dates_near(
    text: str,
    members: list[_Mention],
    mentions: list[dates.DateMention],
    name_year: int | None,
    published: date | None,
) -> tuple[date | None, date | None]:
    best: tuple[int, dates.DateMention] | None = None
    for member in members:
        lo, hi = member.start - _BEFORE_WINDOW, member.end + _AFTER_WINDOW
        s_lo, s_hi = _sentence_bounds(text, member.start)
        for dm in mentions:
            in_sentence = s_lo <= dm.start <= s_hi
            if not (in_sentence or lo <= dm.start <= hi):
                continue
            distance = abs(dm.start - member.end)
            # a range is the event's span; a single day near the name is second best
            rank = distance - (10_000 if dm.is_range else 0) - (500 if in_sentence else 0)
            if best is None or rank < best[0]:
                best = (rank, dm)
        if best is not None and best[1].is_range:
            break
    if best is None:
        return None, None
    dm = best[1]
    start = dates.resolve(dm.day, dm.month, dm.year, year_hint=name_year, around=published)
    if start is None:
        return None, None
    if dm.end_day is None or dm.end_month is None:
        return start, None
    end_year = dm.end_year or start.year
    if dm.end_month < dm.month:
        end_year += 1  # 30 December – 2 January
    end = dates.resolve(dm.end_day, dm.end_month, end_year, year_hint=None, around=None)
    return start, end


def _place_near(
    text: str, mention: _Mention, places: Sequence[Hit]
) -> tuple[str | None, str | None]:
    cities = [h for h in places if h.form.kind == "city"]
    if not cities:
        return None, None
    s_lo, s_hi = _sentence_bounds(text, mention.start)
    near = [h for h in cities if s_lo <= h.start <= s_hi]
    if not near:
        near = [h for h in cities if abs(h.start - mention.start) <= _AFTER_WINDOW]
    if not near:
        return None, None
    hit = min(near, key=lambda h: abs(h.start - mention.start))
    return hit.form.display, hit.form.value
