"""RSS and Atom feeds to raw articles, whatever charset the feed claims."""

from __future__ import annotations

import html.entities
import io
import logging
import re
import time
import xml.sax
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser

from digests.errors import SourceError
from digests.model import RawArticle
from digests.sources.encoding import decode
from digests.sources.markup import drop_boilerplate, html_to_text, strip_tags, title_from_paragraph
from digests.text import clean_text

logger = logging.getLogger(__name__)

_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/x-rss+xml",
        "application/feed+xml",
    }
)
_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_HTML_ROOT = re.compile(rb"<(!doctype\s+html|html)[\s>]", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_ENTRY_END = re.compile(r"</(?:\w+:)?(?:item|entry)\s*>", re.IGNORECASE)
_ENTITY_REF = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_DOCTYPE_SUBSET = re.compile(r"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's title, its readable entries, and one line per entry that could not be read."""

    title: str
    entries: list[RawArticle] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def looks_like_feed(content: bytes, content_type: str | None) -> bool:
    """Return whether a response is (meant to be) an RSS/Atom feed rather than a web page."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in _FEED_TYPES or media.endswith(("+rss", "rss+xml", "atom+xml")):
        # a feed URL that now serves HTML must fail as a feed, not pass as one "article"
        return True
    head = content[:2048]
    if b"\x00" in head:
        # UTF-16/32: the markup's ASCII letters come with NUL bytes between them
        head = content[:8192].replace(b"\x00", b"")[:2048]
    feed_root = _FEED_ROOT.search(head)
    if not feed_root:
        return False
    html_root = _HTML_ROOT.search(head)
    return html_root is None or html_root.start() > feed_root.start()


def parse_feed(
    content: bytes,
    *,
    url: str,
    declared_encoding: str | None = None,
    source: str | None = None,
) -> ParsedFeed:
    """Parse RSS 2.0 / RSS 1.0 / Atom bytes into raw articles, skipping unreadable entries."""
    text = decode(content, declared=declared_encoding, item=url)
    # feedparser trusts the XML declaration even when it lies, so hand it clean UTF-8
    # with a declaration that says so
    declaration = _XML_DECLARATION.match(text)
    body = text[declaration.end() :] if declaration else text.lstrip()
    # no line added: parse errors keep the document's own line numbers
    body = _CHAR_REF.sub(_storable_ref, clean_text(body))
    if not _DOCTYPE_SUBSET.search(body[:4096]):
        # HTML's named entities (&nbsp; &mdash; …) are common in real RSS and undefined in
        # XML: given as the characters they name, they are read, not a malformed document
        body = _ENTITY_REF.sub(_html_entity, body)
    data = ('<?xml version="1.0" encoding="utf-8"?>' + body).encode("utf-8")
    try:
        parsed = feedparser.parse(
            io.BytesIO(data),  # a file object: feedparser never treats it as a URL or a path
            response_headers={
                "content-type": "application/xml; charset=utf-8",
                "content-location": url,
            },
            sanitize_html=False,
        )
    except Exception as exc:  # feedparser's own failure on a feed nobody foresaw
        logger.info("feedparser failed on %s", url, exc_info=True)
        raise SourceError(url, f"not an RSS/Atom feed: {type(exc).__name__}") from exc
    errors: list[str] = []
    problem = parsed.get("bozo_exception")
    if not parsed.get("version") and not parsed.entries:
        if _HTML_ROOT.search(data[:2048]):
            reason = "an HTML page"
        elif problem is not None:
            reason = _describe(problem)
        else:
            reason = "no <rss>, <feed> or <rdf:RDF> element"
        raise SourceError(url, f"not an RSS/Atom feed: {reason}")

    raw_entries = list(parsed.entries)
    if isinstance(problem, xml.sax.SAXException):
        if not raw_entries:
            raise SourceError(url, f"not an RSS/Atom feed: {_describe(problem)}")
        errors.append(f"{url}: malformed XML ({_describe(problem)}); read what could be salvaged")
        complete = len(_ENTRY_END.findall(body))
        if complete < len(raw_entries):
            # the document was cut off: the last entries are missing their ends
            for lost in raw_entries[complete:]:
                errors.append(f"{url}: entry {_label(lost)}: truncated, skipped")
            raw_entries = raw_entries[:complete]

    feed_title = strip_tags(parsed.feed.get("title", "")) or url
    entries: list[RawArticle] = []
    for index, entry in enumerate(raw_entries, start=1):
        try:
            article = _to_article(entry, source=source or feed_title)
        except ValueError as exc:
            errors.append(f"{url}: entry {index} ({_label(entry)}): {exc}")
            continue
        # repeated entries (the same guid twice) are kept: storing counts them as duplicates
        entries.append(article)
    return ParsedFeed(title=feed_title, entries=entries, errors=errors)


def _html_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group()
    chars = html.entities.html5.get(name + ";")
    if chars is None:
        return match.group()  # unknown everywhere: the parser says so
    return "".join(f"&#{ord(ch)};" for ch in chars)


def _storable_ref(match: re.Match[str]) -> str:
    """Keep a numeric character reference only if it names a character text can hold."""
    hex_digits, digits = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(digits)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "&#xFFFD;"  # a broken character: the replacement character marks where
    if clean_text(chr(code)) != chr(code):
        return ""  # NUL, other controls, bidi overrides: nothing worth keeping
    return match.group()


def _to_article(entry: Any, *, source: str) -> RawArticle:
    link = (entry.get("link") or "").strip() or None
    guid = (entry.get("id") or "").strip() or None
    if link is None and guid and guid.startswith(("http://", "https://")):
        link = guid
    text = _entry_text(entry)
    title = strip_tags(entry.get("title", ""))
    if not title and text:
        title = title_from_paragraph(text.split("\n\n", 1)[0])
    if not title and not text:
        raise ValueError("no title and no text")
    if link is None and guid is None:
        raise ValueError("no link and no id")
    return RawArticle(
        url=link,
        title=title,
        text=text,
        published=_published(entry),
        source=source,
        guid=guid or link,
    )


def _entry_text(entry: Any) -> str:
    candidates = [part.get("value", "") for part in entry.get("content", []) or []]
    candidates.append(entry.get("summary", ""))
    texts = [drop_boilerplate(html_to_text(value)) for value in candidates if value]
    return max(texts, key=len, default="")


def _published(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # plain dict access: FeedParserDict's own lookup maps updated→published with a warning
        value: time.struct_time | None = dict.get(entry, key)
        if value:
            try:
                # feedparser has already converted the date to UTC
                return datetime(*value[:6], tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


def _label(entry: Any) -> str:
    return str(entry.get("id") or entry.get("link") or entry.get("title") or "?")[:100]


def _describe(problem: BaseException) -> str:
    if isinstance(problem, xml.sax.SAXParseException):
        return f"{problem.getMessage()} at line {problem.getLineNumber()}"
    return str(problem) or type(problem).__name__
