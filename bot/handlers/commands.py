"""Command handlers: parse, call one lookup, render, reply."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import Update

from bot import render, render_calendar
from bot.context import ChaikhanaContext
from bot.handlers.common import MAX_ARGUMENT, argument, clean, lang, refuse_non_admin, send
from bot.handlers.subscribe import may_manage
from bot.render import Reply
from bot.services import coverage
from storage import lookups
from storage import search as fts

logger = logging.getLogger(__name__)

EVENTS_PAGE = 10


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
    """List every command with an example; the admin commands too, to an admin."""
    user = update.effective_user
    admin = user is not None and user.id in context.cfg.telegram.admins
    await send(
        update, context, render.help_text(lang(update, context), context.bot.username, admin=admin)
    )


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
        told = await coverage.told(session, answer.page.stories if answer.page else ())
    await send(update, context, render.country(answer, ui, told))


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
        told = await coverage.told(session, card.page.stories if card else ())
    shown = render.event_card(card, name, ui, told)
    await send(update, context, render_calendar.event_reply(shown, card, ui))


async def events(update: Update, context: ChaikhanaContext) -> None:
    """List upcoming and recent events, soonest first, one line per event, paged."""
    await send(update, context, await events_reply(context, lang(update, context), 0))


async def events_reply(context: ChaikhanaContext, ui: str, offset: int) -> Reply:
    """Build one page of /events (the command and its "More" button share it)."""
    today, size = datetime.now(UTC).date(), EVENTS_PAGE
    async with context.db() as session:
        found = await lookups.events_page(session, today=today, limit=size, offset=offset)
    listed = render.events(
        found.events,
        ui,
        page=found.offset // size + 1,
        more=found.next_offset if found.has_more else None,
    )
    return render_calendar.events_reply(listed, found.events, ui, today)


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
        told = await coverage.told(session, page.stories)
    number = context.chat.remember_search(words)
    more = f"s:{number}:{page.next_offset}"
    await send(update, context, render.search(words, page, ui, more, told))


async def latest(update: Update, context: ChaikhanaContext) -> None:
    """Show the latest stories across the region."""
    ui = lang(update, context)
    async with context.db() as session:
        page = await lookups.latest(session, limit=context.cfg.telegram.page_size, reader_lang=ui)
        told = await coverage.told(session, page.stories)
    await send(update, context, render.latest(page, ui, told))


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
        told = await coverage.told(session, page.stories)
    await send(update, context, render.topic(key, page, ui, told))


async def lang_(update: Update, context: ChaikhanaContext) -> None:
    """Offer the UI languages (in a group, to its admins: the language is the group's)."""
    if not await may_manage(update, context):
        await refuse_non_admin(update, context)
        return
    await send(update, context, render.lang_picker(lang(update, context)))


async def plain_text(update: Update, context: ChaikhanaContext) -> None:
    """Answer words typed in a private chat: a country's stories if they name one, else a search."""
    message, ui = update.effective_message, lang(update, context)
    words = clean(message.text if message and message.text else "")
    if not words:
        await send(update, context, render.message(ui, "error.unknown_command"))
        return
    words = words[:MAX_ARGUMENT]
    async with context.db() as session:
        answer = await lookups.country(
            session, words, limit=context.cfg.telegram.page_size, reader_lang=ui
        )
        if answer.code is not None and answer.exact:
            told = await coverage.told(session, answer.page.stories if answer.page else ())
            reply = render.country(answer, ui, told)
        elif fts.tokens(words):
            page = await lookups.search(
                session, words, limit=context.cfg.telegram.page_size, reader_lang=ui
            )
            told = await coverage.told(session, page.stories)
            number = context.chat.remember_search(words)
            reply = render.search(words, page, ui, f"s:{number}:{page.next_offset}", told)
        else:
            reply = render.message(ui, "error.unknown_command")
    await send(update, context, reply)


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
