"""Inline mode: ``@bot words`` in any chat offers matching stories to share."""

from __future__ import annotations

import logging

from telegram import Update

from bot import render_inline
from bot.context import ChaikhanaContext
from bot.handlers.common import clean
from bot.services import inline

logger = logging.getLogger(__name__)


async def answer(update: Update, context: ChaikhanaContext) -> None:
    """Answer an inline query with a page of stories (the latest when it is empty)."""
    query = update.inline_query
    if query is None:
        return
    found = await inline.answer(
        context.db,
        clean(query.query or ""),
        offset=query.offset,
        user_id=query.from_user.id,
        telegram_lang=query.from_user.language_code,
    )
    await query.answer(
        render_inline.results(found),
        cache_time=context.cfg.telegram.inline_cache_time,
        is_personal=True,  # the reader's language chooses each story's version
        # None, not "", at the end: PTB's defaults turn an empty string into "[]" (it takes
        # "" for an empty list of media), which Telegram would hand back as the next offset.
        next_offset=found.next_offset or None,
    )
