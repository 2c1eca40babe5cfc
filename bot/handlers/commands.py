"""Command handlers: parse, call one lookup, render, reply."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import Update

from bot import render, render_calendar
from bot.context import ChaikhanaContext
from bot.handlers.common import argument, lang, refuse_non_admin, send
from bot.handlers.subscribe import may_manage
from storage import lookups
from storage import search as fts

logger = logging.getLogger(__name__)


async def start(update: Update, context: ChaikhanaContext) -> None:
    """Greet the reader, say what the bot does, and record the chat as a Subscriber."""
    chat, user, ui = update.effective_chat, update.effective_user, lang(update, context)
    assert chat is not None
    async with context.db() as session, session.begin():
        await lookups.remember_chat(
            session, chat_id=chat.id, chat_type=chat.type, title=chat.title, ui_lang=ui
        )
    await send(update, context, render.start(ui, user.first_name if user else None))


async def help_(update: Update, context: ChaikhanaContext) -> None:
    """List every command with an example."""
    await send(update, context, render.help_text(lang(update, context), context.bot.username))


async def country(update: Update, context: ChaikhanaContext) -> None:
    """Show the latest stories about a country, or ask which one."""
    ui, name = lang(update, context), await argument(update, context)
    if name is None:
        return
    if not name:
        await send(update, context, render.country_picker(ui))
        return
    async with context.db() as session:
        answer = await lookups.country(
            session, name, limit=context.cfg.telegram.page_size, reader_lang=ui
        )
    await send(update, context, render.country(answer, ui))


async def event(update: Update, context: ChaikhanaContext) -> None:
    """Show an event's card, or the list of events without a name."""
    ui, name = lang(update, context), await argument(update, context)
    if name is None:
        return
    if not name:
        await events(update, context)
        return
    async with context.db() as session:
        card = await lookups.event_card(
            session, name, limit=context.cfg.telegram.page_size, reader_lang=ui
        )
    await send(
        update, context, render_calendar.event_reply(render.event_card(card, name, ui), card, ui)
    )


async def events(update: Update, context: ChaikhanaContext) -> None:
    """List upcoming and recent events, soonest first."""
    async with context.db() as session:
        found = await lookups.events(session, today=datetime.now(UTC).date(), limit=10)
    ui, today = lang(update, context), datetime.now(UTC).date()
    await send(
        update, context, render_calendar.events_reply(render.events(found, ui), found, ui, today)
    )


async def search(update: Update, context: ChaikhanaContext) -> None:
    """Search every language for the words given."""
    ui, words = lang(update, context), await argument(update, context)
    if words is None:
        return
    if not fts.tokens(words):
        reply = (
            render.search_ask(ui)
            if not words
            else render.message(ui, "error.strange", example="/search Toshkent")
        )
        await send(update, context, reply)
        return
    async with context.db() as session:
        page = await lookups.search(
            session, words, limit=context.cfg.telegram.page_size, reader_lang=ui
        )
    number = context.chat.remember_search(words)
    await send(update, context, render.search(words, page, ui, f"s:{number}:{page.next_offset}"))


async def latest(update: Update, context: ChaikhanaContext) -> None:
    """Show the latest stories across the region."""
    ui = lang(update, context)
    async with context.db() as session:
        page = await lookups.latest(session, limit=context.cfg.telegram.page_size, reader_lang=ui)
    await send(update, context, render.latest(page, ui))


async def topic(update: Update, context: ChaikhanaContext) -> None:
    """Show stories on a topic, or the topics to choose from."""
    ui, name = lang(update, context), await argument(update, context)
    if name is None:
        return
    key = render.topic_key(name, ui)
    if key is None:
        await send(update, context, render.topic_picker(ui, name or None))
        return
    async with context.db() as session:
        page = await lookups.by_topic(
            session, key, limit=context.cfg.telegram.page_size, reader_lang=ui
        )
    await send(update, context, render.topic(key, page, ui))


async def lang_(update: Update, context: ChaikhanaContext) -> None:
    """Offer the UI languages (in a group, to its admins: the language is the group's)."""
    if not await may_manage(update, context):
        await refuse_non_admin(update, context)
        return
    await send(update, context, render.lang_picker(lang(update, context)))


async def unknown(update: Update, context: ChaikhanaContext) -> None:
    """Point an unknown command to /help (in groups only when it was addressed to us)."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    command = text.split(maxsplit=1)[0] if text else ""
    _, _, addressee = command.partition("@")
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return
    if not addressee and update.effective_chat and update.effective_chat.type != "private":
        return
    await send(update, context, render.message(lang(update, context), "error.unknown_command"))
