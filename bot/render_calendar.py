"""The "Add to calendar" buttons under event replies, and the captions of ``.ics`` files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import render
from bot.i18n import t
from bot.render import Reply
from bot.services.calendar import CalendarFile
from storage.lookups import EventCard, EventView


def _with_row(reply: Reply, button: InlineKeyboardButton) -> Reply:
    rows = list(reply.keyboard.inline_keyboard) if reply.keyboard else []
    return Reply(reply.texts, InlineKeyboardMarkup([*rows, [button]]), reply.preview)


def event_reply(reply: Reply, card: EventCard | None, lang: str) -> Reply:
    """Add "Add to calendar" under an event's card, when the event has a date."""
    if card is None or card.event.start is None:
        return reply
    button = InlineKeyboardButton(t(lang, "calendar.add"), callback_data=f"ics:{card.event.id}")
    return _with_row(reply, button)


def events_reply(reply: Reply, items: Sequence[EventView], lang: str, today: date) -> Reply:
    """Add "Coming events to calendar" under /events, when one of them is dated and coming."""
    coming = [ev for ev in items if ev.start is not None and (ev.end or ev.start) >= today]
    if not coming:
        return reply
    return _with_row(
        reply, InlineKeyboardButton(t(lang, "calendar.add_all"), callback_data="ics:all")
    )


def caption(found: CalendarFile, lang: str) -> str:
    """Say what the file is and how to use it."""
    title = render.esc(render.shorten(found.title, 200))
    return t(lang, "calendar.caption", title=title, count=found.events)
