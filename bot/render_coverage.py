"""Coverage at a glance: "Also reported by …", who was first, and every version's link."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n, render
from bot.i18n import t
from bot.render import Reply, esc, shorten
from bot.services.coverage import Coverage

MAX_OUTLETS_SHOWN = 6


def _when(cov: Coverage, lang: str) -> str:
    first = cov.first
    assert first is not None
    moment = first.when
    return f"{i18n.format_date(moment, lang)}, {moment:%H:%M} UTC"


def summary(cov: Coverage, shown_source: str | None, lang: str) -> str:
    """Render who else told the story and who told it first ("" for a single outlet)."""
    outlets = cov.outlets()
    if len(outlets) < 2:
        return ""
    others = [(s, code) for s, code in outlets if s != shown_source]
    named = ", ".join(
        f"{esc(shorten(s, 40))} ({esc(code)})" for s, code in others[:MAX_OUTLETS_SHOWN]
    )
    if len(others) > MAX_OUTLETS_SHOWN:
        named += f" +{len(others) - MAX_OUTLETS_SHOWN}"
    first = cov.first
    assert first is not None
    lines = [f"🗞 {esc(t(lang, 'coverage.also'))} {named}"]
    lines.append(
        f"⏱ {esc(t(lang, 'coverage.first'))} {esc(shorten(first.source or '?', 40))}, "
        f"{_when(cov, lang)}"
    )
    return "\n".join(lines)


def button(cov: Coverage, lang: str) -> InlineKeyboardMarkup | None:
    """The "every version" button, for a story told more than once."""
    if len(cov.versions) < 2:
        return None
    label = t(lang, "coverage.button", count=len(cov.versions))
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"cv:{cov.story_id}")]])


def versions(cov: Coverage | None, lang: str) -> Reply:
    """List every version of a story with its outlet, language, date and link."""
    if cov is None:
        return Reply((esc(t(lang, "list.expired")),))
    blocks = [f"🗞 <b>{esc(t(lang, 'coverage.header', count=len(cov.versions)))}</b>"]
    for n, v in enumerate(cov.versions, start=1):
        title = esc(shorten(v.title, 120))
        if v.url and v.url.startswith(("http://", "https://")):
            title = f'<a href="{esc(v.url)}">{title}</a>'
        outlet = esc(shorten(v.source or "?", 40))
        date = i18n.format_date(v.when, lang)
        blocks.append(f"{n}. {title}\n<i>{outlet} ({esc(v.lang)}) · {date}</i>")
    return Reply(render.split(blocks))
