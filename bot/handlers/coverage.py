"""The "every version" button (``cv:<story id>``): list each outlet's version with its link."""

from __future__ import annotations

import logging

from telegram import Update

from bot import render_coverage
from bot.context import ChaikhanaContext
from bot.handlers.common import edit, lang, send
from bot.services import coverage

logger = logging.getLogger(__name__)


async def versions(update: Update, context: ChaikhanaContext) -> None:
    """Show every version of a story: in place of a shared message, below a list in a chat.

    A list (/country, /search …) stays where it is, so its other stories can be opened too.
    """
    query = update.callback_query
    assert query is not None
    _, _, story = (query.data or "").partition(":")
    valid = story.isascii() and story.isdigit() and len(story) <= 9  # forged data: no lookup
    found = await coverage.of_story(context.db, int(story)) if valid else None
    reply = render_coverage.versions(found, lang(update, context))
    if query.inline_message_id is not None:  # a message shared with @bot: one text only
        reply = type(reply)(reply.texts[:1], reply.keyboard, reply.preview)
        await edit(update, context, reply)
        return
    await query.answer()
    await send(update, context, reply)
