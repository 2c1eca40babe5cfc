"""Render stories as inline query results: what a reader shares with @bot in any chat."""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, LinkPreviewOptions
from telegram.constants import ParseMode

from bot import i18n, render
from bot.services.inline import InlineAnswer
from storage.lookups import StoryView

MAX_RESULT_TITLE = 120
MAX_DESCRIPTION = 160


def description(view: StoryView, lang: str) -> str:
    """One line under the title: flags, the date, and the summary's first sentence."""
    flags = "".join(render.flag(c) for c in view.countries)
    date = i18n.format_date(view.published, lang) if view.published else ""
    head = " ".join(part for part in (flags, date) if part)
    first = render.brief(view.summary).split(". ")[0] if view.summary else ""
    line = " · ".join(part for part in (head, first) if part)
    return render.shorten(line, MAX_DESCRIPTION)


def result(view: StoryView, lang: str) -> InlineQueryResultArticle:
    """Render one story as an article result whose message is the story's card."""
    url = view.url if view.url and view.url.startswith(("http://", "https://")) else None
    return InlineQueryResultArticle(
        id=f"s{view.story_id}",
        title=render.shorten(view.title, MAX_RESULT_TITLE) or "…",
        description=description(view, lang) or None,
        url=url,
        input_message_content=InputTextMessageContent(
            render.story(view, lang),
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=url is None),
        ),
    )


def results(found: InlineAnswer) -> list[InlineQueryResultArticle]:
    """Render a page of stories as inline results (at most one per story)."""
    return [result(view, found.lang) for view in found.page.stories]
