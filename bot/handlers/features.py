"""Registration of issue 14's features: inline sharing, calendars, trends, sources in and out."""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.handlers import calendar, coverage, inline, opml, reminders, trends


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Register the handlers, before the catch-all fallbacks of bot.handlers."""
    app.add_handler(InlineQueryHandler(inline.answer))
    app.add_handler(CommandHandler("trends", trends.trends_))
    app.add_handler(CallbackQueryHandler(calendar.send_ics, pattern=r"^ics:(?:all|[0-9]{1,9})$"))
    app.add_handler(CallbackQueryHandler(reminders.toggle, pattern=r"^rem:[01]$"))
    app.add_handler(CallbackQueryHandler(coverage.versions, pattern=r"^cv:[0-9]{1,9}$"))
    app.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, opml.upload))
