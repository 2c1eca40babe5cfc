"""Inline-button handlers: pages ("More"), pickers and "did you mean" choices."""

from __future__ import annotations

import logging

from telegram import Update

from bot import i18n, render, render_calendar
from bot.context import ChaikhanaContext
from bot.handlers.commands import events_reply
from bot.handlers.common import edit, lang, refuse_non_admin
from bot.handlers.subscribe import may_manage
from bot.services import coverage
from storage import lookups

logger = logging.getLogger(__name__)


def _parts(update: Update) -> list[str]:
    query = update.callback_query
    return (query.data or "").split(":") if query else []


def _offset(value: str) -> int:
    """Return a page offset or id from callback data; anything odd (forged) reads as 0."""
    # isdigit() alone admits "²" (int() refuses it) and any length (the database refuses it).
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else 0


async def country_page(update: Update, context: ChaikhanaContext) -> None:
    """Show a country's stories from an offset (``c:<code>:<offset>``)."""
    _, code, offset = _parts(update)
    ui = lang(update, context)
    async with context.db() as session:
        answer = await lookups.country(
            session,
            code,
            limit=context.cfg.telegram.page_size,
            offset=_offset(offset),
            reader_lang=ui,
        )
        told = await coverage.told(session, answer.page.stories if answer.page else ())
    await edit(update, context, render.country(answer, ui, told))


async def latest_page(update: Update, context: ChaikhanaContext) -> None:
    """Page the latest stories (``l:<offset>``)."""
    _, offset = _parts(update)
    ui = lang(update, context)
    async with context.db() as session:
        page = await lookups.latest(
            session, limit=context.cfg.telegram.page_size, offset=_offset(offset), reader_lang=ui
        )
        told = await coverage.told(session, page.stories)
    await edit(update, context, render.latest(page, ui, told))


async def topic_page(update: Update, context: ChaikhanaContext) -> None:
    """Page a topic's stories (``t:<topic>:<offset>``)."""
    _, key, offset = _parts(update)
    ui = lang(update, context)
    async with context.db() as session:
        page = await lookups.by_topic(
            session,
            key,
            limit=context.cfg.telegram.page_size,
            offset=_offset(offset),
            reader_lang=ui,
        )
        told = await coverage.told(session, page.stories)
    await edit(update, context, render.topic(key, page, ui, told))


async def event_page(update: Update, context: ChaikhanaContext) -> None:
    """Show an event's card from the list, or page its stories (``e:<id>:<offset>``)."""
    _, event_id, offset = _parts(update)
    ui = lang(update, context)
    async with context.db() as session:
        card = await lookups.event_card(
            session,
            "",
            event_id=_offset(event_id),
            limit=context.cfg.telegram.page_size,
            offset=_offset(offset),
            reader_lang=ui,
        )
        told = await coverage.told(session, card.page.stories if card else ())
    shown = render.event_card(card, "", ui, told)
    await edit(update, context, render_calendar.event_reply(shown, card, ui))


async def events_page(update: Update, context: ChaikhanaContext) -> None:
    """Page /events (``ev:<offset>``)."""
    _, offset = _parts(update)
    await edit(update, context, await events_reply(context, lang(update, context), _offset(offset)))


async def search_page(update: Update, context: ChaikhanaContext) -> None:
    """Page search results (``s:<n>:<offset>``); the query was kept with the chat."""
    _, number, offset = _parts(update)
    ui = lang(update, context)
    words = context.chat.searches.get(_offset(number))
    if words is None:
        await edit(update, context, render.message(ui, "list.expired"))
        return
    async with context.db() as session:
        page = await lookups.search(
            session,
            words,
            limit=context.cfg.telegram.page_size,
            offset=_offset(offset),
            reader_lang=ui,
        )
        told = await coverage.told(session, page.stories)
    more = f"s:{number}:{page.next_offset}"
    await edit(update, context, render.search(words, page, ui, more, told))


async def pick_country(update: Update, context: ChaikhanaContext) -> None:
    """Offer the country buttons (``cp``)."""
    await edit(update, context, render.country_picker(lang(update, context)))


async def pick_lang(update: Update, context: ChaikhanaContext) -> None:
    """Offer the languages (``lp``)."""
    if not await may_manage(update, context):
        await refuse_non_admin(update, context)
        return
    await edit(update, context, render.lang_picker(lang(update, context)))


async def set_lang(update: Update, context: ChaikhanaContext) -> None:
    """Switch the chat's UI language (``lang:<code>``) and confirm in it (admins only)."""
    if not await may_manage(update, context):
        await refuse_non_admin(update, context)
        return
    _, code = _parts(update)
    ui, chat = i18n.normalize_lang(code), update.effective_chat
    assert chat is not None
    async with context.db() as session, session.begin():
        await lookups.set_ui_lang(
            session, chat_id=chat.id, chat_type=chat.type, title=chat.title, ui_lang=ui
        )
    context.chat.ui_lang = ui
    await edit(update, context, render.lang_set(ui))


async def stale(update: Update, context: ChaikhanaContext) -> None:
    """Answer a button this version of the bot does not know (an old message)."""
    query = update.callback_query
    assert query is not None
    await query.answer(i18n.t(lang(update, context), "list.expired"), show_alert=False)
