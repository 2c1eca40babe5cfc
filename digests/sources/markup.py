"""HTML fragments to plain text, page furniture removed, titles cut from prose."""

from __future__ import annotations

import html
import logging
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import lxml.html
import razdel
from lxml import etree

from digests.text import normalize_space

logger = logging.getLogger(__name__)

TITLE_MAX = 200

_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "blockquote",
        "pre",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "figure",
        "figcaption",
        "hr",
        "address",
        "main",
        "nav",
        "form",
    }
)
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg")
_TAG = re.compile(r"<[A-Za-z/!?][^>]*>")
_MANY_BREAKS = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    max_length: int
    patterns: tuple[re.Pattern[str], ...]


def html_to_text(fragment: str) -> str:
    """Convert an HTML fragment to text with paragraphs separated by a blank line."""
    if not _TAG.search(fragment):
        return paragraphs(html.unescape(fragment))
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return paragraphs(html.unescape(_TAG.sub(" ", fragment)))
    etree.strip_elements(root, *_DROP_TAGS, with_tail=False)
    parts: list[str] = []
    _walk(root, parts)
    return paragraphs("".join(parts))


def _walk(element: lxml.html.HtmlElement, parts: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    block = tag in _BLOCK_TAGS
    if block:
        parts.append("\n\n")
    if tag == "br":
        parts.append("\n")
    if element.text and isinstance(element.tag, str):
        parts.append(element.text)
    for child in element:
        _walk(child, parts)
    if block:
        parts.append("\n\n")
    if element.tail:
        parts.append(element.tail)


def paragraphs(text: str) -> str:
    """Normalise text to one paragraph per line-run, separated by a blank line."""
    lines = (normalize_space(line) for line in text.replace("\r\n", "\n").split("\n"))
    return "\n\n".join(line for line in lines if line)


def strip_tags(text: str) -> str:
    """Return one line of text with any HTML tags removed and entities unescaped."""
    if _TAG.search(text):
        text = html_to_text(text)
    return normalize_space(html.unescape(text))


def drop_boilerplate(text: str) -> str:
    """Remove lines that are page furniture (credits, widgets, share links), keep the rest."""
    kept = [line for line in text.split("\n") if not is_boilerplate(line)]
    return _MANY_BREAKS.sub("\n\n", "\n".join(kept)).strip()


def is_boilerplate(line: str) -> bool:
    """Return whether a single line is page furniture rather than news."""
    line = normalize_space(line)
    if not line:
        return False
    for rule in _rules():
        if len(line) <= rule.max_length and all(p.search(line) for p in rule.patterns):
            return True
    return False


def title_from_paragraph(paragraph: str) -> str:
    """Return the paragraph's first sentence, cut to TITLE_MAX characters at a word boundary."""
    paragraph = normalize_space(paragraph)
    sentences = list(razdel.sentenize(paragraph))
    first = sentences[0].text if sentences else paragraph
    return shorten(first)


def shorten(text: str, limit: int = TITLE_MAX) -> str:
    """Cut text to at most ``limit`` characters at a word boundary, marking the cut with …."""
    text = normalize_space(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:—–-") + "…"


@cache
def _rules() -> tuple[_Rule, ...]:
    raw = resources.files("digests.sources").joinpath("boilerplate.toml").read_text("utf-8")
    rules = tuple(
        _Rule(
            name=entry["name"],
            max_length=int(entry["max_length"]),
            patterns=tuple(re.compile(p, re.IGNORECASE) for p in entry["patterns"]),
        )
        for entry in tomllib.loads(raw)["rule"]
    )
    logger.debug("loaded %d boilerplate rules", len(rules))
    return rules
