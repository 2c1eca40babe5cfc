"""Render a composed Digest as Telegram HTML messages, in the reader's language.

A digest opens with a header, then a section per country (its flag and name riding with
the section's first story, so a split never leaves a heading alone at the end of a
message), how many more stories matched, and the coming week's events. Messages are split
at story boundaries within Telegram's 4096 characters.
"""

from __future__ import annotations

import logging
from datetime import date
from zoneinfo import ZoneInfo

from bot import i18n
from bot.i18n import t
from bot.render import MAX_TITLE, country_name, esc, flag, place_name, shorten, split, story
from digests.digest import Candidate, Digest, UpcomingEvent
from storage.lookups import StoryView

logger = logging.getLogger(__name__)


def digest(
    composed: Digest,
    lang: str,
    *,
    cadence: str,
    timezone: str = "UTC",
    bot_username: str | None = None,
    channel: bool = False,
    span: tuple[date, date] | None = None,
) -> tuple[str, ...]:
    """Render a digest as one or more messages (the "nothing new" line when it is empty).

    ``span``: the days a digest of older news covers, named in its header instead of a
    day ("stories from 5 Jan 2022 to 7 Apr 2026", not "the digest for the day").
    """
    local = composed.until.astimezone(_zone(timezone))
    header = t(lang, f"digest.header_{cadence}", date=esc(i18n.format_date(local, lang)))
    if span is not None:
        start, end = (esc(i18n.format_date(day, lang)) for day in span)
        header = t(lang, "digest.header_range", start=start, end=end)
    if composed.empty:
        return (f"{header}\n\n{esc(t(lang, 'digest.empty'))}",)
    blocks = [header]
    for code, stories in composed.sections:
        heading = (
            f"{flag(code)} <b>{esc(country_name(code, lang))}</b>"
            if code
            else t(lang, "digest.other")
        )
        for i, candidate in enumerate(stories):
            block = story(_view(candidate), lang)
            blocks.append(f"{heading}\n\n{block}" if i == 0 else block)
    if composed.more > 0:
        more = (
            t(lang, "digest.more_channel", count=composed.more, bot=esc(bot_username))
            if channel and bot_username
            else t(lang, "digest.more", count=composed.more)
        )
        # The line rides with the last story: alone it could be a message (a notification)
        # of its own when the last part is full.
        blocks[-1] = f"{blocks[-1]}\n\n{more}"
    if composed.events:
        lines = [t(lang, "digest.events"), *(event_line(ev, lang) for ev in composed.events)]
        blocks.append("\n".join(lines))
    return split(blocks)


def event_line(event: UpcomingEvent, lang: str) -> str:
    """Render an upcoming event on one line: name, dates, place, flag."""
    details = [
        d
        for d in (
            i18n.format_dates(event.start, event.end, lang),
            esc(place_name(event.place, lang)),
        )
        if d
    ]
    line = f"• <b>{esc(shorten(event.name, MAX_TITLE))}</b>"
    if details:
        line += " — " + ", ".join(details)
    if event.country:
        line += f" {flag(event.country)}"
    return line


def _view(candidate: Candidate) -> StoryView:
    """Show a digest's story exactly as the lookups show one."""
    return StoryView(
        story_id=candidate.story_id,
        article_id=candidate.article_id,
        title=candidate.title,
        url=candidate.url,
        summary=candidate.summary,
        lang=candidate.lang,
        countries=candidate.countries,
        sources=candidate.sources,
        langs=candidate.langs,
        published=candidate.published,
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        logger.warning("unknown timezone %r; dating the digest in UTC", name)
        return ZoneInfo("UTC")
