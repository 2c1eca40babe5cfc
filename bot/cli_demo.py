"""What `chaikhana demo` shows after ingesting its bundled articles: the bot's answers to
/country, /event and /search as plain text, and a digest that says which days it covers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import render, render_digest
from bot.cli_lookups import plain_text
from bot.services import coverage
from bot.services.digests import compose_window
from digests.digest import DigestFilter
from storage import lookups

# What a newcomer would type first, on what the bundled articles hold.
LOOKUPS = (("/country", "Kazakhstan"), ("/event", "ICT Week"), ("/search", "IT Park"))
READER = "ru"  # the region's first language of news


async def show(out: TextIO, db: async_sessionmaker[AsyncSession]) -> None:
    """Print the bot's answers to three lookups, then the digest of every bundled day."""
    for command, words in LOOKUPS:
        out.write(f"\n$ {command} {words}   (what the bot answers, in English)\n\n")
        async with db() as session:
            reply = await _answer(session, command, words)
        for message in reply.texts:
            out.write(plain_text(message).rstrip() + "\n")
    await _digest(out, db)


async def _answer(session: AsyncSession, command: str, words: str) -> render.Reply:
    if command == "/country":
        answer = await lookups.country(session, words, limit=3, reader_lang="en")
        told = await coverage.told(session, answer.page.stories if answer.page else ())
        return render.country(answer, "en", told)
    if command == "/event":
        card = await lookups.event_card(session, words, limit=3, reader_lang="en")
        told = await coverage.told(session, card.page.stories if card else ())
        return render.event_card(card, words, "en", told)
    page = await lookups.search(session, words, limit=3, reader_lang="en")
    told = await coverage.told(session, page.stories)
    return render.search(words, page, "en", None, told)


async def _digest(out: TextIO, db: async_sessionmaker[AsyncSession]) -> None:
    """Print the digest a kz+uz subscriber reading Russian would get of everything read."""
    now = datetime.now(UTC)
    async with db() as session:
        composed = await compose_window(
            session,
            DigestFilter(countries=("kz", "uz")),
            lang=READER,
            since=datetime(2000, 1, 1, tzinfo=UTC),  # every sample, however old
            until=now,
            now=now,
            size=5,
            events_days=0,
        )
    days = sorted(c.published.date() for c in composed.stories if c.published)
    if not days:
        out.write("\n(no dated story for a digest)\n")
        return
    # The samples are old news: the header names the days its stories are from, where a
    # daily digest would call them "the digest for the day".
    span = (days[0], days[-1])
    out.write(
        f"\nThe samples are older news ({span[0].isoformat()} to {span[1].isoformat()}); a "
        "subscriber to Kazakhstan and Uzbekistan reading Russian (/subscribe kz uz 08:30) "
        "would have got:\n\n"
    )
    texts = render_digest.digest(
        composed, READER, cadence="daily", timezone="Asia/Tashkent", span=span
    )
    for message in texts:
        out.write(plain_text(message).rstrip() + "\n")
