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
# A headline derived from a text: a sentence up to this long, else a clause or some words.
HEADLINE_CHARS = 140
HEADLINE_WORDS = 14
_CLAUSE_END = re.compile(r"[,;:](?=\s)|\s[—–-]\s")
# Lines that open articles but are no headline: "read also" links and their like.
_READ_ALSO = re.compile(
    r"^(?:read also|read more|see also|related|читайте также|читайте ещё|читайте еще|"
    r"смотрите также|также читайте|по теме|shuningdek,? o.qing|шунингдек,? ўқинг|"
    r"оқи(?:ңыз|дыңыз)?|окуңуз|окугула|бихонед|hem okaň)\b",
    re.IGNORECASE,
)
# News agencies whose name opens their wires ("Trend:", "(Kazinform) –").
_AGENCY = re.compile(
    r"^\(?(?:trend|kazinform|казинформ|kabar|кабар|akipress|акипресс|uza|уза|dunyo|дунё|"
    r"xinhua|синьхуа|tass|тасс|interfax|интерфакс|reuters|afp|sputnik|спутник|anadolu|"
    r"report|azertac|khovar|ховар|ria novosti|риа новости|24\.kg|tengrinews)\)?"
    r"(?:\s*[:.–—-]\s+|\s*[:.]?$)",
    re.IGNORECASE,
)
_DATELINE_END = re.compile(r"\s[–—-]\s|\)\s*[:.–—-]?\s")

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
    """Return a headline taken from a paragraph's first sentence (see :func:`derive_title`)."""
    return derive_title(paragraph)


def derive_title(text: str) -> str:
    """Return a headline for a text that has none: its first sentence that says something.

    Skips what opens many articles but is no headline: photo credits and other furniture,
    hashtag lines, bare datelines (``ASTANA.``), agency tags (``Trend:``) and "read also"
    links. A long first sentence gives its first clause, or its first words, never a
    sentence cut off at the limit. Returns "" when no line of the text has a word.
    """
    for line in text.split("\n"):
        line = normalize_space(line)
        if not line or is_boilerplate(line) or _READ_ALSO.match(line) or _hashtags(line):
            continue
        for sentence in razdel.sentenize(_without_dateline(line)):
            candidate = _AGENCY.sub("", _without_dateline(sentence.text)).strip(" -–—:|")
            words = candidate.split()
            if len(words) < 2 or not any(ch.isalpha() for ch in candidate):
                continue
            if len(words) <= 4 and candidate.endswith(":"):
                continue  # a label ("Trend:", "Фото:"), not a sentence
            return _headline(candidate)
    return ""


def _hashtags(line: str) -> bool:
    return all(word.startswith("#") for word in line.split())


def _without_dateline(sentence: str) -> str:
    """Drop a leading dateline: "ASTANA." alone, or "ALMATY, Dec. 3 (Trend) –" before text."""
    words = sentence.split(maxsplit=1)
    if not words:
        return ""
    first = words[0].strip(".,:;")
    if len(first) < 3 or not first.isupper():
        return sentence
    letters = [ch for ch in sentence if ch.isalpha()]
    if all(ch.isupper() for ch in letters):
        return ""  # the whole sentence is capitals: a dateline (or a shout), no headline
    end = _DATELINE_END.search(sentence, 0, 90)
    return sentence[end.end() :] if end else sentence


def _headline(sentence: str) -> str:
    if len(sentence) <= HEADLINE_CHARS:
        return sentence
    # the first clause, if it makes a headline of its own
    clauses = [m.start() for m in _CLAUSE_END.finditer(sentence, 0, HEADLINE_CHARS)]
    if clauses and clauses[-1] >= 30:
        return sentence[: clauses[-1]].rstrip(" ,;:—–-")
    words = " ".join(sentence.split()[:HEADLINE_WORDS])
    if len(words) < HEADLINE_CHARS:
        return words.rstrip(" ,;:—–-") + "…"
    return shorten(words, HEADLINE_CHARS)


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
