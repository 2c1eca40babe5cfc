"""Sources: one validation and one save under ``/sources add`` and ``chaikhana sources add``.

Both front ends hand the words they were given to :func:`add` (or :func:`validate`), so
the same input is accepted, normalised (a country name in any language becomes its code)
or refused the same way, and stored the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digests.sources.admit import MAX_SOURCE_CHARS
from digests.sources.markup import shorten
from digests.text import clean_text, normalize_space
from digests.understand import countries
from digests.urls import InvalidURL, check_url
from storage import sources
from storage.sources import SourceRecord

SOURCE_LANGS = ("ru", "en", "uz", "kk", "ky", "tg", "tk")
SOURCE_KINDS = ("rss", "page")
MIN_WEIGHT, MAX_WEIGHT = 0.1, 10.0


@dataclass(frozen=True, slots=True)
class Problem:
    """One refused value: which field, the value as given, and why."""

    field: str  # "url", "kind", "country", "lang", "weight"
    value: str
    reason: str


class InvalidSource(ValueError):
    """The source cannot be added as given; ``problems`` says what, field by field."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.field} {p.value}: {p.reason}" for p in problems))


@dataclass(frozen=True, slots=True)
class NewSource:
    """A source that passed validation, in the form it is stored."""

    url: str
    kind: str = "rss"
    name: str | None = None
    country: str | None = None
    lang: str | None = None
    weight: float = 1.0


def weight_problem(weight: float) -> str | None:
    """Say why a weight cannot be a source's, or None when it can."""
    if MIN_WEIGHT <= weight <= MAX_WEIGHT:
        return None
    return f"must be from {MIN_WEIGHT:g} to {MAX_WEIGHT:g}"


def validate(
    url: str,
    *,
    kind: str = "rss",
    name: str | None = None,
    country: str | None = None,
    lang: str | None = None,
    weight: float = 1.0,
) -> NewSource:
    """Return the source normalised, or raise InvalidSource listing every bad value."""
    problems: list[Problem] = []
    try:
        url = check_url(url)
    except InvalidURL as exc:
        problems.append(Problem("url", url, str(exc).removeprefix("invalid URL: ")))
    if kind not in SOURCE_KINDS:
        problems.append(Problem("kind", kind, f"not one of {', '.join(SOURCE_KINDS)}"))
    code = None
    if country is not None and country.strip():
        match = countries.resolve(country.strip())
        if match is None:
            problems.append(Problem("country", country, "not a country (kz, 🇰🇿, Kazakhstan)"))
        else:
            code = match.code
    code_lang = lang.strip().lower() if lang is not None and lang.strip() else None
    if code_lang is not None and code_lang not in SOURCE_LANGS:
        problems.append(
            Problem("lang", lang or "", f"not a language code ({', '.join(SOURCE_LANGS)})")
        )
    if (why := weight_problem(weight)) is not None:
        problems.append(Problem("weight", f"{weight:g}", why))
    if problems:
        raise InvalidSource(problems)
    # A name is for people reading lists; it is bounded like an article's source name.
    shown = normalize_space(clean_text(name or "")) or None
    if shown is not None and len(shown) > MAX_SOURCE_CHARS:
        shown = shorten(shown, MAX_SOURCE_CHARS)
    return NewSource(url=url, kind=kind, name=shown, country=code, lang=code_lang, weight=weight)


async def add(
    db: async_sessionmaker[AsyncSession],
    url: str,
    *,
    kind: str = "rss",
    name: str | None = None,
    country: str | None = None,
    lang: str | None = None,
    weight: float = 1.0,
) -> SourceRecord:
    """Validate and store a source; raise InvalidSource, or AlreadyExists for a known URL."""
    source = validate(url, kind=kind, name=name, country=country, lang=lang, weight=weight)
    async with db() as session, session.begin():
        return await sources.add(
            session,
            kind=source.kind,
            url=source.url,
            name=source.name,
            country=source.country,
            lang=source.lang,
            weight=source.weight,
        )
