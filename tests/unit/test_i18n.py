"""UI strings are complete in every language; dates come out in the reader's locale."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot import i18n
from tests.e2e.botapi import parse_html

OTHERS = [lang for lang in i18n.SUPPORTED if lang != i18n.DEFAULT]


@pytest.mark.parametrize("lang", OTHERS)
def test_every_key_is_translated(lang: str) -> None:
    english, other = i18n.strings("en"), i18n.strings(lang)
    assert sorted(set(english) - set(other)) == [], "missing"
    assert sorted(set(other) - set(english)) == [], "not in en.toml"


@pytest.mark.parametrize("lang", OTHERS)
def test_placeholders_match_english(lang: str) -> None:
    english, other = i18n.strings("en"), i18n.strings(lang)
    wrong = {
        k: (i18n.placeholders(v), i18n.placeholders(other[k]))
        for k, v in english.items()
        if i18n.placeholders(v) != i18n.placeholders(other[k])
    }
    assert wrong == {}


@pytest.mark.parametrize("lang", i18n.SUPPORTED)
def test_strings_are_valid_telegram_html(lang: str) -> None:
    for key, text in i18n.strings(lang).items():
        filled = text.format(**{name: "x" for name in i18n.placeholders(text)})
        assert parse_html(filled), key  # raises on a bad tag or a bare & < >


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("ru", "ru"),
        ("en-US", "en"),
        ("uz", "uz"),
        ("kk", "kk"),
        ("ky", "ky"),
        ("tg", "tg"),
        ("uz-Cyrl", "uz-Cyrl"),
        ("uz-cyrl", "uz-Cyrl"),
        ("tk", "tk"),
        ("de", "en"),
        (None, "en"),
        ("", "en"),
        ("RU", "ru"),
    ],
)
def test_normalize_lang(code: str | None, lang: str) -> None:
    assert i18n.normalize_lang(code) == lang


def test_unknown_language_falls_back_to_english() -> None:
    assert i18n.t("xx", "lang.name") == "English"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        pytest.param("en", "Apr 7, 2026", id="en"),
        pytest.param("ru", "7 апр. 2026 г.", id="ru"),
        pytest.param("uz", "7-apr, 2026", id="uz-latin"),
        pytest.param("kk", "сәу", id="kk"),
        pytest.param("ky", "апр", id="ky"),
        pytest.param("tg", "Апр", id="tg"),
    ],
)
def test_dates_in_reader_locale(lang: str, expected: str) -> None:
    assert expected in _plain(i18n.format_date(datetime(2026, 4, 7, 12, 0), lang))


def test_date_ranges() -> None:
    assert _plain(i18n.format_dates(date(2025, 4, 7), date(2025, 4, 10), "ru")) == (
        "7–10 апр. 2025 г."
    )
    assert i18n.format_dates(date(2025, 4, 7), None, "en") == "Apr 7, 2025"
    assert i18n.format_dates(None, None, "en") == ""


def _plain(text: str) -> str:
    """Babel separates with no-break spaces; compare with plain ones."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")
