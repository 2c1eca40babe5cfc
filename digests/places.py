"""Places in the reader's language: the region's cities as each UI language names them."""

from __future__ import annotations

from functools import cache

from digests.understand._data import load
from digests.understand._text import fold, transliterate


@cache
def _index() -> dict[str, str]:
    """Return every folded spelling of a known city → its key in digests/data/places.toml."""
    names = load("places")
    index: dict[str, str] = {}
    for key, by_lang in names.items():
        for surface in (key, *by_lang.values()):
            index.setdefault(fold(surface), key)
            index.setdefault(transliterate(surface), key)
    for entry in load("countries").values():  # the spellings the gazetteer knows
        for shown, spellings in entry.get("cities", {}).items():
            if shown in names:
                for surface in spellings:
                    index.setdefault(fold(surface), shown)
    return index


def name(place: str, lang: str) -> str:
    """Name a place in a UI language (``Ashgabat`` → ``Ашхабад`` for kk); others as written."""
    head, sep, tail = place.partition(",")
    key = _index().get(fold(head.strip())) or _index().get(transliterate(head.strip()))
    if key is None:
        return place
    by_lang = load("places")[key]
    wanted = lang.lower().replace("-", "_")
    shown = by_lang.get(wanted) or by_lang.get(wanted.split("_")[0]) or by_lang.get("en") or key
    return f"{shown}{sep}{tail}" if sep else str(shown)
