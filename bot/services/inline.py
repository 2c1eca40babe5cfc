"""Inline mode's use case: the stories offered to share for what a reader typed after @bot."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import i18n
from bot.services import coverage
from storage import lookups
from storage import search as fts

logger = logging.getLogger(__name__)

PAGE = 20  # results per answer (Telegram takes at most 50)
MAX_OFFSET = 1_000  # deeper pages are not offered: nobody scrolls an inline list that far


@dataclass(frozen=True, slots=True)
class InlineAnswer:
    """The stories for one inline query page, in the reader's language, and the next offset."""

    lang: str
    page: lookups.StoryPage
    coverage: dict[int, coverage.Coverage] = field(default_factory=dict)

    @property
    def next_offset(self) -> str:
        """Return Telegram's next_offset: the next page's offset, or "" at the end."""
        if not self.page.has_more or self.page.next_offset > MAX_OFFSET:
            return ""
        return str(self.page.next_offset)


def parse_offset(raw: str | None) -> int:
    """Read the offset Telegram sends back (ours, but it arrives from outside): 0 if odd."""
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return 0
    return min(int(raw), MAX_OFFSET)


async def search_stories(
    session: AsyncSession, words: str, *, limit: int, offset: int, reader_lang: str
) -> lookups.StoryPage:
    """Search stories as /search does (one place to re-point when search changes)."""
    return await lookups.search(session, words, limit=limit, offset=offset, reader_lang=reader_lang)


async def latest_stories(
    session: AsyncSession, *, limit: int, offset: int, reader_lang: str
) -> lookups.StoryPage:
    """Return the latest stories as /latest does."""
    return await lookups.latest(session, limit=limit, offset=offset, reader_lang=reader_lang)


async def answer(
    db: async_sessionmaker[AsyncSession],
    query: str,
    *,
    offset: str | None,
    user_id: int,
    telegram_lang: str | None,
    limit: int = PAGE,
) -> InlineAnswer:
    """Find the stories for an inline query: matches of its words, or the latest when empty.

    The reader's language is the one they chose in their chat with the bot, else their
    Telegram language; a query with no word in it (only punctuation) matches nothing.
    """
    start = parse_offset(offset)
    async with db() as session:
        chosen = await lookups.chat_lang(session, user_id)
        lang = i18n.normalize_lang(chosen or telegram_lang)
        words = " ".join(query.split())
        if not words:
            page = await latest_stories(session, limit=limit, offset=start, reader_lang=lang)
        elif not fts.tokens(words):
            page = lookups.StoryPage(stories=(), offset=start, limit=limit, has_more=False)
        else:
            page = await search_stories(session, words, limit=limit, offset=start, reader_lang=lang)
        # Only a story told by two outlets or more has a coverage line to show.
        told = await coverage.of_stories(
            session, [v.story_id for v in page.stories if len(v.sources) > 1]
        )
    return InlineAnswer(lang=lang, page=page, coverage=told)
