"""Build fast regular expressions from word lists: a trie, so a scan branches once per letter."""

from __future__ import annotations

import re
from collections.abc import Iterable


def trie_pattern(words: Iterable[str]) -> str:
    """Return a regex alternation of the words, factored into a trie (longest match first).

    ``re`` tries the branches of a flat alternation one after another at every position; a
    trie tries one letter at a time, which makes a list of two hundred words as cheap as one.
    """
    root: dict[str, dict] = {}
    for word in set(words):
        if not word:
            continue
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _render(root)


def _render(node: dict[str, dict]) -> str:
    ends = "" in node
    branches = [re.escape(char) + _render(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    if len(branches) == 1:
        body = branches[0]
        return f"(?:{body})?" if ends else body
    body = "(?:" + "|".join(branches) + ")"
    return body + "?" if ends else body


def lower_same_length(text: str) -> str:
    """Return text in lower case with every offset kept (İ stays one character)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
