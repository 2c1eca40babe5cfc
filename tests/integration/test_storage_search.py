"""Full-text search on real SQLite (FTS5) and PostgreSQL (tsvector), in the region's languages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import delete, update

from storage import articles, lookups, models
from storage import search as search_module
from storage.search import SearchHit, fts5_query, search, spellings, tsquery

if TYPE_CHECKING:
    from tests.conftest import ArticleFactory, Database

ARTICLES = {
    "ru": (
        "Токаев: Астана станет цифровой столицей Центральной Азии",
        "Президент Казахстана Касым-Жомарт Токаев рассказал в интервью о том, как страна "
        "становится цифровым государством и развивает искусственный интеллект.",
    ),
    "kk": (
        "Қазақстанда жасанды интеллект орталығы ашылды",
        "Астана Хаб халықаралық технопаркі стартаптарды қолдайды, деп хабарлады министрлік.",
    ),
    "uz-cyrl": (
        "Ўзбекистонда IT-паркнинг янги мажмуаси очилди",
        "Вазир Америка IT компанияларини Тошкентда минтақавий офис очишга таклиф қилди.",
    ),
    "uz-latn": (
        "Oʻzbekistonda sun'iy intellekt boʻyicha yangi dastur qabul qilindi",
        "Raqamli texnologiyalar vazirligi Toshkentda yangi IT Park majmuasini ochdi.",
    ),
    "ky": (
        "Бишкекте санариптик технологиялар боюнча форум өттү",
        "Кыргызстандын жаштары жасалма интеллект жана стартаптар боюнча сессияларга катышты.",
    ),
    "tg": (
        "Ҳафтаи ТИК 2025 дар Душанбе баргузор мешавад",
        "Дар доираи чорабинӣ Технопарки нав кушода шуда, Рӯзи зеҳни сунъӣ гузаронида мешавад.",
    ),
    "en": (
        "Technology parks sign a memorandum at Digital Bridge-2022",
        "Technology parks of Azerbaijan, Kazakhstan, Kyrgyzstan, Turkey and Uzbekistan signed "
        "a memorandum of cooperation in Astana on 28 September 2022.",
    ),
}


@pytest.fixture
async def corpus(db: Database, make_article: ArticleFactory) -> dict[str, int]:
    """Store one real-sounding article per language; return their ids by language."""
    ids = {}
    async with db.sessionmaker() as session, session.begin():
        for lang, (title, text) in ARTICLES.items():
            article = make_article(title=title, text=text, lang=lang.split("-")[0])
            ids[lang] = (await articles.add(session, article, source_id=None, story_id=None)).id
    return ids


async def _search(db: Database, query: str, **kwargs: int) -> list[SearchHit]:
    async with db.sessionmaker() as session:
        return await search(session, query, **kwargs)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("Токаев", {"ru"}, id="ru-name"),
        pytest.param("цифровым государством", {"ru"}, id="ru-two-words"),
        pytest.param("АСТАНА", {"ru", "kk"}, id="ru-upper-case"),
        pytest.param("астана", {"ru", "kk"}, id="ru-lower-case"),
        pytest.param("Қазақстан", {"kk"}, id="kk-prefix-of-inflected"),
        pytest.param("ҚАЗАҚСТАНДА", {"kk"}, id="kk-upper-case"),
        pytest.param("жасанды интеллект", {"kk"}, id="kk-phrase-words"),
        pytest.param("Ўзбекистон", {"uz-cyrl"}, id="uz-cyrl-prefix"),
        pytest.param("мажмуаси", {"uz-cyrl"}, id="uz-cyrl-word"),
        pytest.param("Oʻzbekistonda", {"uz-latn"}, id="uz-latn-okina"),
        pytest.param("sun'iy intellekt", {"uz-latn"}, id="uz-latn-apostrophe"),
        pytest.param("Toshkentda", {"uz-latn"}, id="uz-latn-word"),
        pytest.param("санариптик", {"ky"}, id="ky-word"),
        pytest.param("Кыргызстан", {"ky"}, id="ky-prefix"),
        pytest.param("Душанбе", {"tg"}, id="tg-city"),
        pytest.param("ҳафтаи ТИК", {"tg"}, id="tg-words"),
        pytest.param("memorandum", {"en"}, id="en-word"),
        pytest.param("DIGITAL BRIDGE 2022", {"en"}, id="en-upper-case"),
        pytest.param("Kazakhstan", {"en"}, id="en-country"),
        pytest.param("intellekt", {"uz-latn"}, id="latin-only"),
        pytest.param("интеллект", {"ru", "kk", "ky"}, id="cross-language-word"),
        pytest.param("Токаев memorandum", set(), id="all-words-must-match"),
        pytest.param("Ашхабад", set(), id="absent"),
    ],
)
async def test_search_finds_articles_in_every_language(
    db: Database, corpus: dict[str, int], query: str, expected: set[str]
) -> None:
    hits = await _search(db, query)
    by_id = {v: k for k, v in corpus.items()}
    assert {by_id[h.article_id] for h in hits} == expected


async def test_hits_carry_the_article_and_a_positive_rank(
    db: Database, corpus: dict[str, int]
) -> None:
    [hit] = await _search(db, "memorandum")
    assert hit.article_id == corpus["en"]
    assert hit.title == ARTICLES["en"][0]
    assert hit.summary == f"Summary of {ARTICLES['en'][0]}"
    assert hit.url is not None and hit.url.startswith("https://news.example/")
    assert hit.lang == "en"
    assert hit.published is None
    assert hit.rank > 0


async def test_title_matches_rank_above_body_matches(
    db: Database, make_article: ArticleFactory
) -> None:
    async with db.sessionmaker() as session, session.begin():
        body = await articles.add(
            session,
            make_article(title="Новости недели", text="Встреча прошла в Самарканде весной."),
            source_id=None,
            story_id=None,
        )
        title = await articles.add(
            session,
            make_article(title="Самарканд принимает IT-форум", text="Подробности позже."),
            source_id=None,
            story_id=None,
        )
    hits = await _search(db, "Самарканд")
    assert [h.article_id for h in hits] == [title.id, body.id]
    assert hits[0].rank > hits[1].rank


async def test_limit_and_offset_page_through_hits(
    db: Database, make_article: ArticleFactory
) -> None:
    async with db.sessionmaker() as session, session.begin():
        for n in range(5):
            await articles.add(
                session,
                make_article(title=f"Хакатон номер {n}", text="Хакатон в Алматы."),
                source_id=None,
                story_id=None,
            )
    first = await _search(db, "хакатон", limit=2)
    second = await _search(db, "хакатон", limit=2, offset=2)
    rest = await _search(db, "хакатон", limit=10, offset=4)
    everything = await _search(db, "хакатон", limit=10)
    assert len(first) == 2 and len(second) == 2 and len(rest) == 1
    assert [h.article_id for h in first + second + rest] == [h.article_id for h in everything]


async def test_index_follows_updates_and_deletes(db: Database, corpus: dict[str, int]) -> None:
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            update(models.Article)
            .where(models.Article.id == corpus["en"])
            .values(title="Astana Hub opens a new office in Almaty")
        )
        await session.execute(delete(models.Article).where(models.Article.id == corpus["tg"]))
    assert [h.article_id for h in await _search(db, "Almaty")] == [corpus["en"]]
    assert [h.article_id for h in await _search(db, "memorandum")] == [corpus["en"]]  # body
    assert await _search(db, "Душанбе") == []


@pytest.mark.parametrize(
    "query",
    [
        pytest.param('"', id="double-quote"),
        pytest.param('""""', id="quotes"),
        pytest.param("*", id="star"),
        pytest.param("AND OR", id="operators"),
        pytest.param("NOT", id="not"),
        pytest.param("NEAR(Астана Токаев)", id="near"),
        pytest.param("title:Токаев", id="column-filter"),
        pytest.param("^Токаев", id="caret"),
        pytest.param("-Токаев", id="minus"),
        pytest.param("Токаев:*", id="tsquery-prefix"),
        pytest.param("Токаев & | ! <-> (", id="tsquery-operators"),
        pytest.param("'; DROP TABLE articles; --", id="sql-injection"),
        pytest.param("Robert'); DELETE FROM articles WHERE ('1'='1", id="sql-injection-2"),
        pytest.param("🇰🇿🔥🤖", id="emoji"),
        pytest.param("", id="empty"),
        pytest.param("   \t\n", id="blank"),
        pytest.param("\x00", id="nul"),
        pytest.param("\\", id="backslash"),
        pytest.param("Астана " * 1500, id="10kb-repeated"),
        pytest.param("ы" * 10_240, id="10kb-one-word"),
        pytest.param(" ".join(f"w{i}" for i in range(2000)), id="many-words"),
    ],
)
async def test_hostile_queries_never_error(
    db: Database, corpus: dict[str, int], query: str
) -> None:
    hits = await _search(db, query)
    assert all(isinstance(h, SearchHit) for h in hits)
    async with db.sessionmaker() as session:
        assert await articles.count(session) == len(corpus)


async def test_operator_words_are_searched_as_words(
    db: Database, make_article: ArticleFactory
) -> None:
    async with db.sessionmaker() as session, session.begin():
        stored = await articles.add(
            session,
            make_article(title="Research AND development OR not", text="near the end"),
            source_id=None,
            story_id=None,
        )
    assert [h.article_id for h in await _search(db, "AND OR NOT")] == [stored.id]
    assert [h.article_id for h in await _search(db, "NEAR")] == [stored.id]


async def test_search_on_an_empty_database(db: Database) -> None:
    assert await _search(db, "Токаев") == []


# ---- other spellings of a word, and the candidate cap ----------------------------------------


def _uzbek_script(word: str) -> list[str]:
    """Other spellings for the tests: the Uzbek Latin ↔ Cyrillic transliteration."""
    return lookups.transliterations(word)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("Toshkentda", {"uz-latn", "uz-cyrl"}, id="latin-finds-cyrillic"),
        pytest.param("Тошкентда", {"uz-latn", "uz-cyrl"}, id="cyrillic-finds-latin"),
        pytest.param("IT Toshkentda", {"uz-latn", "uz-cyrl"}, id="each-word-in-either-script"),
        pytest.param("Park Тошкентда", {"uz-latn", "uz-cyrl"}, id="park-prefixes-паркнинг"),
        pytest.param("IT Ашхабад", set(), id="every-word-must-match"),
    ],
)
async def test_alternatives_let_each_word_match_in_any_spelling(
    db: Database, corpus: dict[str, int], query: str, expected: set[str]
) -> None:
    async with db.sessionmaker() as session:
        hits = await search(session, query, alternatives=_uzbek_script)
    by_id = {v: k for k, v in corpus.items()}
    assert {by_id[h.article_id] for h in hits} == expected


def test_query_builders_or_the_spellings_of_a_word_and_and_the_words() -> None:
    groups = spellings(["it", "toshkent"], _uzbek_script)
    assert groups == [["it", "ит"], ["toshkent", "тошкент"]]
    assert fts5_query(groups) == '("it" OR "ит") AND ("toshkent"* OR "тошкент"*)'
    assert tsquery(groups) == "(it | ит) & (toshkent:* | тошкент:*)"
    assert fts5_query(["astana", "hub"]) == '"astana"* AND "hub"*'


async def test_only_the_newest_candidates_are_ranked(
    db: Database, make_article: ArticleFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A word so common that more articles match than MAX_CANDIDATES: the newest are ranked.
    monkeypatch.setattr(search_module, "MAX_CANDIDATES", 3)
    ids = []
    async with db.sessionmaker() as session, session.begin():
        for n in range(5):
            title = "Forum forum forum" if n == 0 else f"Story {n}"
            article = make_article(title=title, text="A forum was held.")
            ids.append((await articles.add(session, article, source_id=None, story_id=None)).id)
    hits = await _search(db, "forum", limit=2)
    # The oldest article says "forum" thrice in its title, but it is not a candidate.
    assert [h.article_id for h in hits] == [ids[4], ids[3]]
    assert (await _search(db, "forum", limit=5))[0].article_id == ids[0]  # the cap grew
    # A page past the cap still gets its hits: the cap grows with limit + offset.
    assert len(await _search(db, "forum", limit=2, offset=3)) == 2
