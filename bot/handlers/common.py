"""What every handler shares: the reader's language, the argument, sending a Reply."""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import LinkPreviewOptions, ReplyParameters, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, NetworkError

from bot import i18n, render
from bot.context import ChaikhanaContext
from bot.render import Reply
from storage import lookups

logger = logging.getLogger(__name__)

MAX_ARGUMENT = 200
# A reply that meets a 5xx or no answer is tried again after these waits (seconds) before
# the user is told something went wrong: a hiccup of the Bot API should not cost an answer.
REPLY_RETRY_WAITS = (0.5, 1.5)
# Bidi controls and other format characters change how text displays, not what it says.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def lang(update: Update, context: ChaikhanaContext) -> str:
    """Return the reader's UI language for this update."""
    user = update.effective_user
    return context.lang_for(user.language_code if user else None)


async def load_chat_lang(update: Update, context: ChaikhanaContext) -> None:
    """Recall, once per chat and process, the UI language the chat chose earlier."""
    chat = update.effective_chat
    if chat is None or context.chat_data is None or context.chat_data.lang_loaded:
        return
    async with context.db() as session:
        context.chat_data.ui_lang = await lookups.chat_lang(session, chat.id)
    context.chat_data.lang_loaded = True


def clean(text: str) -> str:
    """Drop control and bidi characters, collapse white space."""
    text = _INVISIBLE.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return " ".join(text.split())


async def argument(update: Update, context: ChaikhanaContext) -> str | None:
    """Return the command's argument, or None after politely refusing an overlong one."""
    message = update.effective_message
    raw = message.text if message and message.text else ""
    parts = raw.split(maxsplit=1)
    text = clean(parts[1]) if len(parts) > 1 else ""
    if len(text) > MAX_ARGUMENT:
        await send(
            update,
            context,
            render.message(lang(update, context), "error.too_long", max=MAX_ARGUMENT),
        )
        return None
    return text


def is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def topic_thread(update: Update) -> int | None:
    """Return the forum topic the update came from (None outside forum topics)."""
    message = update.effective_message
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


async def send(update: Update, context: ChaikhanaContext, reply: Reply) -> None:
    """Send a Reply as HTML messages where the update came from (its forum topic, if any);
    in groups and topics, the first answers the command."""
    chat = update.effective_chat
    if chat is None:
        return
    message, thread = update.effective_message, topic_thread(update)
    quote = (
        ReplyParameters(message.message_id, allow_sending_without_reply=True)
        if (is_group(update) or thread is not None)
        and message is not None
        and update.callback_query is None
        else None
    )
    for i, text in enumerate(reply.texts):
        last = i == len(reply.texts) - 1
        await with_retries(
            context.bot.send_message,
            chat.id,
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=not reply.preview),
            reply_markup=reply.keyboard if last else None,
            reply_parameters=quote if i == 0 else None,
            message_thread_id=thread,
        )


async def with_retries(call: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
    """Make a Bot API call; after a 5xx or a time-out, try again a bounded number of times.

    A 400 (BadRequest is a NetworkError in PTB) would fail the same way again, so it is not
    retried; a 429 is the rate limiter's to wait out.
    """
    for wait in (*REPLY_RETRY_WAITS, None):
        try:
            return await call(*args, **kwargs)
        except BadRequest:
            raise
        except NetworkError as exc:
            if wait is None:
                raise
            logger.info(
                "reply not sent (%s: %s); trying again in %g s", type(exc).__name__, exc, wait
            )
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")


async def refuse_non_admin(update: Update, context: ChaikhanaContext) -> None:
    """Say, on the spinner or in the chat, that only the group's admins change its settings."""
    text = i18n.t(lang(update, context), "error.admins_only")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await send(update, context, render.message(lang(update, context), "error.admins_only"))


async def edit(update: Update, context: ChaikhanaContext, reply: Reply) -> None:
    """Show a Reply in place of the message whose button was pressed."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    first, *rest = reply.texts
    try:
        await query.edit_message_text(
            first,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=not reply.preview),
            reply_markup=reply.keyboard if not rest else None,
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    if rest:
        await send(update, context, Reply(tuple(rest), reply.keyboard, reply.preview))
