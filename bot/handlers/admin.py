"""Commands for the bot's admins (``telegram.admins``): channels, /stats, /sources, previews.

Anyone else gets the unknown-command hint, as if these commands did not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import channels
from bot import render_subscribe as screens
from bot.context import ChaikhanaContext
from bot.handlers import trends as trend_handlers
from bot.handlers.commands import unknown
from bot.handlers.common import argument, lang, send
from bot.handlers.subscribe import apply_words, now, parse_words, save_draft
from bot.render_subscribe import Draft
from bot.services import digests as digest_service
from bot.services import sources as source_service
from storage import sources, subscriptions
from storage.errors import AlreadyExists

logger = logging.getLogger(__name__)

Handler = Callable[[Update, ChaikhanaContext], Coroutine[Any, Any, None]]


def admins_only(handler: Handler) -> Handler:
    """Run the handler for the bot's admins; answer anyone else as an unknown command."""

    @wraps(handler)
    async def guarded(update: Update, context: ChaikhanaContext) -> None:
        user = update.effective_user
        if user is None or user.id not in context.cfg.telegram.admins:
            await unknown(update, context)
            return
        await handler(update, context)

    return guarded


def _ref(text: str) -> str | int:
    """Return a channel reference for getChat: a numeric id, or an @username."""
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return text if text.startswith("@") else f"@{text}"


# ---- /channel --------------------------------------------------------------------------------


@admins_only
async def channel(update: Update, context: ChaikhanaContext) -> None:
    """Link, list, unlink or set up a channel: /channel add|list|remove|set @name …"""
    ui, text = lang(update, context), await argument(update, context)
    if text is None:
        return
    action, _, rest = text.partition(" ")
    name, _, words = rest.strip().partition(" ")
    action = action.lower()
    if action == "list":
        async with context.db() as session:
            linked = await subscriptions.channels(session)
        await send(update, context, screens.channel_list(linked, ui))
    elif action in ("add", "set") and name:
        await _channel_save(update, context, _ref(name), words, add=action == "add")
    elif action == "remove" and name:
        await _channel_remove(update, context, _ref(name))
    else:
        await send(update, context, screens.admin_message(ui, "channel_usage"))


async def _channel_save(
    update: Update, context: ChaikhanaContext, ref: str | int, text: str, *, add: bool
) -> None:
    ui = lang(update, context)
    parsed = parse_words(text, ui)
    if parsed.unknown:
        await send(update, context, screens.unknown_words(parsed.unknown, ui))
        return
    found = await channels.check(context.bot, ref)
    if not found.ok or found.chat_id is None:
        problem = found.problem or "not_found"
        await send(update, context, screens.admin_message(ui, f"channel_{problem}", ref=str(ref)))
        return
    async with context.db() as session, session.begin():
        view = await subscriptions.get(session, found.chat_id)
        linked = view is not None and not view.cancelled
        if not add and not linked:
            saved = None
        else:
            draft = Draft.of(view) if view is not None and linked else Draft()
            saved = await save_draft(
                session,
                apply_words(parsed, draft),
                chat_id=found.chat_id,
                chat_type="channel",
                title=found.title,
                ui=view.ui_lang if view is not None and linked else ui,
                now=now(context),
            )
    if saved is None:
        await send(update, context, screens.admin_message(ui, "channel_not_linked", ref=str(ref)))
        return
    await send(update, context, screens.channel_saved(saved, ui, new=not linked))


async def _channel_remove(update: Update, context: ChaikhanaContext, ref: str | int) -> None:
    ui = lang(update, context)
    chat_id = ref if isinstance(ref, int) else (await channels.check(context.bot, ref)).chat_id
    view = None
    if chat_id is not None:
        async with context.db() as session, session.begin():
            view = await subscriptions.cancel(session, chat_id, now=now(context))
    key = "channel_removed" if view is not None else "channel_not_linked"
    await send(update, context, screens.admin_message(ui, key, ref=str(ref)))


# ---- /stats, /sources, /broadcast_preview ----------------------------------------------------


@admins_only
async def stats(update: Update, context: ChaikhanaContext) -> None:
    """Show subscribers, today's deliveries and the sources' health."""
    async with context.db() as session:
        counted = await subscriptions.stats(session, now=now(context))
        records = await sources.list_all(session)
    await send(update, context, screens.stats(counted, records, lang(update, context)))
    await trend_handlers.activity_chart(update, context)  # the same, drawn over recent days


@admins_only
async def sources_(update: Update, context: ChaikhanaContext) -> None:
    """List the sources, or add (``add URL [country] [lang]``) or remove (``remove ID|URL``) one."""
    ui, text = lang(update, context), await argument(update, context)
    if text is None:
        return
    action, *args = text.split() or [""]
    if action.lower() == "add" and args:
        await _source_add(update, context, args[0], args[1:])
    elif action.lower() == "remove" and len(args) == 1:
        async with context.db() as session, session.begin():
            removed = await sources.remove(session, args[0])
        key = "source_removed" if removed else "source_not_found"
        await send(update, context, screens.admin_message(ui, key, ref=args[0]))
    else:
        async with context.db() as session:
            records = await sources.list_all(session)
        await send(update, context, screens.sources_list(records, ui))


async def _source_add(update: Update, context: ChaikhanaContext, url: str, rest: list[str]) -> None:
    ui = lang(update, context)
    if len(rest) > 2:
        words = ", ".join(f"“{w}”" for w in rest[2:])
        await send(update, context, screens.admin_message(ui, "source_bad_words", words=words))
        return
    try:
        record = await source_service.add(
            context.db,
            url,
            country=rest[0] if rest else None,
            lang=rest[1] if len(rest) > 1 else None,
        )
    except source_service.InvalidSource as exc:
        if any(p.field == "url" for p in exc.problems):
            key, fields = "source_bad_url", {"url": url}
        else:
            key, fields = (
                "source_bad_words",
                {"words": ", ".join(f"“{p.value}”" for p in exc.problems)},
            )
        await send(update, context, screens.admin_message(ui, key, **fields))
        return
    except AlreadyExists:
        await send(update, context, screens.admin_message(ui, "source_exists", url=url))
        return
    answer = screens.admin_message(ui, "source_added", id=str(record.id), url=record.url)
    await send(update, context, answer)


@admins_only
async def broadcast_preview(update: Update, context: ChaikhanaContext) -> None:
    """Show what the next digest of this chat, or of a channel, would look like."""
    ui, text, chat = lang(update, context), await argument(update, context), update.effective_chat
    if text is None or chat is None:
        return
    chat_id: int | None = chat.id
    if text:
        ref = _ref(text.split()[0])
        chat_id = ref if isinstance(ref, int) else (await channels.check(context.bot, ref)).chat_id
    async with context.db() as session, session.begin():
        view, texts = await digest_service.preview_for_chat(
            session,
            chat_id,
            now=now(context),
            cfg=context.cfg.digests,
            bot_username=context.bot.username,
        )
    await send(update, context, screens.preview(view, texts, ui))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Register the admin commands."""
    app.add_handler(CommandHandler("channel", channel))
    app.add_handler(CommandHandler("stats", stats))
    app.add_handler(CommandHandler("sources", sources_))
    app.add_handler(CommandHandler("broadcast_preview", broadcast_preview))
