"""Web pages to raw articles: the main text, its title and date, without the page around it."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import trafilatura
import trafilatura.metadata as tm
from lxml.html import HtmlElement
from trafilatura.settings import Document, Extractor
from trafilatura.utils import load_html

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
# Linked data (``<script type="application/ld+json">``) stays: it is where most pages give
# their publication date, title and site name. Without it the date is looked for in the
# page's text, by dateparser across every locale it knows: a third of the cost of a page.
_NOT_TEXT = re.compile(
    r"<(script|style|svg|noscript|template)\b(?![^>]*application/(?:ld|settings)\+json)"
    r".*?</\1\s*>",
    re.I | re.S,
)
MIN_TEXT_CHARS = 40
# the date search bare_extraction configures (extensive or not, as trafilatura's settings say)
_DATE_PARAMS = Extractor().date_params


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

    tree = load_html(html)
    if tree is None:
        raise SourceError(item, "no article text")
    # The page is parsed once, and of trafilatura's metadata only what is used is read (its
    # author, categories, tags and licence cost a fifth of a page), from the same tree and
    # in the same order as bare_extraction(with_metadata=True) would: the same title, date
    # and site name. Extraction then works on copies of the tree.
    meta = _metadata(tree, url)
    document = _extract(tree, url, recall=False)
    text = _clean(getattr(document, "text", None))
    if len(text) < MIN_TEXT_CHARS:
        # precision mode sometimes discards a short article whole; recall mode finds it
        document = _extract(tree, url, recall=True)
        text = _clean(getattr(document, "text", None))
    if not text:
        raise SourceError(item, "no article text")

    title = strip_tags(meta.title or "")
    first, _, rest = text.partition("\n\n")
    if not title:
        title = title_from_paragraph(first)
    elif rest and normalize_space(first).casefold() == title.casefold():
        text = rest  # the page's <h1> repeats the title; the text starts after it
    sitename = meta.sitename or (urlsplit(url).hostname if url else None)
    return RawArticle(
        url=url,
        title=title,
        text=text,
        published=_parse_date(meta.date),
        source=source or sitename,
    )


def _extract(tree: HtmlElement, url: str | None, *, recall: bool) -> Document | None:
    """Return trafilatura's main text of the page (it works on a copy of the tree)."""
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=not recall,
        favor_recall=recall,
        include_comments=False,
        include_tables=False,
    )
    return document if isinstance(document, Document) else None


def _metadata(tree: HtmlElement, url: str | None) -> Document:
    """Return the page's title, date and site name as trafilatura's extract_metadata does.

    Its steps for these three, with its own functions; the others (author, categories,
    tags, licence) are not read. None of the steps changes the tree.
    """
    metadata = tm.examine_meta(tree)
    try:
        metadata = tm.extract_meta_json(tree, metadata)
    except Exception:  # bugs in trafilatura's JSON-LD reading, as it tolerates them
        logger.debug("unreadable JSON-LD metadata in %s", url, exc_info=True)
    if not metadata.title:
        metadata.title = tm.extract_title(tree)
    if not metadata.url:
        metadata.url = tm.extract_url(tree, url)
    metadata.date = tm.find_date(tree, **{**_DATE_PARAMS, "url": metadata.url})
    if not metadata.sitename:
        metadata.sitename = tm.extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if (
            metadata.sitename
            and "." not in metadata.sitename
            and not metadata.sitename[0].isupper()
        ):
            metadata.sitename = metadata.sitename.title()
    elif metadata.url and (match := tm.META_URL.match(metadata.url)):
        metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata


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
