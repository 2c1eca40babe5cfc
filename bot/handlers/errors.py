"""The one error handler: a sentence to the user in their language, the details to admins."""

from __future__ import annotations

import html
import logging
import time
import traceback

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

from bot import i18n, render
from bot.context import ChaikhanaContext
from bot.handlers.common import lang, send

logger = logging.getLogger(__name__)

MAX_DETAILS = 3500


async def on_error(update: object, context: ChaikhanaContext) -> None:
    """Log the error once, apologise to the user, and tell the admins what happened."""
    error = context.error
    logger.error(
        "error while handling an update: %s: %s", type(error).__name__, error, exc_info=error
    )
    if isinstance(update, Update) and update.callback_query is not None:
        try:  # the spinner stops whatever happened
            await update.callback_query.answer()
        except TelegramError:
            pass
    if isinstance(update, Update) and update.effective_chat and not isinstance(error, Forbidden):
        try:
            await send(update, context, render.message(lang(update, context), "error.generic"))
        except TelegramError:
            logger.warning("could not tell the user about the error", exc_info=True)
    admins = context.bot_data.cfg.telegram.admins if context.bot_data.cfg else []
    if not admins or error is None:
        return
    held = context.bot_data.error_reports.admit(type(error).__name__, time.monotonic())
    if held is None:
        return
    details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    where = ""
    if isinstance(update, Update):
        chat = update.effective_chat
        message = update.effective_message
        where = f"chat {chat.id if chat else '?'}: {(message.text or '')[:200] if message else ''}"
    since = ""
    if held:
        counted = ", ".join(f"{kind} × {n}" for kind, n in held.most_common(10))
        since = f"{sum(held.values())} more since the last report: {counted}\n"
    text = (
        f"{html.escape(i18n.t('en', 'error.admin'))}\n{html.escape(since)}{html.escape(where)}\n"
        f"<pre>{html.escape(details[-MAX_DETAILS:])}</pre>"
    )
    for admin in admins:
        try:
            await context.bot.send_message(admin, text, parse_mode=ParseMode.HTML)
        except TelegramError:
            logger.warning("could not send error details to admin %s", admin, exc_info=True)
