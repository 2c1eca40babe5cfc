"""Reminder messages and the reminders toggle, in the reader's language."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n, render
from bot.i18n import t
from bot.render import Reply


def reminder(
    kind: str,
    *,
    name: str,
    start: date,
    end: date | None,
    place: str | None,
    country: str | None,
    lang: str,
) -> str:
    """Render one reminder: tomorrow ("before") or today ("open"), the dates, the place."""
    head = t(lang, "reminder.tomorrow" if kind == "before" else "reminder.today")
    lines = [f"🔔 {render.esc(head)}: <b>{render.esc(render.shorten(name, 200))}</b>"]
    details = [i18n.format_dates(start, end, lang), render.esc(place or "")]
    if country:
        details.append(f"{render.flag(country)} {render.esc(render.country_name(country, lang))}")
    lines.append(" · ".join(d for d in details if d))
    command = render.esc(render.shorten(name, 60))
    lines.append(render.esc(t(lang, "reminder.more")) + f" <code>/event {command}</code>")
    return "\n".join(lines)


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
