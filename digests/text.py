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
