"""Local files to raw articles: plain text, HTML pages, JSON lines and saved feeds."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from digests.errors import SourceError
from digests.model import RawArticle
from digests.sources.encoding import decode
from digests.sources.feeds import parse_feed
from digests.sources.markup import (
    derive_title,
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
MAX_LINE_BYTES = 10_000_000  # one .jsonl line: an article with its page


def read_path(path: Path) -> Iterator[Item]:
    """Read one file into raw articles, yielding a SourceError for each part that fails."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        yield SourceError(str(path), f"unsupported file type {suffix or '(no suffix)'}")
        return
    try:
        with _open_regular(path) as handle:
            if suffix == ".jsonl":
                yield from _read_jsonl(path, handle)
                return
            # bounded whatever stat says: a file may grow while it is read
            content = handle.read(MAX_FILE_BYTES + 1)
    except NotRegular as exc:
        yield SourceError(str(path), str(exc))
        return
    except OSError as exc:
        yield SourceError(str(path), f"cannot read: {exc.strerror or exc}")
        return
    if len(content) > MAX_FILE_BYTES:
        yield SourceError(str(path), f"file over {MAX_FILE_BYTES // 1_000_000} MB")
        return
    if not content.strip():
        yield SourceError(str(path), "empty file")
        return
    if b"\x00" in content[:8192]:
        # UTF-16 and UTF-32 have NUL bytes by design (with a BOM or without): read as
        # they are read over HTTP; anything else with NUL bytes is binary
        try:
            content = decode(content, item=str(path)).encode("utf-8")
        except SourceError:
            yield SourceError(str(path), "binary file, not text")
            return
    yield from reader(path, content)


class NotRegular(Exception):
    """A path that is not a regular file (a FIFO, a device, a socket, a folder)."""


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def _open_regular(path: Path) -> BinaryIO:
    """Open a file for reading, refusing by kind anything but a regular file.

    Checked on the open file (links followed), so neither a FIFO (opened without
    blocking) nor ``/dev/zero`` behind a link is ever read.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a file")
            raise NotRegular(f"not a regular file ({kind})")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


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
    url = path.resolve().as_uri()
    for error in feed.errors:
        # the feed names itself by its file:// URL; the path alone names it here
        yield SourceError(str(path), error.removeprefix(f"{url}: "))
    yield from feed.entries


def _read_jsonl(path: Path, lines: BinaryIO) -> Iterator[Item]:
    # streamed line by line: an export of a whole archive need not fit in memory; read up
    # to the size it had when opened (a file appended to forever still ends)
    budget = os.fstat(lines.fileno()).st_size + MAX_LINE_BYTES
    any_line = False
    lineno = 0
    while budget > 0:
        raw = lines.readline(min(MAX_LINE_BYTES + 1, budget))
        if not raw:
            break
        budget -= len(raw)
        lineno += 1
        item = f"{path}:{lineno}"
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while budget > 0 and (rest := lines.readline(min(1 << 20, budget))):
                budget -= len(rest)  # skip to the end of the overlong line
                if rest.endswith(b"\n"):
                    break
            yield SourceError(item, f"line over {MAX_LINE_BYTES // 1_000_000} MB")
            continue
        if not raw.strip():
            continue
        any_line = True
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
    # no "title" (as RSS allows): one is derived from the text, as for .txt files
    return RawArticle(
        url=url,
        title=normalize_space(title or "") or derive_title(text),
        text=text,
        published=published,
        source=source,
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
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        except (ValueError, OverflowError):  # not ISO 8601, or off the calendar in UTC
            pass
    # a bad date should not cost us the article; it is kept undated
    logger.warning("%s: published %r is not a usable ISO 8601 date; kept undated", item, value)
    return None


def _midnight(value: str) -> datetime | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


_READERS: dict[str, Callable[[Path, bytes], Iterator[Item]]] = {
    ".txt": _read_txt,
    ".html": _read_html,
    ".htm": _read_html,
    ".xml": _read_feed,
    ".rss": _read_feed,
    ".atom": _read_feed,
    ".jsonl": lambda path, content: iter(()),  # streamed by read_path, never read whole
}
