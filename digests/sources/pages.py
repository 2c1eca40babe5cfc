"""Web pages to raw articles: the main text, its title and date, without the page around it."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import trafilatura

from digests.errors import SourceError
from digests.model import RawArticle
from digests.sources.encoding import decode
from digests.sources.markup import drop_boilerplate, paragraphs, strip_tags, title_from_paragraph
from digests.text import normalize_space

logger = logging.getLogger(__name__)

# Bloated pages are mostly scripts and styles; they are cut out of at most MAX_RAW_BYTES,
# and extraction (whose cost grows with the number of elements) sees MAX_PAGE_CHARS at most.
# An article is tens of kilobytes and sits near the start of its page.
MAX_RAW_BYTES = 8_000_000
MAX_PAGE_CHARS = 1_000_000
_NOT_TEXT = re.compile(r"<(script|style|svg|noscript|template)\b.*?</\1\s*>", re.I | re.S)
MIN_TEXT_CHARS = 40


def extract_page(
    html: str | bytes,
    *,
    url: str | None,
    source: str | None = None,
    declared_encoding: str | None = None,
) -> RawArticle:
    """Extract the article from a page: main text (boilerplate removed), title and date."""
    item = url or "page"
    if isinstance(html, bytes):
        try:
            html = decode(_cut(html, MAX_RAW_BYTES), declared=declared_encoding, item=item)
        except SourceError as exc:
            raise SourceError(item, f"no article text ({exc.reason})") from exc
    html = _NOT_TEXT.sub(" ", html[:MAX_RAW_BYTES])[:MAX_PAGE_CHARS]
    if not html.strip():
        raise SourceError(item, "no article text")

    document = trafilatura.bare_extraction(
        html,
        url=url,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        with_metadata=True,
    )
    text = _clean(getattr(document, "text", None))
    if len(text) < MIN_TEXT_CHARS:
        # precision mode sometimes discards a short article whole; recall mode finds it
        document = trafilatura.bare_extraction(
            html,
            url=url,
            favor_recall=True,
            include_comments=False,
            include_tables=False,
            with_metadata=True,
        )
        text = _clean(getattr(document, "text", None))
    if not text:
        raise SourceError(item, "no article text")

    title = strip_tags(getattr(document, "title", None) or "")
    first, _, rest = text.partition("\n\n")
    if not title:
        title = title_from_paragraph(first)
    elif rest and normalize_space(first).casefold() == title.casefold():
        text = rest  # the page's <h1> repeats the title; the text starts after it
    sitename = getattr(document, "sitename", None) or (urlsplit(url).hostname if url else None)
    return RawArticle(
        url=url,
        title=title,
        text=text,
        published=_parse_date(getattr(document, "date", None)),
        source=source or sitename,
    )


def _cut(content: bytes, limit: int) -> bytes:
    if len(content) <= limit:
        return content
    cut = content[:limit]
    # never end inside a UTF-8 sequence: a broken last character would fail strict UTF-8
    # decoding and send the whole page down the 8-bit code page path
    end = len(cut)
    while end > limit - 4 and cut[end - 1] & 0xC0 == 0x80:
        end -= 1
    if end > limit - 4 and cut[end - 1] >= 0xC0:
        end -= 1
    return cut[:end]


def _clean(text: str | None) -> str:
    if not text:
        return ""
    return drop_boilerplate(paragraphs(text))


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())
        except ValueError:
            logger.debug("unreadable page date %r", value)
            return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
