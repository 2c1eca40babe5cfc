"""The one gate every raw article passes before it is understood, matched or stored.

Whatever a source sent, what comes out is storable (text UTF-8 and PostgreSQL can hold,
lengths the tables hold, dates any date arithmetic can work with) and not junk (no empty
text, no text made of one repeated expansion, no ``javascript:`` URL); what cannot be made
so is refused with a SourceError saying why, and only that item is lost.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import zlib
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit

from digests.errors import SourceError
from digests.model import RawArticle
from digests.sources.markup import TITLE_MAX, derive_title, paragraphs, shorten
from digests.text import clean_text, normalize_space
from digests.urls import MAX_URL_CHARS, InvalidURL, check_url

logger = logging.getLogger(__name__)

# Dates outside these bounds are a source's mistake (year 1, year 9999): the article is kept
# undated, and no window or offset computed from its date can leave the calendar.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=2)
MAX_TEXT_CHARS = 1_000_000
MAX_SOURCE_CHARS = 256
MAX_GUID_CHARS = MAX_URL_CHARS
# A text this long that compresses this well is one thing repeated (an entity expanded a
# million times), not an article: real prose compresses to about a third.
_REPEAT_MIN_CHARS = 2_000
_REPEAT_RATIO = 0.02
_LETTER = re.compile(r"[^\W\d_]")
ARTICLE_SCHEMES = ("http", "https", "file")


def admit(raw: RawArticle, *, now: datetime | None = None) -> RawArticle:
    """Return the article cleaned and bounded, or raise SourceError if nothing usable is left."""
    url = normalize_space(clean_text(raw.url or "")) or None
    item = item_name(raw)
    if url is not None:
        try:
            url = check_url(clean_text(url), schemes=ARTICLE_SCHEMES)
        except InvalidURL as exc:
            raise SourceError(item, str(exc)) from exc
    text = paragraphs(clean_text(raw.text or ""))
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS].rsplit("\n\n", 1)[0]
    if len(_LETTER.findall(text[:10_000])) < 3:
        raise SourceError(item, "no article text")
    if len(text) >= _REPEAT_MIN_CHARS and _compressed_ratio(text) < _REPEAT_RATIO:
        raise SourceError(item, "text is one thing repeated, not an article")
    title = normalize_space(clean_text(raw.title or ""))
    if not _LETTER.search(title) or len(title) > TITLE_MAX * 2:
        # no title (RSS allows it), or a paragraph given as one: derived from the text
        title = (derive_title(title) if _LETTER.search(title) else "") or derive_title(text)
    elif len(title) > TITLE_MAX:
        title = shorten(title)
    if not title:
        raise SourceError(item, "no title and no text to take one from")
    guid = clean_text(raw.guid).strip() or None if raw.guid else None
    if guid is not None and len(guid) > MAX_GUID_CHARS:
        # still one id per entry, in a form the column holds
        guid = "sha256:" + hashlib.sha256(guid.encode("utf-8")).hexdigest()
    source = normalize_space(clean_text(raw.source or "")) or None
    if source is not None and len(source) > MAX_SOURCE_CHARS:
        source = shorten(source, MAX_SOURCE_CHARS)
    return dataclasses.replace(
        raw,
        url=url,
        title=title,
        text=text,
        published=plausible_date(raw.published, now=now),
        source=source,
        guid=guid,
    )


def plausible_date(when: datetime | None, *, now: datetime | None = None) -> datetime | None:
    """Return the date as an aware UTC datetime if it can be an article's, else None."""
    if when is None:
        return None
    try:
        aware = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (OverflowError, ValueError):  # year 1 with an offset east of UTC
        return None
    latest = (now or datetime.now(UTC)) + FUTURE_SLACK
    if not EARLIEST <= aware <= latest:
        logger.info("published %s is not plausible; kept undated", when.isoformat())
        return None
    return aware


def item_name(raw: RawArticle) -> str:
    """Name the article in one-line messages: its URL (a file's path), id or title."""
    name = raw.url or raw.guid or normalize_space(raw.title or "")[:80] or "article"
    if name.startswith("file://"):
        name = unquote(urlsplit(name).path) or name
    return normalize_space(clean_text(name))[:300] or "article"


def _compressed_ratio(text: str) -> float:
    sample = text[:200_000].encode("utf-8")
    return len(zlib.compress(sample, 1)) / len(sample)
