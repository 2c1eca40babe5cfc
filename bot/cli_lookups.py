"""`chaikhana country|event|events|search|latest`: the bot's lookups, printed for people or JSON."""

from __future__ import annotations

import argparse
import html
import json
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import i18n, render
from bot.cli import open_db
from bot.config import Config
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
