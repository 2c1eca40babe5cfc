"""The text of an event reminder (no Telegram objects: the outbox stores it as HTML)."""

from __future__ import annotations

from datetime import date

from bot import i18n, render
from bot.i18n import t


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
    details = [i18n.format_dates(start, end, lang), render.esc(render.place_name(place, lang))]
    if country:
        details.append(f"{render.flag(country)} {render.esc(render.country_name(country, lang))}")
    lines.append(" · ".join(d for d in details if d))
    command = render.esc(render.shorten(name, 60))
    lines.append(render.esc(t(lang, "reminder.more")) + f" <code>/event {command}</code>")
    return "\n".join(lines)
