"""Word forms: the forms of one word meet on a stem, in each of the region's languages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digests import wordforms


def _meet(query: str, stored: str, lang: str) -> bool:
    """Tell whether a query word matches a stored word as search does (prefix or stem)."""
    stored_forms = {stored, *wordforms.index_terms(stored, lang).split()}
    if any(s.startswith(query) for s in stored_forms):
        return True
    return bool(set(wordforms.query_stems(query)) & stored_forms)


@pytest.mark.parametrize(
    ("query", "stored", "lang"),
    [
        pytest.param("цифровизация", "цифровизации", "ru", id="ru-genitive"),
        pytest.param("цифровизация", "цифровизацией", "ru", id="ru-instrumental"),
        pytest.param("интеллекта", "интеллектом", "ru", id="ru-two-cases"),
        pytest.param("искусственного", "искусственный", "ru", id="ru-adjective"),
        pytest.param("investments", "investment", "en", id="en-plural"),
        pytest.param("жобаларының", "жобасы", "kk", id="kk-plural-genitive"),
        pytest.param("Алматыдағы", "Алматыда", "kk", id="kk-locative"),
        pytest.param("стартаптар", "стартаптардың", "kk", id="kk-plural"),
        pytest.param("loyihalari", "loyihalarni", "uz", id="uz-latn"),
        pytest.param("Toshkentdagi", "Toshkentga", "uz", id="uz-latn-case"),
        pytest.param("лойиҳалари", "лойиҳаларни", "uz", id="uz-cyrl"),
        pytest.param("Бишкекке", "Бишкекте", "ky", id="ky-case"),
        pytest.param("өкмөттүн", "өкмөтү", "ky", id="ky-genitive"),
        pytest.param("барномаҳои", "барномаҳоро", "tg", id="tg-plural"),
        pytest.param("рақамикунонии", "рақамикунонӣ", "tg", id="tg-ezafe"),
        pytest.param("ulgamy", "ulgamlar", "tk", id="tk-possessive"),
        pytest.param("Türkmenistanyň", "Türkmenistanda", "tk", id="tk-case"),
    ],
)
def test_forms_of_a_word_meet(query: str, stored: str, lang: str) -> None:
    assert _meet(query.lower(), stored.lower(), lang)


@pytest.mark.parametrize(
    ("query", "stored", "lang"),
    [
        pytest.param("банк", "банкротство", "ru", id="ru-bank-is-not-bankruptcy"),
        pytest.param("стартап", "старт", "ru", id="ru-longer-word"),
        pytest.param("startup", "start", "en", id="en-longer-word"),
    ],
)
def test_other_words_do_not_meet_by_their_stem(query: str, stored: str, lang: str) -> None:
    stored_forms = set(wordforms.index_terms(stored, lang).split())
    assert not set(wordforms.query_stems(query)) & stored_forms


def test_short_words_and_numbers_are_left_alone() -> None:
    assert wordforms.index_terms("IT AI ЕС 2025 5G", "ru") == ""
    assert wordforms.query_stems("2025") == []


def test_rules_cover_every_language_snowball_lacks() -> None:
    assert set(wordforms.suffix_rules()) == {"kk", "ky", "uz_latn", "uz_cyrl", "tg", "tk"}
    for rules in wordforms.suffix_rules().values():
        assert rules.slots and all(s == s.lower() for slot in rules.slots for s in slot)


@given(
    text=st.text(max_size=500),
    lang=st.sampled_from(["ru", "en", "uz", "kk", "ky", "tg", "tk", "zz"]),
)
def test_any_text_gives_terms_that_are_words(text: str, lang: str) -> None:
    terms = wordforms.index_terms(text, lang)
    assert all(wordforms.TOKEN.fullmatch(t) for t in terms.split())
    for word in wordforms.words(text):
        assert all(wordforms.TOKEN.fullmatch(s) for s in wordforms.query_stems(word))
