"""UI strings and dates in the reader's language.

Strings live in ``bot/locales/<lang>.toml`` plus any ``bot/locales/<lang>/*.toml`` (one
file per language and feature, editable by a translator, loaded once); English is the
fallback for a missing key or language. Dates
are formatted by Babel in the reader's locale.
"""

from __future__ import annotations

import logging
import string
import tomllib
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_interval

logger = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).with_name("locales")
SUPPORTED: tuple[str, ...] = ("en", "ru", "uz", "uz-Cyrl", "kk", "ky", "tg", "tk")
DEFAULT = "en"
# Babel locale per UI language: "uz" is Uzbek in Latin script, "uz-Cyrl" in Cyrillic.
_BABEL_LOCALE = {
    "en": "en",
    "ru": "ru",
    "uz": "uz_Latn",
    "uz-Cyrl": "uz_Cyrl",
    "kk": "kk",
    "ky": "ky",
    "tg": "tg",
    "tk": "tk",
}


def normalize_lang(code: str | None) -> str:
    """Map a Telegram language_code (``ru``, ``en-US``, ``uz-Cyrl``) to a UI language."""
    if not code:
        return DEFAULT
    parts = code.replace("_", "-").split("-")
    base = parts[0].lower()
    if base == "uz" and any(p.casefold() == "cyrl" for p in parts[1:]):
        return "uz-Cyrl"
    return base if base in SUPPORTED else DEFAULT


def menu_language(lang: str) -> str | None:
    """Return the two-letter code Telegram keys a command menu by (None: no menu of its own).

    Telegram tells a user's language by ISO 639-1 only, so the Cyrillic Uzbek UI has no
    menu of its own; Uzbek readers get the Latin one.
    """
    return lang if len(lang) == 2 else None


@cache
def strings(lang: str) -> dict[str, str]:
    """Return every UI string of a language as flat ``section.key`` → text."""
    paths = [LOCALES_DIR / f"{lang}.toml", *sorted((LOCALES_DIR / lang).glob("*.toml"))]
    flat: dict[str, str] = {}
    for path in paths:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        before = len(flat)
        part: dict[str, str] = {}
        _flatten(data, "", part)
        flat.update(part)
        if len(flat) != before + len(part):
            raise ValueError(f"{path}: repeats a UI string key of another file")
    return flat


def _flatten(node: dict[str, Any], prefix: str, out: dict[str, str]) -> None:
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, f"{name}.", out)
        else:
            out[name] = str(value)


def t(lang: str, key: str, /, **values: object) -> str:
    """Return the UI string ``key`` in ``lang`` (English when missing), formatted with values.

    Values are inserted as given: callers that build HTML escape them first.
    """
    text = strings(lang if lang in SUPPORTED else DEFAULT).get(key)
    if text is None:
        text = strings(DEFAULT).get(key)
        if text is None:
            raise KeyError(key)
        logger.warning("UI string %s missing in %s; using English", key, lang)
    return text.format(**values) if values else text


def placeholders(text: str) -> set[str]:
    """Return the ``{names}`` a UI string expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def babel_locale(lang: str) -> Locale:
    """Return the Babel locale for a UI language."""
    return Locale.parse(_BABEL_LOCALE.get(lang, "en"))


def format_date(value: date | datetime, lang: str) -> str:
    """Format a date the way a reader of ``lang`` writes it (``7 апр. 2026 г.``)."""
    day = value.date() if isinstance(value, datetime) else value
    return _format_day(day, lang)


@lru_cache(maxsize=8192)
def _format_day(day: date, lang: str) -> str:
    # Babel takes about 0.3 ms a date; a page of stories has a few distinct days.
    return _babel_format_date(day, "medium", locale=babel_locale(lang))


def format_dates(start: date | None, end: date | None, lang: str) -> str:
    """Format an event's dates, one day or a range (``7–10 апр. 2025 г.``)."""
    if start is None and end is None:
        return ""
    if start is None or end is None or start == end:
        one = start or end
        assert one is not None
        return format_date(one, lang)
    if end < start:
        start, end = end, start
    # CLDR 47 (Babel 2.17+) joins Russian ranges with an em dash, older data with an en
    # dash; a date range takes the en dash, and the reader's text should not depend on
    # which Babel is installed.
    return format_interval(start, end, "yMMMd", locale=babel_locale(lang)).replace("—", "–")
