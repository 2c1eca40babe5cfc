"""Render stories as inline query results: what a reader shares with @bot in any chat."""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, LinkPreviewOptions
from telegram.constants import ParseMode

from bot import i18n, render, render_coverage
from bot.services.coverage import Coverage
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


def result(view: StoryView, lang: str, cov: Coverage | None = None) -> InlineQueryResultArticle:
    """Render one story as an article result whose message is the story's card, with who
    covered it and a button to every version."""
    url = view.url if view.url and view.url.startswith(("http://", "https://")) else None
    text = render.story(view, lang)
    told = render_coverage.summary(cov, _shown_source(view), lang) if cov else ""
    if told:
        text = f"{text}\n{told}"
    return InlineQueryResultArticle(
        id=f"s{view.story_id}",
        title=render.shorten(view.title, MAX_RESULT_TITLE) or "…",
        description=description(view, lang) or None,
        url=url,
        reply_markup=render_coverage.button(cov, lang) if cov else None,
        input_message_content=InputTextMessageContent(
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=url is None),
        ),
    )


def results(found: InlineAnswer) -> list[InlineQueryResultArticle]:
    """Render a page of stories as inline results (at most one per story)."""
    return [
        result(view, found.lang, found.coverage.get(view.story_id)) for view in found.page.stories
    ]


def _shown_source(view: StoryView) -> str | None:
    """The outlet of the version shown (the reader's): StoryView lists it first."""
    return view.sources[0] if view.sources else None
