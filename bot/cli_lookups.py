"""`chaikhana country|event|events|search|latest`: the bot's lookups, printed for people or JSON."""

from __future__ import annotations

import argparse
import html
import json
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import i18n, render, render_digest
from bot.cli_runtime import open_db
from bot.config import Config
from bot.services import digests as services
from storage import lookups

logger = logging.getLogger(__name__)

Sessionmaker = async_sessionmaker[AsyncSession]
Command = Callable[[argparse.Namespace, Sessionmaker], Awaitable[int]]


def register(subparsers: Any) -> None:
    """Add the lookup subcommands; each handler is ``(args, cfg) -> coroutine -> int``."""
    country = subparsers.add_parser("country", help="latest stories about a country")
    country.add_argument("name", nargs="+", help="code (kz), flag or name in any language")
    _common(country)
    country.set_defaults(handler=_runner(cmd_country))

    event = subparsers.add_parser("event", help="an event's card, or the list without a name")
    event.add_argument("name", nargs="*", help="event name or key, fuzzy, any language")
    _common(event)
    event.set_defaults(handler=_runner(cmd_event))

    events = subparsers.add_parser("events", help="upcoming and recent events")
    _common(events)
    events.set_defaults(handler=_runner(cmd_events))

    search = subparsers.add_parser("search", help="full-text search in every language")
    search.add_argument("words", nargs="+")
    _common(search)
    search.set_defaults(handler=_runner(cmd_search))

    latest = subparsers.add_parser("latest", help="latest stories across the region")
    _common(latest)
    latest.set_defaults(handler=_runner(cmd_latest))

    digest = subparsers.add_parser("digest", help="the digest the bot would send for filters")
    digest.add_argument("--countries", default="", help="codes or names, comma-separated")
    digest.add_argument("--topics", default="", help="topic keys, comma-separated")
    digest.add_argument("--include", default="", help="keywords a story must have, comma-separated")
    digest.add_argument("--exclude", default="", help="keywords a story must not have")
    digest.add_argument("--since", help="start of the period, YYYY-MM-DD (default: a day ago)")
    digest.add_argument("--until", help="end of the period, YYYY-MM-DD (default: now)")
    digest.add_argument("--cadence", choices=["daily", "weekly", "instant"], default="daily")
    digest.add_argument("--size", type=int, default=10, help="stories shown (1-30)")
    digest.add_argument("--timezone", default="UTC", help="IANA timezone of the reader")
    digest.add_argument("--html", action="store_true", help="print the Telegram HTML as sent")
    digest.add_argument("--json", action="store_true", help="print JSON for machines")
    digest.add_argument("--lang", default="en", choices=i18n.SUPPORTED, help="reader language")
    digest.set_defaults(handler=_digest_runner)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for machines")
    parser.add_argument("--lang", default="en", choices=i18n.SUPPORTED, help="reader language")
    parser.add_argument("--limit", type=int, default=5, help="stories per page (1-50)")
    parser.add_argument("--offset", type=int, default=0, help="stories to skip")


def _runner(command: Command) -> Callable[[argparse.Namespace, Config], Awaitable[int]]:
    async def run(args: argparse.Namespace, cfg: Config) -> int:
        async with open_db(cfg) as sessionmaker:
            return await command(args, sessionmaker)

    return run


def _limit(args: argparse.Namespace) -> int:
    return max(1, min(50, args.limit))


async def cmd_country(
    args: argparse.Namespace, sessionmaker: Sessionmaker, out: TextIO = sys.stdout
) -> int:
    """Print the latest stories about a country."""
    name = " ".join(args.name)
    async with sessionmaker() as session:
        answer = await lookups.country(
            session, name, limit=_limit(args), offset=max(0, args.offset), reader_lang=args.lang
        )
    if args.json:
        _json(
            out,
            {
                "query": answer.query,
                "country": answer.code,
                "exact": answer.exact,
                "suggestions": list(answer.suggestions),
                "stories": [s.to_json() for s in answer.page.stories] if answer.page else [],
                "more": bool(answer.page and answer.page.has_more),
            },
        )
    else:
        reply = render.country(answer, args.lang)
        _text(out, reply)
        if answer.code is None:
            # The suggestions, or with none close enough the countries the bot serves first.
            offered = answer.suggestions or render.FOCUS_COUNTRIES
            out.write(", ".join(render.country_name(c, args.lang) for c in offered))
            out.write("\n")
    return 0 if answer.code else 1


async def cmd_event(
    args: argparse.Namespace, sessionmaker: Sessionmaker, out: TextIO = sys.stdout
) -> int:
    """Print an event's card (or the list of events without a name)."""
    name = " ".join(args.name)
    if not name:
        return await cmd_events(args, sessionmaker, out)
    async with sessionmaker() as session:
        card = await lookups.event_card(
            session, name, limit=_limit(args), offset=max(0, args.offset), reader_lang=args.lang
        )
    if args.json:
        _json(
            out,
            None
            if card is None
            else {
                **card.event.to_json(),
                "score": card.score,
                "stories": [s.to_json() for s in card.page.stories],
                "more": card.page.has_more,
            },
        )
    else:
        _text(out, render.event_card(card, name, args.lang))
    return 0 if card else 1


async def cmd_events(
    args: argparse.Namespace, sessionmaker: Sessionmaker, out: TextIO = sys.stdout
) -> int:
    """Print upcoming and recent events, soonest first."""
    async with sessionmaker() as session:
        found = await lookups.events(
            session, today=datetime.now(UTC).date(), limit=_limit(args) * 2
        )
    if args.json:
        _json(out, [e.to_json() for e in found])
    else:
        _text(out, render.events(found, args.lang))
    return 0


async def cmd_search(
    args: argparse.Namespace, sessionmaker: Sessionmaker, out: TextIO = sys.stdout
) -> int:
    """Print the stories that best match the words."""
    words = " ".join(args.words)
    async with sessionmaker() as session:
        page = await lookups.search(
            session, words, limit=_limit(args), offset=max(0, args.offset), reader_lang=args.lang
        )
    if args.json:
        _json(
            out,
            {"query": words, "stories": [s.to_json() for s in page.stories], "more": page.has_more},
        )
    else:
        _text(out, render.search(words, page, args.lang, None))
    return 0


async def cmd_latest(
    args: argparse.Namespace, sessionmaker: Sessionmaker, out: TextIO = sys.stdout
) -> int:
    """Print the latest stories across the region."""
    async with sessionmaker() as session:
        page = await lookups.latest(
            session, limit=_limit(args), offset=max(0, args.offset), reader_lang=args.lang
        )
    if args.json:
        _json(out, {"stories": [s.to_json() for s in page.stories], "more": page.has_more})
    else:
        _text(out, render.latest(page, args.lang))
    return 0


async def _digest_runner(args: argparse.Namespace, cfg: Config) -> int:
    async with open_db(cfg) as sessionmaker:
        return await cmd_digest(args, sessionmaker, sys.stdout, cfg=cfg)


async def cmd_digest(
    args: argparse.Namespace,
    sessionmaker: Sessionmaker,
    out: TextIO = sys.stdout,
    *,
    cfg: Config | None = None,
    now: datetime | None = None,
) -> int:
    """Print the digest a subscriber with these filters would get for the period."""
    from digests.digest import DigestFilter
    from digests.understand import countries

    now = now or datetime.now(UTC)
    codes = []
    for name in _items(args.countries):
        match = countries.resolve(name)
        if match is None:
            print(f"error: --countries: no such country: {name}", file=sys.stderr)
            return 2
        codes.append(match.code)
    topics = [render.topic_key(name, args.lang) or name for name in _items(args.topics)]
    unknown = [topic for topic in topics if topic not in render.topic_keys()]
    if unknown:
        print(f"error: --topics: unknown topic: {', '.join(unknown)}", file=sys.stderr)
        return 2
    try:
        until = _day(args.until) if args.until else now
        since = _day(args.since) if args.since else until - timedelta(days=1)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if since >= until:
        print("error: --since must come before --until", file=sys.stderr)
        return 2
    flt = DigestFilter(
        countries=tuple(codes),
        topics=tuple(topics),
        include=tuple(_items(args.include)),
        exclude=tuple(_items(args.exclude)),
    )
    digests_cfg = cfg.digests if cfg else None
    async with sessionmaker() as session:
        composed = await services.compose_window(
            session,
            flt,
            lang=args.lang,
            since=since,
            until=until,
            now=now,
            size=max(1, min(30, args.size)),
            events_days=digests_cfg.events_days if digests_cfg else 7,
        )
    if args.json:
        _json(
            out,
            {
                "since": since.isoformat(),
                "until": until.isoformat(),
                "lang": args.lang,
                "total": composed.total,
                "more": composed.more,
                "stories": [
                    {
                        "story": c.story_id,
                        "id": c.article_id,
                        "title": c.title,
                        "url": c.url,
                        "lang": c.lang,
                        "countries": list(c.countries),
                        "topics": list(c.topics),
                        "sources": list(c.sources),
                        "langs": list(c.langs),
                    }
                    for c in composed.stories
                ],
                "events": [
                    {
                        "name": e.name,
                        "start": e.start.isoformat() if e.start else None,
                        "end": e.end.isoformat() if e.end else None,
                        "place": e.place,
                    }
                    for e in composed.events
                ],
            },
        )
        return 0
    texts = render_digest.digest(composed, args.lang, cadence=args.cadence, timezone=args.timezone)
    for message in texts:
        out.write(message if args.html else plain_text(message))
        out.write("\n")
    return 0


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _day(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"not a date (YYYY-MM-DD): {value}") from None


def _json(out: TextIO, value: Any) -> None:
    out.write(json.dumps(value, ensure_ascii=False, indent=2))
    out.write("\n")


_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)


def plain_text(markup: str) -> str:
    """Turn the bot's Telegram HTML into plain text, links written after their titles."""
    text = _LINK.sub(lambda m: f"{m.group(2)}\n   {m.group(1)}", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _text(out: TextIO, reply: render.Reply) -> None:
    for message in reply.texts:
        out.write(plain_text(message))
        out.write("\n")
