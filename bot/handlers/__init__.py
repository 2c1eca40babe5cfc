"""Handler registration, in the order PTB tries them."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers import admin, buttons, commands, features, subscribe
from bot.handlers.common import load_chat_lang
from bot.handlers.errors import on_error

logger = logging.getLogger(__name__)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Register every handler: chat language first, commands, buttons, then the fallbacks."""
    app.add_handler(TypeHandler(Update, load_chat_lang), group=-1)

    app.add_handler(CommandHandler("start", commands.start))
    app.add_handler(CommandHandler("help", commands.help_))
    app.add_handler(CommandHandler("country", commands.country))
    app.add_handler(CommandHandler("event", commands.event))
    app.add_handler(CommandHandler("events", commands.events))
    app.add_handler(CommandHandler("search", commands.search))
    app.add_handler(CommandHandler("latest", commands.latest))
    app.add_handler(CommandHandler("topic", commands.topic))
    app.add_handler(CommandHandler("lang", commands.lang_))
    subscribe.register(app)  # /subscribe … /unsubscribe, their buttons, typed answers
    admin.register(app)  # /channel, /stats, /sources, /broadcast_preview
    features.register(app)  # inline mode, calendars, trends, OPML

    # Every pattern bounds its numbers (at most 9 digits), so forged data never reaches the
    # database; anything else (an old button, or forged data) is answered and goes no further.
    countries = r"[a-z]{2}(?:,[a-z]{2}){0,4}"
    app.add_handler(
        CallbackQueryHandler(buttons.country_page, pattern=rf"^c:{countries}:[0-9]{{1,9}}$")
    )
    app.add_handler(CallbackQueryHandler(buttons.latest_page, pattern=r"^l:[0-9]{1,9}$"))
    topic = r"^t:[a-z0-9_-]{1,32}:[0-9]{1,9}$"
    app.add_handler(CallbackQueryHandler(buttons.topic_page, pattern=topic))
    app.add_handler(CallbackQueryHandler(buttons.event_page, pattern=r"^e:[0-9]{1,9}:[0-9]{1,9}$"))
    app.add_handler(CallbackQueryHandler(buttons.events_page, pattern=r"^ev:[0-9]{1,9}$"))
    app.add_handler(CallbackQueryHandler(buttons.search_page, pattern=r"^s:[0-9]{1,9}:[0-9]{1,9}$"))
    app.add_handler(CallbackQueryHandler(buttons.pick_country, pattern=r"^cp$"))
    app.add_handler(CallbackQueryHandler(buttons.pick_lang, pattern=r"^lp$"))
    app.add_handler(
        CallbackQueryHandler(buttons.set_lang, pattern=r"^lang:[a-z]{2}(?:-[A-Za-z]{4})?$")
    )
    app.add_handler(CallbackQueryHandler(buttons.stale))

    # Unknown commands get a hint; other chatter (in groups above all) is ignored.
    app.add_handler(MessageHandler(filters.COMMAND, commands.unknown))
    # Words typed in a private chat are a lookup: a country, else a search.
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.TEXT, commands.plain_text))

    app.add_error_handler(on_error)
