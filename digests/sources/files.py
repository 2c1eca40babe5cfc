"""Local files to raw articles: plain text, HTML pages, JSON lines and saved feeds."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from digests.errors import SourceError
from digests.model import RawArticle
from digests.sources.encoding import decode
from digests.sources.feeds import parse_feed
from digests.sources.markup import (
    drop_boilerplate,
    is_boilerplate,
    paragraphs,
    title_from_paragraph,
)
from digests.sources.pages import extract_page
from digests.text import normalize_space

logger = logging.getLogger(__name__)

Item = RawArticle | SourceError

# The seeds' date line: " date 2026-01-05 " at the very start, the title following it.
_DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*")
_SENTENCE_END = (".", "!", "?", "…")
# A first line this long, or one that ends like a sentence and runs past a headline's
# length in words, is the lead paragraph, not a headline.
_PARAGRAPH_CHARS = 200
_HEADLINE_WORDS = 12
MAX_FILE_BYTES = 50_000_000


def read_path(path: Path) -> Iterator[Item]:
    """Read one file into raw articles, yielding a SourceError for each part that fails."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        yield SourceError(str(path), f"unsupported file type {suffix or '(no suffix)'}")
        return
    try:
        size = path.stat().st_size
        if suffix == ".jsonl":
            yield from _read_jsonl(path)
            return
        if size > MAX_FILE_BYTES:
            yield SourceError(str(path), f"file over {MAX_FILE_BYTES // 1_000_000} MB")
            return
        content = path.read_bytes()
    except OSError as exc:
        yield SourceError(str(path), f"cannot read: {exc.strerror or exc}")
        return
    if not content.strip():
        yield SourceError(str(path), "empty file")
        return
    if _is_binary(content):
        yield SourceError(str(path), "binary file, not text")
        return
    yield from reader(path, content)


def _read_txt(path: Path, content: bytes) -> Iterator[Item]:
    try:
        text = decode(content, item=str(path))
    except SourceError as exc:
        yield exc
        return
    try:
        yield parse_text(text, url=path.resolve().as_uri())
    except ValueError as exc:
        yield SourceError(str(path), str(exc))


def parse_text(text: str, *, url: str | None, source: str | None = None) -> RawArticle:
    """Parse an article in the seeds' plain-text format: optional date token, title, body."""
    text = text.lstrip("\ufeff")
    published = None
    match = _DATE_LINE.match(text)
    if match:
        published = _midnight(match.group(1))
        text = text[match.end() :]
    lines = [normalize_space(line) for line in text.replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line and not is_boilerplate(line)]
    if not lines:
        raise ValueError("no article text")
    first = lines[0]
    if _is_paragraph(first):
        title = title_from_paragraph(first)
        body = lines
    else:
        title = first
        body = lines[1:]
        if body and len(body[0]) >= 20 and first.endswith(body[0]) and first != body[0]:
            # "Technologies 10/06/2022 <headline>" then "<headline>": a section and date
            # prefix; the bare headline is the title, the prefixed line stays for its date
            title = body[0]
            body = [first, *body[1:]]
    if not body:
        raise ValueError("only a title, no article text")
    return RawArticle(
        url=url, title=title, text="\n\n".join(body), published=published, source=source
    )


def _is_paragraph(line: str) -> bool:
    if len(line) > _PARAGRAPH_CHARS:
        return True
    return line.endswith(_SENTENCE_END) and len(line.split()) > _HEADLINE_WORDS


def _read_html(path: Path, content: bytes) -> Iterator[Item]:
    try:
        yield extract_page(content, url=path.resolve().as_uri())
    except SourceError as exc:
        yield SourceError(str(path), exc.reason)


def _read_feed(path: Path, content: bytes) -> Iterator[Item]:
    try:
        feed = parse_feed(content, url=path.resolve().as_uri())
    except SourceError as exc:
        yield SourceError(str(path), exc.reason)
        return
    for error in feed.errors:
        yield SourceError(str(path), error)
    yield from feed.entries


def _read_jsonl(path: Path) -> Iterator[Item]:
    # streamed line by line: an export of a whole archive need not fit in memory
    with path.open("rb") as lines:
        any_line = False
        for lineno, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            any_line = True
            item = f"{path}:{lineno}"
            try:
                yield _jsonl_article(raw, item)
            except SourceError as exc:
                yield exc
        if not any_line:
            yield SourceError(str(path), "empty file")


def _jsonl_article(raw: bytes, item: str) -> RawArticle:
    try:
        record = json.loads(decode(raw, declared="utf-8", item=item))
    except json.JSONDecodeError as exc:
        raise SourceError(item, f"not JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(record, dict):
        raise SourceError(item, "not a JSON object")
    url = _string(record, "url", item)
    title = _string(record, "title", item)
    text = _string(record, "text", item)
    page = _string(record, "html", item)
    source = _string(record, "source", item)
    published = _timestamp(record.get("published"), item)
    if text:
        text = drop_boilerplate(paragraphs(text))
    elif page:
        try:
            extracted = extract_page(page, url=url, source=source)
        except SourceError as exc:
            raise SourceError(item, exc.reason) from exc
        text = extracted.text
        title = title or extracted.title
        published = published or extracted.published
    if not text:
        raise SourceError(item, 'no "text" or "html"')
    if not title:
        raise SourceError(item, 'no "title"')
    return RawArticle(
        url=url, title=normalize_space(title), text=text, published=published, source=source
    )


def _string(record: dict[str, Any], key: str, item: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SourceError(item, f'"{key}" is not a string')
    return value.strip() or None


def _timestamp(value: Any, item: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    # a bad date should not cost us the article; it is kept undated
    logger.warning("%s: published %r is not an ISO 8601 date; kept undated", item, value)
    return None


def _midnight(value: str) -> datetime | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _is_binary(content: bytes) -> bool:
    head = content[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text has NUL bytes by design
    return b"\x00" in head


_READERS: dict[str, Callable[[Path, bytes], Iterator[Item]]] = {
    ".txt": _read_txt,
    ".html": _read_html,
    ".htm": _read_html,
    ".xml": _read_feed,
    ".rss": _read_feed,
    ".atom": _read_feed,
    ".jsonl": lambda path, content: iter(()),  # streamed by read_path, never read whole
}
