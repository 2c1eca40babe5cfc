"""The event reminders choice (``rem:1`` on, ``rem:0`` off) under /subscribe and /settings."""

from __future__ import annotations

import logging

from telegram import Update

from bot import render_reminders
from bot.context import ChaikhanaContext
from bot.handlers.common import edit, lang
from bot.handlers.subscribe import _guard
from bot.services import reminders

logger = logging.getLogger(__name__)


async def toggle(update: Update, context: ChaikhanaContext) -> None:
    """Turn the chat's event reminders on or off and say so."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None or not await _guard(update, context):
        return
    on = await reminders.set_reminders(
        context.db, chat.id, query.data == "rem:1", now=context.bot_data.now()
    )
    await edit(update, context, render_reminders.toggled(on, lang(update, context)))
