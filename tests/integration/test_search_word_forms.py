"""Search matches word forms in every language, alike on SQLite and PostgreSQL.

Each test runs once per database (the ``db`` fixture); the articles hold the words in
other endings than the query, which plain prefix search (before word forms) misses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import render
from storage import articles, lookups
from storage.search import search

if TYPE_CHECKING:
    from tests.conftest import ArticleFactory, Database

# (key, lang, title, text)
ARTICLES = [
    ("ru-digit-1", "ru", "Правительство обсудило цифровизацию госуслуг",
     "Министерство представило план на три года."),
    ("ru-digit-2", "ru", "Форум о цифровизации прошёл в Ташкенте",
     "Эксперты говорили о банках и платежах."),
    ("ru-digit-3", "ru", "Итоги года в отрасли связи",
     "Министр рассказал, как цифровизацией займутся регионы."),
    ("ru-ai-1", "ru", "Искусственный интеллект в медицине",
     "Больницы Алматы внедряют новые системы."),
    ("ru-ai-2", "ru", "Центр искусственного интеллекта открыли в Бишкеке",
     "Центр будет обучать специалистов."),
    ("ru-ai-3", "ru", "Закон об искусственном интеллекте",
     "Депутаты обсудили регулирование отрасли."),
    ("ru-other", "ru", "Интеллектуальная собственность и суды",
     "Суд рассмотрел спор о товарном знаке."),
    ("kk-1", "kk", "Министрлік цифрландыру жобаларын таныстырды",
     "Жобалар өңірлерде іске асады."),
    ("kk-2", "kk", "Стартаптардың жобасы Алматыда қорғалды",
     "Жас кәсіпкерлер сайысқа қатысты."),
    ("uz-cyrl", "uz", "Тошкентда стартаплар учун янги марказ очилди",
     "Марказ лойиҳаларни қўллаб-қувватлайди."),
    ("uz-latn", "uz", "Samarqandda IT Park loyihalari taqdim etildi",
     "Toshkentga yangi startaplar kelmoqda."),
    ("ky", "ky", "Бишкекте санариптик форум өттү",
     "Форумга жаштар катышты."),
    ("tg", "tg", "Вазорат барномаҳоро муаррифӣ кард",
     "Ин барномаҳо дар соли нав оғоз мешаванд."),
    ("tk", "tk", "Türkmenistanda sanly ulgamlar ösýär",
     "Täze ulgamlar raýatlara hyzmat edýär."),
    ("en", "en", "Kazakh fintech startup closes its first investment round",
     "The startup will hire engineers in Almaty."),
]  # fmt: skip


@pytest.fixture
async def corpus(db: Database, make_article: ArticleFactory) -> dict[int, str]:
    """Store the articles; return their keys by id."""
    keys = {}
    async with db.sessionmaker() as session, session.begin():
        for key, lang, title, text in ARTICLES:
            article = make_article(title=title, text=text, lang=lang)
            keys[(await articles.add(session, article, source_id=None, story_id=None)).id] = key
    return keys


async def _found(db: Database, corpus: dict[int, str], query: str) -> set[str]:
    """Search as the bot does: each word in its own script and transliterated."""
    async with db.sessionmaker() as session:
        hits = await search(session, query, limit=50, alternatives=lookups.transliterations)
    return {corpus[h.article_id] for h in hits}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("цифровизация", {"ru-digit-1", "ru-digit-2", "ru-digit-3"}, id="ru-cases"),
        pytest.param("жобаларының", {"kk-1", "kk-2"}, id="kk-inflected"),
        pytest.param("Алматыдағы стартаптар", {"kk-2"}, id="kk-two-inflected"),
        pytest.param("лойиҳалари", {"uz-cyrl", "uz-latn"}, id="uz-cyrl-query-both-scripts"),
        pytest.param("Toshkentdagi startaplar", {"uz-cyrl", "uz-latn"}, id="uz-latn-query"),
        pytest.param("Бишкекке", {"ky", "ru-ai-2"}, id="ky-dative"),
        pytest.param("барномаи", {"tg"}, id="tg-ezafe"),
        pytest.param("ulgamy", {"tk"}, id="tk-possessive"),
        pytest.param("investments", {"en"}, id="en-plural"),
    ],
)
async def test_a_word_finds_its_other_forms(
    db: Database, corpus: dict[int, str], query: str, expected: set[str]
) -> None:
    assert await _found(db, corpus, query) == expected


async def test_the_two_forms_of_artificial_intelligence_give_the_same_answer(
    db: Database, corpus: dict[int, str]
) -> None:
    nominative = await _found(db, corpus, "искусственный интеллект")
    genitive = await _found(db, corpus, "искусственного интеллекта")
    assert nominative == genitive == {"ru-ai-1", "ru-ai-2", "ru-ai-3"}


async def test_without_word_forms_only_the_written_form_matches(
    db: Database, corpus: dict[int, str]
) -> None:
    """The measure's "before": word forms off is the prefix search as it was."""
    async with db.sessionmaker() as session:
        hits = await search(session, "цифровизация", limit=50, word_forms=False)
    assert {corpus[h.article_id] for h in hits} == set()


async def test_the_search_service_pages_stories_found_by_their_forms(
    db: Database, corpus: dict[int, str]
) -> None:
    async with db.sessionmaker() as session:
        page = await lookups.search(session, "искусственного интеллекта", limit=2)
        rest = await lookups.search(session, "искусственного интеллекта", limit=2, offset=2)
    titles = [v.title for v in page.stories + rest.stories]
    assert len(titles) == 3 and page.has_more and not rest.has_more
    assert all("скусствен" in t for t in titles)


async def test_ranking_is_kept_among_the_forms(db: Database, corpus: dict[int, str]) -> None:
    """The very word in a title ranks first, another form in a title next, then the text."""
    async with db.sessionmaker() as session:
        hits = await search(session, "цифровизации", limit=5)
    assert [corpus[h.article_id] for h in hits] == ["ru-digit-2", "ru-digit-1", "ru-digit-3"]


QUERY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from("абвгдеёжзқғүұәіңөһҳўҷӣӯʻʼ'\"*:()-&|!^~ oʻgʻšňýžçäöüAND OR NOT NEAR"),
    ),
    max_size=400,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=QUERY_TEXT)
async def test_any_query_gets_an_answer_or_an_empty_page(
    db: Database, make_article: ArticleFactory, query: str
) -> None:
    if not getattr(db, "_seeded", False):
        async with db.sessionmaker() as session, session.begin():
            for _, lang, title, text in ARTICLES:
                article = make_article(title=title, text=text, lang=lang)
                await articles.add(session, article, source_id=None, story_id=None)
        object.__setattr__(db, "_seeded", True)
    async with db.sessionmaker() as session:
        page = await lookups.search(session, query, limit=5)
    assert len(page.stories) <= 5
    reply = render.search(query, page, "ru", "s:1:5")
    assert reply.texts and all(text.strip() for text in reply.texts)
