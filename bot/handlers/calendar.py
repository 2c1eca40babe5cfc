"""The "Add to calendar" buttons: send an event, or the coming events, as an ``.ics`` file."""

from __future__ import annotations

import logging

from telegram import InputFile, Update
from telegram.constants import ParseMode

from bot import i18n, render_calendar
from bot.context import ChaikhanaContext
from bot.handlers.common import lang, topic_thread
from bot.services import calendar

logger = logging.getLogger(__name__)


async def send_ics(update: Update, context: ChaikhanaContext) -> None:
    """Send ``ics:<event id>`` (one event) or ``ics:all`` (the chat's coming events)."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    ui, which = lang(update, context), (query.data or "").partition(":")[2]
    now = context.bot_data.now()
    if which == "all":
        found = await calendar.coming_calendar(context.db, chat.id, reader_lang=ui, now=now)
    elif which.isdigit() and len(which) <= 12:
        found = await calendar.event_calendar(context.db, int(which), reader_lang=ui, now=now)
    else:
        found = None
    if found is None:
        await query.answer(i18n.t(ui, "calendar.none"), show_alert=False)
        return
    await query.answer()
    await context.bot.send_document(
        chat.id,
        InputFile(found.data, filename=found.filename),
        caption=render_calendar.caption(found, ui),
        parse_mode=ParseMode.HTML,
        message_thread_id=topic_thread(update),
    )
