"""Render lookups as Telegram HTML replies, in the reader's language.

Everything that came from the web (titles, summaries, source names, event names, places,
user queries) is escaped here, once. A list is split into messages of at most 4096
characters at story boundaries, so no message is ever cut inside a tag or an entity.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n
from bot.i18n import t
from digests import places
from digests.understand import countries
from storage.lookups import CountryAnswer, EventCard, EventView, StoryPage, StoryView

if TYPE_CHECKING:
    from bot.services.coverage import Coverage

logger = logging.getLogger(__name__)

MAX_MESSAGE = 4096
MAX_TITLE = 200
MAX_SUMMARY = 320
MAX_QUERY_SHOWN = 60
FOCUS_COUNTRIES = ("kz", "uz", "kg", "tj", "tm")
FALLBACK_TOPICS = ("ai", "fintech", "startups", "telecom", "egov", "crypto")
CALLBACK_MAX = 64


@dataclass(frozen=True, slots=True)
class Reply:
    """What to send: one or more HTML messages, a keyboard under the last one."""

    texts: tuple[str, ...]
    keyboard: InlineKeyboardMarkup | None = None
    preview: bool = False


# ---- pieces -------------------------------------------------------------------------------


# Bidirectional controls (embeddings, overrides, isolates, marks): in a title from the web
# they reorder what a reader sees (a link text that reads backwards, a spoofed name) and
# spill into the text after it, so no title or snippet is shown with them.
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_bidi(text: str) -> str:
    """Drop bidirectional control characters."""
    return _BIDI.sub("", text)


def esc(text: str | None) -> str:
    """Escape text from the web (or a user) for Telegram HTML, without bidi controls."""
    return html.escape(strip_bidi(text or ""), quote=True)


def shorten(text: str, limit: int) -> str:
    """Cut text to ``limit`` characters at a word boundary, marking the cut with …."""
    text = " ".join(strip_bidi(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:—-") + "…"


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"«“A-ZА-ЯЁЎҚҒҲӘӨҮҰІҢҺӢӮҶ0-9])")


def brief(summary: str) -> str:
    """Keep the first one or two sentences of a summary, within MAX_SUMMARY characters."""
    sentences = _SENTENCE_END.split(" ".join(summary.split()))
    text = sentences[0] if sentences else ""
    if len(sentences) > 1 and len(text) + len(sentences[1]) < MAX_SUMMARY:
        text = f"{text} {sentences[1]}"
    return shorten(text, MAX_SUMMARY)


def flag(code: str) -> str:
    """Return the flag emoji of an ISO 3166 alpha-2 code (🇰🇿 for kz)."""
    return countries.flag(code)


def country_name(code: str, lang: str) -> str:
    """Name a country in the reader's language."""
    return countries.name(code, lang)


def place_name(place: str | None, lang: str) -> str:
    """Name a place in the reader's language where it is a city the bot knows (Ашхабад)."""
    return places.name(place, lang) if place else ""


def topic_label(topic: str, lang: str) -> str:
    """Name a topic in the reader's language."""
    try:
        from digests.understand import topics

        return str(topics.label(topic, lang))
    except (ImportError, AttributeError, KeyError, LookupError):
        return topic


def topic_keys() -> tuple[str, ...]:
    """Return the topics the bot knows."""
    try:
        from digests.understand import topics

        return tuple(topics.TOPICS)
    except (ImportError, AttributeError):
        return FALLBACK_TOPICS


def visible_length(text: str) -> int:
    """Measure HTML as Telegram does: tags removed, entities decoded, UTF-16 code units."""
    plain = html.unescape(re.sub(r"<[^>]*>", "", text))
    return len(plain.encode("utf-16-le")) // 2


def story(view: StoryView, lang: str) -> str:
    """Render one story: flags, linked title, a brief summary, sources, languages, date."""
    flags = "".join(flag(c) for c in view.countries)
    title = f"<b>{esc(shorten(view.title, MAX_TITLE))}</b>"
    if view.url and view.url.startswith(("http://", "https://")):
        title = f'<a href="{esc(view.url)}">{title}</a>'
    lines = [f"{flags} {title}".strip()]
    summary = brief(view.summary)
    if summary:
        lines.append(esc(summary))
    meta = []
    if view.sources:
        meta.append(" · ".join(esc(shorten(s, 40)) for s in view.sources[:4]))
    if view.langs:
        meta.append(" ".join(code.upper() for code in view.langs))
    if view.published:
        meta.append(i18n.format_date(view.published, lang))
    if meta:
        lines.append(f"<i>{' · '.join(meta)}</i>")
    return "\n".join(lines)


def split(blocks: Sequence[str], *, limit: int = MAX_MESSAGE) -> tuple[str, ...]:
    """Join blocks into messages of at most ``limit`` visible characters, never mid-block."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for block in blocks:
        length = visible_length(block)
        if length > limit:  # one block alone is too long: only plain text can be cut
            logger.warning("a block of %d characters was shortened", length)
            block = esc(_fit(html.unescape(re.sub(r"<[^>]*>", "", block)), limit))
            length = visible_length(block)
        extra = length + (2 if current else 0)
        if current and size + extra > limit:
            messages.append("\n\n".join(current))
            current, size = [], 0
            extra = length
        current.append(block)
        size += extra
    if current:
        messages.append("\n\n".join(current))
    return tuple(messages)


def _fit(plain: str, limit: int) -> str:
    """Shorten plain text to at most ``limit`` UTF-16 code units, as Telegram counts."""
    room = limit
    cut = shorten(plain, room)
    # Characters outside the BMP (emoji, flags) count twice: cut again until it fits.
    while (size := len(cut.encode("utf-16-le")) // 2) > limit and room > 1:
        room -= max(1, (size - limit + 1) // 2)
        cut = shorten(plain, room)
    return cut


def _page_texts(
    header: str, page: StoryPage, lang: str, told: Mapping[int, Coverage] | None = None
) -> tuple[str, ...]:
    blocks = [header, *(_story_told(v, lang, told) for v in page.stories)]
    if page.offset:
        blocks.append(f"<i>{esc(t(lang, 'list.page', page=page.offset // page.limit + 1))}</i>")
    return split(blocks)


def _story_told(view: StoryView, lang: str, told: Mapping[int, Coverage] | None) -> str:
    """Render a story of a list, with who else told it and who was first, where several did."""
    from bot import render_coverage  # it renders with this module's pieces

    text = story(view, lang)
    cov = told.get(view.story_id) if told else None
    line = (
        render_coverage.summary(cov, view.sources[0] if view.sources else None, lang) if cov else ""
    )
    return f"{text}\n{line}" if line else text


def _more(
    lang: str,
    data: str | None,
    page: StoryPage | None = None,
    told: Mapping[int, Coverage] | None = None,
) -> InlineKeyboardMarkup | None:
    """The list's buttons: every version of each story several outlets told, then "More"."""
    rows: list[list[InlineKeyboardButton]] = []
    if page is not None and told:
        for n, view in enumerate(page.stories, start=page.offset + 1):
            cov = told.get(view.story_id)
            if cov is not None and len(cov.versions) >= 2:
                label = f"{n}. {t(lang, 'coverage.button', count=len(cov.versions))}"
                rows.append([InlineKeyboardButton(label, callback_data=f"cv:{view.story_id}")])
    if data is not None and len(data.encode()) <= CALLBACK_MAX:
        rows.append([InlineKeyboardButton(t(lang, "list.more"), callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


def _query(query: str) -> str:
    return esc(shorten(query, MAX_QUERY_SHOWN))


# ---- replies ------------------------------------------------------------------------------


def start(lang: str, name: str | None) -> Reply:
    """Greet, say what the bot does, offer language and country buttons."""
    greeting = t(lang, "start.greeting", name=esc(shorten(name or "🙂", 64)))
    text = f"{greeting}\n\n{t(lang, 'start.about')}"
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(lang, "start.button_lang"), callback_data="lp"),
                InlineKeyboardButton(t(lang, "start.button_country"), callback_data="cp"),
            ]
        ]
    )
    return Reply((text,), keyboard)


HELP_COMMANDS = (
    "country",
    "event",
    "events",
    "search",
    "latest",
    "topic",
    "trends",
    "subscribe",
    "settings",
    "digest",
    "filter",
    "pause",
    "resume",
    "unsubscribe",
    "lang",
    "start",
    "help",
)


ADMIN_COMMANDS = ("stats", "sources", "channel", "broadcast_preview")


def help_text(lang: str, bot_username: str, *, admin: bool = False) -> Reply:
    """List every command with a one-line description and an example (admins' too, to them)."""
    lines = [t(lang, "help.title"), ""]
    for command in HELP_COMMANDS:
        lines.extend(_help_lines(command, lang))
    if admin:
        lines.extend(["", t(lang, "help.admin_title"), ""])
        for command in ADMIN_COMMANDS:
            lines.extend(_help_lines(command, lang))
    lines.extend(["", t(lang, "help.footer", bot=esc(bot_username))])
    return Reply(("\n".join(lines),))


def _help_lines(command: str, lang: str) -> list[str]:
    example = t(lang, f"example.{command}")
    lines = [f"/{command} — {t(lang, f'cmd.{command}')}"]
    if example != f"/{command}":
        lines.append(f"    <i>{t(lang, 'help.example')}</i> <code>{esc(example)}</code>")
    return lines


def commands(lang: str) -> list[tuple[str, str]]:
    """Return the command menu (command, description) for setMyCommands."""
    return [(command, t(lang, f"cmd.{command}")) for command in HELP_COMMANDS]


def country_picker(lang: str) -> Reply:
    """Ask which country, with buttons for the five the bot serves first."""
    buttons = [
        InlineKeyboardButton(f"{flag(c)} {country_name(c, lang)}", callback_data=f"c:{c}:0")
        for c in FOCUS_COUNTRIES
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return Reply((esc(t(lang, "country.ask")),), InlineKeyboardMarkup(rows))


def country(answer: CountryAnswer, lang: str, told: Mapping[int, Coverage] | None = None) -> Reply:
    """Render /country: stories, the closest match, "did you mean" buttons, or not found."""
    if answer.code is None:
        if not answer.suggestions:
            # Nothing close: say so, and offer the countries the bot serves first.
            text = t(lang, "country.not_found", query=_query(answer.query))
            return Reply((text,), country_picker(lang).keyboard)
        buttons = [
            [InlineKeyboardButton(f"{flag(c)} {country_name(c, lang)}", callback_data=f"c:{c}:0")]
            for c in answer.suggestions
        ]
        return Reply((esc(t(lang, "country.did_you_mean")),), InlineKeyboardMarkup(buttons))
    if answer.outside:
        return outside_region(answer, lang)
    assert answer.page is not None
    if len(answer.codes) > 1:
        return several_countries(answer, lang, told)
    name = country_name(answer.code, lang)
    header = t(lang, "country.header", flag=flag(answer.code), country=esc(name))
    if not answer.exact and answer.page.offset == 0:
        note = esc(t(lang, "country.closest", country=name, query=shorten(answer.query, 60)))
        header = f"<i>{note}</i>\n{header}"
    if not answer.page.stories:
        return Reply((f"{header}\n\n{esc(t(lang, 'country.empty', country=name))}",))
    more = f"c:{answer.code}:{answer.page.next_offset}" if answer.page.has_more else None
    return Reply(_page_texts(header, answer.page, lang, told), _more(lang, more, answer.page, told))


def outside_region(answer: CountryAnswer, lang: str) -> Reply:
    """Say politely that a country is outside what the bot covers, and offer the five it does."""
    asked = answer.codes or ((answer.code,) if answer.code else ())
    names = ", ".join(f"{flag(c)} {country_name(c, lang)}" for c in asked)
    covered = ", ".join(country_name(c, lang) for c in FOCUS_COUNTRIES)
    text = t(lang, "country.outside", country=esc(names), covered=esc(covered))
    return Reply((text,), country_picker(lang).keyboard)


def several_countries(
    answer: CountryAnswer, lang: str, told: Mapping[int, Coverage] | None = None
) -> Reply:
    """Render /country for several countries at once ("kz uz"): their stories together."""
    assert answer.page is not None
    flags = "".join(flag(c) for c in answer.codes)
    names = ", ".join(country_name(c, lang) for c in answer.codes)
    header = t(lang, "country.header_several", flags=flags, countries=esc(names))
    if not answer.page.stories:
        return Reply((f"{header}\n\n{esc(t(lang, 'country.empty', country=names))}",))
    codes = ",".join(answer.codes)
    more = f"c:{codes}:{answer.page.next_offset}" if answer.page.has_more else None
    return Reply(_page_texts(header, answer.page, lang, told), _more(lang, more, answer.page, told))


def latest(page: StoryPage, lang: str, told: Mapping[int, Coverage] | None = None) -> Reply:
    """Render /latest."""
    header = t(lang, "latest.header")
    if not page.stories:
        return Reply((f"{header}\n\n{esc(t(lang, 'latest.empty'))}",))
    more = f"l:{page.next_offset}" if page.has_more else None
    return Reply(_page_texts(header, page, lang, told), _more(lang, more, page, told))


def topic_picker(lang: str, query: str | None = None) -> Reply:
    """Ask which topic, with a button for each."""
    text = t(lang, "topic.not_found", query=_query(query)) if query else esc(t(lang, "topic.ask"))
    buttons = [
        InlineKeyboardButton(topic_label(k, lang), callback_data=f"t:{k}:0") for k in topic_keys()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return Reply((text,), InlineKeyboardMarkup(rows))


def topic(
    key: str, page: StoryPage, lang: str, told: Mapping[int, Coverage] | None = None
) -> Reply:
    """Render /topic for a known topic."""
    label = topic_label(key, lang)
    header = t(lang, "topic.header", topic=esc(label))
    if not page.stories:
        return Reply((f"{header}\n\n{esc(t(lang, 'topic.empty', topic=label))}",))
    more = f"t:{key}:{page.next_offset}" if page.has_more else None
    return Reply(_page_texts(header, page, lang, told), _more(lang, more, page, told))


def search_ask(lang: str) -> Reply:
    """Ask for words to search."""
    return Reply((esc(t(lang, "search.ask")),))


def search(
    query: str,
    page: StoryPage,
    lang: str,
    more_data: str | None,
    told: Mapping[int, Coverage] | None = None,
) -> Reply:
    """Render /search results (``more_data`` is the callback that pages on)."""
    if not page.stories:
        return Reply((t(lang, "search.empty", query=_query(query)),))
    header = t(lang, "search.header", query=_query(query))
    more = more_data if page.has_more else None
    return Reply(_page_texts(header, page, lang, told), _more(lang, more, page, told))


def event_line(event: EventView, lang: str) -> str:
    """Render one event of the list: name, dates, place, number of articles."""
    parts = [f"<b>{esc(shorten(event.name, 120))}</b>"]
    dates = i18n.format_dates(event.start, event.end, lang)
    details = [d for d in (dates, esc(place_name(event.place, lang))) if d]
    if event.country:
        details.append(flag(event.country))
    details.append(esc(t(lang, "event.articles", count=event.articles)))
    parts.append(" · ".join(details))
    return "📅 " + "\n".join(parts)


def events(
    items: Sequence[EventView], lang: str, *, page: int = 1, more: int | None = None
) -> Reply:
    """Render /events: one line per event, a button to each card, "More" when more follow.

    ``page`` counts from 1; ``more`` is the offset of the next page, if there is one.
    """
    header = t(lang, "event.list_header")
    if not items:
        return Reply((f"{header}\n\n{esc(t(lang, 'event.list_empty'))}",))
    rows = [
        [InlineKeyboardButton(shorten(ev.name, 40), callback_data=f"e:{ev.id}:0")]
        for ev in items[:8]
    ]
    blocks = [header, *(event_line(ev, lang) for ev in items)]
    if page > 1:
        blocks.append(f"<i>{esc(t(lang, 'list.page', page=page))}</i>")
    if more is not None:
        rows.append([InlineKeyboardButton(t(lang, "list.more"), callback_data=f"ev:{more}")])
    return Reply(split(blocks), InlineKeyboardMarkup(rows))


def event_card(
    card: EventCard | None, query: str, lang: str, told: Mapping[int, Coverage] | None = None
) -> Reply:
    """Render an event's card: dates in the reader's locale, place, country, its stories."""
    if card is None:
        return Reply((t(lang, "event.not_found", query=_query(query)),))
    ev = card.event
    lines = [f"📅 <b>{esc(ev.name)}</b>"]
    dates = i18n.format_dates(ev.start, ev.end, lang)
    if dates:
        lines.append(dates)
    if ev.place:
        lines.append(f"{esc(t(lang, 'event.place'))}: {esc(place_name(ev.place, lang))}")
    if ev.country:
        name = esc(country_name(ev.country, lang))
        lines.append(f"{esc(t(lang, 'event.country'))}: {flag(ev.country)} {name}")
    lines.append(esc(t(lang, "event.articles", count=ev.articles)))
    header = "\n".join(lines)
    if card.page.offset:
        header = f"📅 <b>{esc(ev.name)}</b>"
    if not card.page.stories:
        return Reply((f"{header}\n\n{esc(t(lang, 'event.no_stories'))}",))
    header = f"{header}\n\n<b>{esc(t(lang, 'event.stories'))}</b>"
    more = f"e:{ev.id}:{card.page.next_offset}" if card.page.has_more else None
    return Reply(_page_texts(header, card.page, lang, told), _more(lang, more, card.page, told))


def lang_picker(lang: str) -> Reply:
    """Offer the UI languages, each named in itself."""
    buttons = [
        InlineKeyboardButton(
            ("✓ " if code == lang else "") + t(code, "lang.name"), callback_data=f"lang:{code}"
        )
        for code in i18n.SUPPORTED
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return Reply((esc(t(lang, "lang.pick")),), InlineKeyboardMarkup(rows))


def lang_set(lang: str) -> Reply:
    """Confirm the new UI language, in it."""
    return Reply((esc(t(lang, "lang.set")),))


def message(lang: str, key: str, **values: object) -> Reply:
    """Render one plain UI sentence (errors, hints), values escaped."""
    return Reply((t(lang, key, **{k: esc(str(v)) for k, v in values.items()}),))


def topic_key(name: str, lang: str) -> str | None:
    """Find the topic a reader means: its key or its name in any UI language, or a near miss.

    A near miss is a whole name misspelt ("Fintek", "Стартапы" for "Стартаптар"), scored on
    the whole string: a partial score would take "blockchainz" or "mountain" for "ai",
    which both happen to contain.
    """
    from rapidfuzz import fuzz, process, utils

    wanted = utils.default_process(name)
    if not wanted:
        return None
    choices: dict[str, str] = {}
    for key in topic_keys():
        choices[f"{key}|key"] = key
        for ui in i18n.SUPPORTED:
            choices[f"{key}|{ui}"] = topic_label(key, ui)
    for choice, label in choices.items():
        if utils.default_process(label) == wanted:
            return choice.split("|", 1)[0]
    if len(wanted) < 4:  # "tel" is a beginning, not a topic
        return None
    found = process.extractOne(
        wanted, choices, scorer=fuzz.ratio, processor=utils.default_process, score_cutoff=85
    )
    return found[2].split("|", 1)[0] if found else None
