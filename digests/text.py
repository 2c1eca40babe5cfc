"""Small text helpers shared by sources and understanding."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")
_WORDISH = re.compile(r"[^\w]+", re.UNICODE)


def normalize_space(text: str) -> str:
    """Collapse runs of white space to one space and trim the ends."""
    return _SPACE.sub(" ", text).strip()


def content_hash(title: str, text: str) -> str:
    """Return a hash of the article's words that ignores case, punctuation and spacing."""
    words = _words(text)
    if len(words) < 30:  # a short text alone says too little; the title makes it specific
        words = _words(title) + words
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _WORDISH.sub(" ", folded).split()


# Characters Python holds but UTF-8 or PostgreSQL cannot store (lone surrogates, NUL), and
# the rest of the C0/C1 controls (but tab and line breaks), noncharacters, and the bidi
# embeddings, overrides and isolates that can reorder what a reader sees (Trojan Source).
_UNSTORABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
    "\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff]"
)
# Left-to-right and right-to-left marks (and the Arabic letter mark) do a job in text with
# right-to-left letters; elsewhere (none of our languages is written right to left) they
# only hide inside words and break matching.
_DIRECTION_MARKS = re.compile("[\u200e\u200f\u061c]")
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def clean_text(text: str) -> str:
    """Remove characters that cannot be stored or that hide what a text says.

    Lone surrogates become U+FFFD (where a broken character was); NUL, other control
    characters but tab and line breaks, noncharacters and bidi controls are removed.
    """
    if text.isascii() and text.isprintable():
        return text
    text = _UNSTORABLE.sub(_replacement, text)
    if _DIRECTION_MARKS.search(text) and not _RIGHT_TO_LEFT.search(text):
        text = _DIRECTION_MARKS.sub("", text)
    return text


def _replacement(match: re.Match[str]) -> str:
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"
    return "\n" if char in _LINE_BREAKS else ""


_LINE_BREAKS = frozenset("\x0b\x0c\x1c\x1d\x1e\x85")
