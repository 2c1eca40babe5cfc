"""The event reminders toggle under /subscribe and /settings, in the reader's language."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import render
from bot.i18n import t
from bot.render import Reply


def toggle_button(on: bool, lang: str) -> InlineKeyboardButton:
    """The button that turns reminders the other way."""
    if on:
        return InlineKeyboardButton(t(lang, "reminder.button_off"), callback_data="rem:0")
    return InlineKeyboardButton(t(lang, "reminder.button_on"), callback_data="rem:1")


def with_toggle(reply: Reply, on: bool | None, lang: str) -> Reply:
    """Add the reminders choice under a subscription reply (None: no subscription)."""
    if on is None:
        return reply
    rows = list(reply.keyboard.inline_keyboard) if reply.keyboard else []
    return Reply(
        reply.texts, InlineKeyboardMarkup([*rows, [toggle_button(on, lang)]]), reply.preview
    )


def toggled(on: bool | None, lang: str) -> Reply:
    """Confirm the new state (or say there is no subscription to remind)."""
    if on is None:
        return Reply((render.esc(t(lang, "reminder.no_subscription")),))
    text = render.esc(t(lang, "reminder.on" if on else "reminder.off"))
    return Reply((text,), InlineKeyboardMarkup([[toggle_button(on, lang)]]))
