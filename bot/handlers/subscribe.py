"""The subscription in chat: /subscribe (a guided flow or shortcuts), /settings, /filter,
/digest, /pause, /resume, /unsubscribe. In groups only the group's admins may change it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Chat, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import i18n, render, render_reminders
from bot import render_subscribe as screens
from bot.context import ChaikhanaContext, ChatData
from bot.handlers.common import argument, clean, edit, lang, send, topic_thread
from bot.render import Reply
from bot.render_subscribe import Draft
from bot.services import digests as digest_service
from bot.services import reminders
from digests.schedule import CADENCES, parse_time, parse_timezone, parse_weekday
from digests.understand import countries
from storage import subscriptions
from storage.subscriptions import SubscriptionView

logger = logging.getLogger(__name__)

MAX_KEYWORDS = 20
MAX_KEYWORD = 60
# A keyword's sign; phones often turn a typed "-" into a minus sign or a dash.
_SIGNS = {"+": "+", "-": "-", "−": "-", "–": "-"}


def now(context: ChaikhanaContext) -> datetime:
    """Return the current time by the bot's clock (tests move it)."""
    return context.bot_data.now()


# ---- who may change the subscription -------------------------------------------------------


async def may_manage(update: Update, context: ChaikhanaContext) -> bool:
    """Tell whether the sender may change this chat's subscription (a group's admins only)."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    # An anonymous admin posts as the group itself.
    if update.callback_query is None and message and message.sender_chat:
        return message.sender_chat.id == chat.id
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def _guard(update: Update, context: ChaikhanaContext) -> bool:
    """Return True if the sender may go on; otherwise refuse politely and return False."""
    if await may_manage(update, context):
        return True
    text = screens.refused(lang(update, context))
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await send(update, context, Reply((screens.plain(text),)))
    return False


# ---- shortcuts: /subscribe kz uz 08:30 ---------------------------------------------------


@dataclass(slots=True)
class Words:
    """What the words after /subscribe (or /channel set) asked for."""

    countries: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    cadence: str | None = None
    weekday: int | None = None
    time_of_day: str | None = None
    timezone: str | None = None
    unknown: list[str] = field(default_factory=list)


@cache
def _cadence_words() -> dict[str, str]:
    """Return every word for a cadence in any UI language → the cadence."""
    words = {c: c for c in CADENCES}
    for ui in i18n.SUPPORTED:
        for cadence in CADENCES:
            for word in i18n.t(ui, f"subscribe.words_{cadence}").split():
                words.setdefault(word.casefold(), cadence)
    return words


@cache
def _topic_names() -> dict[str, str]:
    """Return every topic key and name in any UI language, case-folded → the key."""
    names: dict[str, str] = {}
    for key in render.topic_keys():
        names[key] = key
        for ui in i18n.SUPPORTED:
            names.setdefault(render.topic_label(key, ui).casefold(), key)
    return names


def _word(text: str, words: Words, ui: str) -> bool:
    """Take one word (or two) into ``words``; return False if it means nothing known."""
    folded = text.casefold()
    if folded in _cadence_words():
        words.cadence = _cadence_words()[folded]
        return True
    if any(ch.isdigit() for ch in text) and (hhmm := parse_time(text)):
        words.time_of_day = hhmm
        return True
    if folded in _topic_names():
        words.topics.append(_topic_names()[folded])
        return True
    found = countries.resolve(text)
    if found and found.exact and found.code in render.FOCUS_COUNTRIES:
        words.countries.append(found.code)
        return True
    if (day := parse_weekday(text)) is not None:
        words.weekday = day
        return True
    if zone := parse_timezone(text):
        words.timezone = zone
        return True
    if found:
        words.countries.append(found.code)
        return True
    if " " not in text and (key := render.topic_key(text, ui)):
        words.topics.append(key)
        return True
    return False


def parse_words(text: str, ui: str) -> Words:
    """Read shortcut words: countries, topics, cadence, weekday, time and time zone."""
    tokens = text.replace(",", " ").split()
    words = Words()
    i = 0
    while i < len(tokens):
        if _word(tokens[i], words, ui):
            i += 1
        elif i + 1 < len(tokens) and _word(f"{tokens[i]} {tokens[i + 1]}", words, ui):
            i += 2
        else:
            words.unknown.append(tokens[i])
            i += 1
    words.countries = list(dict.fromkeys(words.countries))
    words.topics = list(dict.fromkeys(words.topics))
    return words


def apply_words(words: Words, draft: Draft) -> Draft:
    """Change what the words name in a draft; leave the rest as it was."""
    if words.countries:
        draft.countries = words.countries
    if words.topics:
        draft.topics = words.topics
    if words.cadence:
        draft.cadence = words.cadence
    elif words.weekday is not None:
        draft.cadence = "weekly"
    if words.weekday is not None:
        draft.weekday = words.weekday
    if draft.cadence == "weekly" and draft.weekday is None:
        draft.weekday = 0
    if draft.cadence != "weekly":
        draft.weekday = None
    if words.time_of_day:
        draft.time_of_day = words.time_of_day
    if words.timezone:
        draft.timezone = words.timezone
    return draft


async def save_draft(
    session: AsyncSession,
    draft: Draft,
    *,
    chat_id: int,
    chat_type: str,
    title: str | None,
    ui: str,
    now: datetime,
) -> SubscriptionView:
    """Store what a draft describes as a chat's subscription."""
    return await subscriptions.save(
        session,
        chat_id=chat_id,
        chat_type=chat_type,
        title=title,
        ui_lang=ui,
        now=now,
        countries=draft.countries,
        topics=draft.topics,
        cadence=draft.cadence,
        weekday=draft.weekday if draft.cadence == "weekly" else None,
        time_of_day=draft.time_of_day,
        timezone=draft.zone(),
        thread_id=draft.thread_id,
    )


def _where(chat: Chat) -> dict[str, Any]:
    return {"chat_id": chat.id, "chat_type": chat.type, "title": chat.title}


# ---- /subscribe ----------------------------------------------------------------------------


async def subscribe(update: Update, context: ChaikhanaContext) -> None:
    """Open the guided flow, or subscribe at once from shortcut words."""
    chat = update.effective_chat
    if chat is None or not await _guard(update, context):
        return
    text = await argument(update, context)
    if text:
        await _subscribe_now(update, context, chat, parse_words(text, lang(update, context)))
    elif text is not None:
        await _open_flow(update, context, chat)


def _start_draft(view: SubscriptionView | None, thread: int | None) -> Draft:
    """Start the flow from the current subscription (if any); in a forum topic, post there."""
    live = view is not None and not view.cancelled
    draft = Draft.of(view, topic_thread=thread) if view is not None and live else Draft()
    draft.editing, draft.topic_thread = False, thread
    if thread is not None:
        draft.thread_id = thread
    return draft


async def _open_flow(update: Update, context: ChaikhanaContext, chat: Chat) -> None:
    async with context.db() as session:
        view = await subscriptions.get(session, chat.id)
    draft = _start_draft(view, topic_thread(update))
    context.chat.draft = draft.dump()
    await send(update, context, screens.screen(draft, "countries", lang(update, context)))


async def _subscribe_now(
    update: Update, context: ChaikhanaContext, chat: Chat, words: Words
) -> None:
    ui = lang(update, context)
    if words.unknown:
        await send(update, context, screens.unknown_words(words.unknown, ui))
        return
    async with context.db() as session, session.begin():
        view = await subscriptions.get(session, chat.id)
        draft = apply_words(words, _start_draft(view, topic_thread(update)))
        if not draft.timezone:  # no zone typed nor kept: the reader's, as their language says
            draft.timezone = screens.LANG_TIMEZONES.get(ui.split("-")[0], "")
        saved = await save_draft(session, draft, **_where(chat), ui=ui, now=now(context))
        on = await reminders.reminders_on(session, chat.id)
    reply = screens.saved(saved, ui, new=view is None or view.cancelled)
    await send(update, context, render_reminders.with_toggle(reply, on, ui))


def _toggle(chosen: list[str], value: str, allowed: tuple[str, ...]) -> list[str]:
    if value == "*":
        return []
    if value not in allowed:
        return chosen
    return [c for c in chosen if c != value] if value in chosen else [*chosen, value]


def _step(draft: Draft, action: str, value: str) -> str:
    """Apply a press to the draft; return the screen to show next."""
    draft.waiting = None
    if action == "c":
        draft.countries = _toggle(draft.countries, value, render.FOCUS_COUNTRIES)
        return "countries"
    if action == "t":
        draft.topics = _toggle(draft.topics, value, render.topic_keys())
        return "topics"
    if action == "cad" and value in CADENCES:
        draft.cadence = value
        if value == "weekly" and draft.weekday is None:
            draft.weekday = 0
        return {"daily": "time", "weekly": "weekday", "instant": "confirm"}[value]
    if action == "wd" and value.isdigit() and int(value) < 7:
        draft.weekday = int(value)
        return "time"
    if action == "tm":
        if value == "ask":
            draft.waiting = "time"
            return "time"
        draft.time_of_day = parse_time(value) or draft.time_of_day
        return "timezone"
    if action == "tz":
        if value == "ask":
            draft.waiting = "timezone"
            return "timezone"
        draft.timezone = parse_timezone(value) or draft.timezone
        return "confirm"
    if action == "thr":
        draft.thread_id = None if draft.thread_id is not None else draft.topic_thread
        return "confirm"
    return value if action == "go" and value in screens.SCREENS else "countries"


async def _draft_or_expired(update: Update, context: ChaikhanaContext) -> Draft | None:
    """Return the chat's draft after checking the sender; say the buttons expired if none."""
    if not await _guard(update, context):
        return None
    draft = Draft.load(context.chat.draft)
    if draft is None:
        await edit(update, context, screens.expired(lang(update, context)))
    return draft


async def flow(update: Update, context: ChaikhanaContext) -> None:
    """Apply a press in the /subscribe flow (``sb:<action>:<value>``); show the next screen."""
    query = update.callback_query
    draft = await _draft_or_expired(update, context)
    if query is None or draft is None:
        return
    _, action, value = f"{query.data or ''}::".split(":", 2)
    name = _step(draft, action, value.rstrip(":"))
    context.chat.draft = draft.dump()
    ui = lang(update, context)
    shown = screens.ask_typed(draft, ui) if draft.waiting else screens.screen(draft, name, ui)
    await edit(update, context, shown)


async def confirm(update: Update, context: ChaikhanaContext) -> None:
    """Save the subscription the flow describes (``sb:ok``)."""
    chat, ui, query = update.effective_chat, lang(update, context), update.callback_query
    if chat is not None and query is not None and context.chat.draft is None:
        # A second tap on the same "Subscribe" (a double tap, or a press that crossed our
        # edit): the first one saved it, so say so again instead of "out of date".
        async with context.db() as session:
            saved = await subscriptions.get(session, chat.id)
        if saved is not None and not saved.cancelled and await _guard(update, context):
            await query.answer(i18n.t(ui, "subscribe.already_saved"))
            return
    draft = await _draft_or_expired(update, context)
    if chat is None or draft is None:
        return
    async with context.db() as session, session.begin():
        before = await subscriptions.get(session, chat.id)
        view = await save_draft(session, draft, **_where(chat), ui=ui, now=now(context))
        on = await reminders.reminders_on(session, chat.id)
    context.chat.draft = None
    reply = screens.saved(view, ui, new=before is None or before.cancelled)
    await edit(update, context, render_reminders.with_toggle(reply, on, ui))


async def cancel_flow(update: Update, context: ChaikhanaContext) -> None:
    """Leave the flow without saving (``sb:x``)."""
    if await _draft_or_expired(update, context) is None:
        return
    context.chat.draft = None
    await edit(update, context, screens.cancelled(lang(update, context)))


class Waiting(filters.MessageFilter):
    """Text in a chat whose /subscribe flow waits for a typed time or time zone."""

    def __init__(self, chat_data: Mapping[int, ChatData]) -> None:
        super().__init__(name="subscribe.Waiting")
        self._chat_data = chat_data

    def filter(self, message: Message) -> bool:
        data = self._chat_data.get(message.chat.id)
        draft = data.draft if data is not None else None
        return bool(draft and draft.get("waiting"))


async def typed(update: Update, context: ChaikhanaContext) -> None:
    """Read a typed time or time zone while the flow waits for one."""
    draft, message = Draft.load(context.chat.draft), update.effective_message
    if draft is None or draft.waiting is None or message is None or not message.text:
        return
    if not await _guard(update, context):
        return
    ui, text = lang(update, context), clean(message.text)
    value = parse_time(text) if draft.waiting == "time" else parse_timezone(text)
    if value is None:
        await send(update, context, screens.not_understood(ui, draft.waiting, text))
        return
    if draft.waiting == "time":
        draft.time_of_day, following = value, "timezone"
    else:
        draft.timezone, following = value, "confirm"
    draft.waiting = None
    context.chat.draft = draft.dump()
    await send(update, context, screens.screen(draft, following, ui))


# ---- /settings and its buttons -------------------------------------------------------------


async def settings(update: Update, context: ChaikhanaContext) -> None:
    """Show the subscription with buttons to change it."""
    chat = update.effective_chat
    if chat is None or not await _guard(update, context):
        return
    async with context.db() as session:
        view = await subscriptions.get(session, chat.id)
        on = await reminders.reminders_on(session, chat.id)
    ui = lang(update, context)
    await send(update, context, render_reminders.with_toggle(screens.settings(view, ui), on, ui))


async def edit_settings(update: Update, context: ChaikhanaContext) -> None:
    """Open the flow's countries, topics or schedule screen on the subscription (``sb:e:…``)."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None or not await _guard(update, context):
        return
    async with context.db() as session:
        view = await subscriptions.get(session, chat.id)
    ui = lang(update, context)
    if view is None or view.cancelled:
        await edit(update, context, screens.settings(view, ui))
        return
    message = query.message if isinstance(query.message, Message) else None
    thread = message.message_thread_id if message and message.is_topic_message else None
    draft = Draft.of(view, topic_thread=thread)
    context.chat.draft = draft.dump()
    first = {"sb:e:c": "countries", "sb:e:t": "topics"}.get(query.data or "", "cadence")
    await edit(update, context, screens.screen(draft, first, ui))


async def pause_button(update: Update, context: ChaikhanaContext) -> None:
    """Pause (``sb:p``) or resume (``sb:r``) from /settings, and show the settings again."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None or not await _guard(update, context):
        return
    async with context.db() as session, session.begin():
        view = await subscriptions.set_paused(
            session, chat.id, query.data == "sb:p", now=now(context)
        )
    await edit(update, context, screens.settings(view, lang(update, context)))


async def unsubscribe_button(update: Update, context: ChaikhanaContext) -> None:
    """Unsubscribe from /settings (``sb:u``), offering Undo."""
    chat = update.effective_chat
    if chat is None or not await _guard(update, context):
        return
    async with context.db() as session, session.begin():
        view = await subscriptions.cancel(session, chat.id, now=now(context))
    await edit(update, context, screens.unsubscribed(view, lang(update, context)))


async def undo(update: Update, context: ChaikhanaContext) -> None:
    """Take an unsubscribe back (``sb:undo``)."""
    chat = update.effective_chat
    if chat is None or not await _guard(update, context):
        return
    async with context.db() as session, session.begin():
        view = await subscriptions.restore(session, chat.id, now=now(context))
    await edit(update, context, screens.restored(view, lang(update, context)))


# ---- /pause, /resume, /unsubscribe ----------------------------------------------------------


async def pause(update: Update, context: ChaikhanaContext) -> None:
    """Stop sending digests for a while."""
    await _set_paused(update, context, True)


async def resume(update: Update, context: ChaikhanaContext) -> None:
    """Send digests again."""
    await _set_paused(update, context, False)


async def _set_paused(update: Update, context: ChaikhanaContext, paused: bool) -> None:
    chat = update.effective_chat
    if chat is None or not await _guard(update, context):
        return
    async with context.db() as session, session.begin():
        view = await subscriptions.set_paused(session, chat.id, paused, now=now(context))
    await send(update, context, screens.paused(view, lang(update, context), now_paused=paused))


async def unsubscribe(update: Update, context: ChaikhanaContext) -> None:
    """Cancel the subscription, with a one-tap Undo."""
    chat = update.effective_chat
    if chat is None or not await _guard(update, context):
        return
    async with context.db() as session, session.begin():
        view = await subscriptions.cancel(session, chat.id, now=now(context))
    await send(update, context, screens.unsubscribed(view, lang(update, context)))


# ---- /filter ---------------------------------------------------------------------------------


def parse_keywords(text: str) -> list[tuple[str, str]]:
    """Read ``+Astana Hub -crypto``: a + or - starts a new keyword; words before any sign add."""
    found: list[tuple[str, str]] = []
    sign, words = "+", list[str]()
    for token in text.split():
        if token[0] in _SIGNS:
            if words:
                found.append((sign, " ".join(words)))
            sign, words = _SIGNS[token[0]], ([token[1:]] if token[1:] else [])
        else:
            words.append(token)
    if words:
        found.append((sign, " ".join(words)))
    return [(s, k[:MAX_KEYWORD]) for s, k in found if k.strip(" +-")]


def merge_keywords(
    include: tuple[str, ...], exclude: tuple[str, ...], changes: list[tuple[str, str]]
) -> tuple[list[str], list[str]]:
    """Add each keyword to its list (and take it out of the other one)."""
    inc, exc = list(include), list(exclude)
    for sign, keyword in changes:
        folded = keyword.casefold()
        inc = [k for k in inc if k.casefold() != folded]
        exc = [k for k in exc if k.casefold() != folded]
        (inc if sign == "+" else exc).append(keyword)
    return inc[-MAX_KEYWORDS:], exc[-MAX_KEYWORDS:]


@cache
def _clear_words() -> frozenset[str]:
    return frozenset(
        w.casefold() for ui in i18n.SUPPORTED for w in i18n.t(ui, "subscribe.words_clear").split()
    )


async def filter_(update: Update, context: ChaikhanaContext) -> None:
    """Show the keyword filters, change them (``+word -word``) or clear them."""
    chat, ui, text = update.effective_chat, lang(update, context), await argument(update, context)
    if chat is None or text is None:
        return
    if text and not await _guard(update, context):
        return
    async with context.db() as session, session.begin():
        view = await subscriptions.get(session, chat.id)
        if text and view is not None and not view.cancelled:
            include: list[str] = []
            exclude: list[str] = []
            if text.casefold() not in _clear_words():
                include, exclude = merge_keywords(view.include, view.exclude, parse_keywords(text))
            view = await subscriptions.save(
                session,
                chat_id=chat.id,
                chat_type=chat.type,
                title=chat.title,
                ui_lang=ui,
                now=now(context),
                include=include,
                exclude=exclude,
            )
    await send(update, context, screens.filters_shown(view, ui))


# ---- /digest ---------------------------------------------------------------------------------


async def digest(update: Update, context: ChaikhanaContext) -> None:
    """Send the digest for this chat's filters now."""
    chat, ui = update.effective_chat, lang(update, context)
    if chat is None:
        return
    async with context.db() as session, session.begin():
        _, texts = await digest_service.preview_for_chat(
            session,
            chat.id,
            now=now(context),
            cfg=context.cfg.digests,
            bot_username=context.bot.username,
        )
    await send(update, context, Reply(texts) if texts else screens.not_subscribed(ui))


# ---- registration ----------------------------------------------------------------------------


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Register the subscription commands, buttons and the typed-answer reader."""
    app.add_handler(CommandHandler("subscribe", subscribe))
    app.add_handler(CommandHandler("settings", settings))
    app.add_handler(CommandHandler("filter", filter_))
    app.add_handler(CommandHandler("digest", digest))
    app.add_handler(CommandHandler("pause", pause))
    app.add_handler(CommandHandler("resume", resume))
    app.add_handler(CommandHandler("unsubscribe", unsubscribe))
    app.add_handler(CallbackQueryHandler(edit_settings, pattern=r"^sb:e:[cts]$"))
    app.add_handler(CallbackQueryHandler(pause_button, pattern=r"^sb:[pr]$"))
    app.add_handler(CallbackQueryHandler(unsubscribe_button, pattern=r"^sb:u$"))
    app.add_handler(CallbackQueryHandler(undo, pattern=r"^sb:undo$"))
    app.add_handler(CallbackQueryHandler(confirm, pattern=r"^sb:ok$"))
    app.add_handler(CallbackQueryHandler(cancel_flow, pattern=r"^sb:x$"))
    app.add_handler(CallbackQueryHandler(flow, pattern=r"^sb:"))
    waiting = Waiting(app.chat_data)  # type: ignore[arg-type]
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & waiting, typed))
