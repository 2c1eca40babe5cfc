"""Lookups behind the bot's commands, on SQLite and PostgreSQL, over understood articles.

Articles are real-looking news in six languages, understood by ``digests.understand``
(language, countries, topics, events are what the product computes) and stored with
``storage.articles.add``. Expectations about tags are taken from the understood articles
where the test is about the lookup, not about the understanding.
"""

from __future__ import annotations

import argparse
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

import pytest

from bot import cli_lookups
from digests.model import Article, RawArticle, SourceHints
from digests.understand import understand
from storage import articles, lookups

if TYPE_CHECKING:
    from tests.conftest import Database

TODAY = date(2026, 6, 1)

# key: (title, text, source, day of January 2026 it was published)
CORPUS: dict[str, tuple[str, str, str, int]] = {
    "kz-ru": (
        "Astana Hub открыл в Астане новый кампус для стартапов",
        "Технопарк Astana Hub открыл в Астане новый кампус площадью 20 тысяч квадратных метров. "
        "В Казахстане число резидентов технопарка превысило 1 500 компаний. Министр цифрового "
        "развития Казахстана заявил, что кампус примет стартапы из всего региона.",
        "Kapital.kz",
        1,
    ),
    "kz-kk": (
        "Қазақстанда жасанды интеллект орталығы ашылды",
        "Астанада жасанды интеллект бойынша ұлттық орталық ашылды. Қазақстан үкіметі орталықты "
        "қаржыландыруға 10 миллиард теңге бөлді. Орталық Қазақстанның университеттерімен бірге "
        "жұмыс істейді.",
        "Kazinform",
        2,
    ),
    "kz-en": (
        "Kazakhstan launches a national AI platform for government services",
        "Kazakhstan has launched a national artificial intelligence platform for public "
        "services. The Ministry of Digital Development of Kazakhstan said the platform will "
        "serve 20 million citizens in Kazakh and Russian.",
        "The Astana Times",
        3,
    ),
    "uz-latn": (
        "Toshkentda yangi IT Park binosi ochildi",
        "Toshkent shahrida IT Park texnoparkining yangi binosi ochildi. Oʻzbekiston Raqamli "
        "texnologiyalar vazirligi maʼlumotlariga koʻra, bino 3 000 dasturchiga moʻljallangan. "
        "Oʻzbekistonda IT Park rezidentlari soni ortib bormoqda.",
        "Kun.uz",
        4,
    ),
    "uz-cyrl": (
        "Тошкентда стартаплар форуми бўлиб ўтди",
        "Тошкент шаҳрида ёш тадбиркорлар учун стартаплар форуми бўлиб ўтди. Ўзбекистон "
        "Рақамли технологиялар вазирлиги форумда янги грант дастурини тақдим этди. "
        "Ўзбекистонда стартаплар сони ўсмоқда.",
        "Daryo",
        5,
    ),
    "uz-mixed": (
        "IT Park Тошкентда янги филиал очди",
        "IT Park технопарки Тошкент шаҳрида янги филиал очди. Филиалда Ўзбекистоннинг "
        "ёш дастурчилари учун 500 та иш ўрни яратилди.",
        "Gazeta.uz",
        6,
    ),
    "kg": (
        "Бишкекте санариптик өнүгүү боюнча форум өттү",
        "Бишкекте Кыргызстандын санариптик өнүгүүсүнө арналган форум өттү. Кыргызстандын "
        "өкмөтү «Түндүк» системасын кеңейтүү пландарын жарыялады. Форумга 300дөн ашык киши "
        "катышты.",
        "24.kg",
        7,
    ),
    "tj-tg": (
        "Дар Душанбе ICT Week 2025 оғоз шуд",
        "Аз 7 то 10 апрели соли 2025 дар Душанбе ҳафтаи технологияҳои иттилоотӣ ICT Week 2025 "
        "баргузор гардид. Дар чорабинӣ намояндагони Тоҷикистон ва кишварҳои ҳамсоя ширкат "
        "варзиданд.",
        "Khovar",
        8,
    ),
    "tj-ru": (
        "В Душанбе завершилась ICT Week 2025",
        "С 7 по 10 апреля 2025 года в Душанбе прошла неделя технологий ICT Week 2025. "
        "В Таджикистане открылся новый IT-парк, а на неделе обсудили искусственный интеллект.",
        "Asia-Plus",
        9,
    ),
    "almaty-2027": (
        "Digital Almaty 2027 пройдёт в Алматы 5–6 февраля 2027 года",
        "Международный форум Digital Almaty 2027 пройдёт в Алматы 5–6 февраля 2027 года. "
        "Казахстан ожидает участников из 30 стран. Форум посвящён цифровой экономике "
        "Казахстана.",
        "Kursiv",
        10,
    ),
    "almaty-2026": (
        "Digital Almaty 2026 пройдёт в Алматы 10–11 сентября 2026 года",
        "Форум Digital Almaty 2026 пройдёт в Алматы 10–11 сентября 2026 года. Казахстан "
        "пригласил технологические компании со всего мира.",
        "Kursiv",
        11,
    ),
    "bridge": (
        "Digital Bridge 2025 forum held in Astana",
        "The Digital Bridge 2025 forum was held in Astana on October 2–3, 2025. Kazakhstan "
        "signed agreements with technology companies at the forum.",
        "Trend",
        12,
    ),
}
# The English story "kz-en" is also told in Russian: one story, two versions.
TRANSLATION = (
    "Казахстан запустил национальную платформу ИИ для госуслуг",
    "Казахстан запустил национальную платформу искусственного интеллекта для государственных "
    "услуг. Министерство цифрового развития Казахстана сообщило, что платформа будет "
    "обслуживать 20 миллионов граждан.",
    "Tengrinews",
    3,
)
KZ_EXTRA = 12  # enough Kazakh news for three pages of five


def _published(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


def _raw(key: str, title: str, text: str, day: int, hour: int = 0) -> RawArticle:
    return RawArticle(
        url=f"https://news.example/{key}", title=title, text=text, published=_published(day, hour)
    )


@cache
def understood() -> dict[str, Article]:
    """Understand the corpus once per run (the understanding is pure)."""
    found = {}
    for key, (title, text, source, day) in CORPUS.items():
        found[key] = understand(_raw(key, title, text, day), hints=SourceHints(name=source))
    title, text, source, day = TRANSLATION
    found["kz-ru-translation"] = understand(
        _raw("kz-en-ru", title, text, day, 1), hints=SourceHints(name=source)
    )
    for i in range(KZ_EXTRA):
        found[f"kz-extra-{i}"] = understand(
            _raw(
                f"kz-extra-{i}",
                f"Казахстанский стартап №{i + 1} привлёк инвестиции",
                f"Стартап №{i + 1} из Алматы привлёк {i + 2} миллиона долларов. Казахстан "
                "остаётся крупнейшим венчурным рынком региона.",
                20,
                i,
            ),
            hints=SourceHints(name="Forbes Kazakhstan"),
        )
    return found


async def store(db: Database) -> dict[str, int]:
    """Store the understood corpus; return each article's story id."""
    stories: dict[str, int] = {}
    async with db.sessionmaker() as session, session.begin():
        for key, article in understood().items():
            story = stories["kz-en"] if key == "kz-ru-translation" else None
            stored = await articles.add(session, article, source_id=None, story_id=story)
            stories[key] = stored.story_id
    return stories


@pytest.fixture
async def corpus(db: Database) -> dict[str, int]:
    return await store(db)


def title(key: str) -> str:
    return understood()[key].title


def tagged(kind: str, value: str) -> set[str]:
    """Return the corpus keys the understanding tagged so (countries or topics)."""
    field = {"country": "countries", "topic": "topics"}[kind]
    return {key for key, a in understood().items() if value in getattr(a, field)}


# ---- the understanding we build on -------------------------------------------------------------


def test_the_corpus_is_understood_as_the_tests_expect() -> None:
    found = understood()
    assert {k: found[k].lang for k in ("kz-ru", "kz-kk", "kz-en", "kg", "tj-tg")} == {
        "kz-ru": "ru",
        "kz-kk": "kk",
        "kz-en": "en",
        "kg": "ky",
        "tj-tg": "tg",
    }
    assert found["uz-latn"].lang == found["uz-cyrl"].lang == "uz"
    assert {"kz-ru", "kz-kk", "kz-en", "kz-extra-0"} <= tagged("country", "kz")
    assert {"uz-latn", "uz-cyrl"} <= tagged("country", "uz")
    assert [e.key for e in found["tj-ru"].events] == ["ict-week-2025"]


# ---- /country -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["kz", "KZ", "🇰🇿", "Казахстан", "Қазақстан", "Qozogʻiston", "Kazakhstan", "казахстан"],
)
async def test_country_by_code_flag_or_name(
    db: Database, corpus: dict[str, int], name: str
) -> None:
    async with db.sessionmaker() as session:
        answer = await lookups.country(session, name, limit=50)
    assert answer.code == "kz" and answer.exact
    assert answer.page is not None
    shown = {s.story_id for s in answer.page.stories}
    assert shown == {corpus[k] for k in tagged("country", "kz")}


@pytest.mark.parametrize("name", ["Kazakstan", "Kazakhstn", "Казакстан"])
async def test_country_near_miss_answers_with_the_closest(
    db: Database, corpus: dict[str, int], name: str
) -> None:
    async with db.sessionmaker() as session:
        answer = await lookups.country(session, name)
    assert answer.code == "kz"
    assert answer.page is not None and answer.page.stories


async def test_country_nonsense_and_weak_guesses(db: Database, corpus: dict[str, int]) -> None:
    async with db.sessionmaker() as session:
        narnia = await lookups.country(session, "Narnia")
        weak = await lookups.country(session, "Uzbkstn")  # 0.82: offered, not assumed
        empty = await lookups.country(session, "   ")
    # "Narnia" is closest to Armenia (0.77): too weak to offer.
    assert (narnia.code, narnia.suggestions, narnia.page) == (None, (), None)
    assert weak.code is None and weak.suggestions[0] == "uz"
    assert (empty.code, empty.suggestions) == (None, ())


async def test_country_pages_do_not_overlap_and_run_newest_first(
    db: Database, corpus: dict[str, int]
) -> None:
    pages = []
    async with db.sessionmaker() as session:
        offset = 0
        while True:
            answer = await lookups.country(session, "kz", limit=5, offset=offset)
            assert answer.page is not None
            pages.append(answer.page)
            if not answer.page.has_more:
                break
            offset = answer.page.next_offset
    ids = [s.story_id for p in pages for s in p.stories]
    assert len(ids) == len(set(ids)) == len({corpus[k] for k in tagged("country", "kz")})
    assert [len(p.stories) for p in pages[:-1]] == [5] * (len(pages) - 1)
    dates = [s.published for p in pages for s in p.stories]
    assert dates == sorted(dates, reverse=True)
    assert pages[0].stories[0].title == title("kz-extra-11")  # the newest


async def test_latest_covers_the_region_newest_first(db: Database, corpus: dict[str, int]) -> None:
    async with db.sessionmaker() as session:
        first = await lookups.latest(session, limit=5)
        everything = await lookups.latest(session, limit=100)
    assert [s.title for s in first.stories] == [title(f"kz-extra-{i}") for i in (11, 10, 9, 8, 7)]
    assert first.has_more and not everything.has_more
    assert len(everything.stories) == len(set(corpus.values()))


async def test_undated_articles_come_after_dated_ones(db: Database, corpus: dict[str, int]) -> None:
    undated = replace(
        understood()["kz-ru"],
        url="https://news.example/undated",
        canonical_url="https://news.example/undated",
        title="Undated Kazakhstan news",
        content_hash="undated",
        published=None,
    )
    async with db.sessionmaker() as session, session.begin():
        await articles.add(session, undated, source_id=None, story_id=None)
    async with db.sessionmaker() as session:
        page = await lookups.by_country(session, "kz", limit=100)
    assert page.stories[-1].title == "Undated Kazakhstan news"
    assert all(s.published for s in page.stories[:-1])


async def test_by_topic(db: Database, corpus: dict[str, int]) -> None:
    expected = tagged("topic", "startups")
    assert expected, "the understanding found no startup news"
    async with db.sessionmaker() as session:
        page = await lookups.by_topic(session, "startups", limit=50)
        nothing = await lookups.by_topic(session, "knitting")
    assert {s.story_id for s in page.stories} == {corpus[k] for k in expected}
    assert nothing.stories == () and not nothing.has_more


@pytest.mark.parametrize(
    ("reader", "shown"),
    [("ru", "kz-ru-translation"), ("en", "kz-en"), ("kk", "kz-ru-translation")],
)
async def test_the_readers_version_of_a_story_is_shown(
    db: Database, corpus: dict[str, int], reader: str, shown: str
) -> None:
    async with db.sessionmaker() as session:
        page = await lookups.by_country(session, "kz", limit=50, reader_lang=reader)
    [story] = [s for s in page.stories if s.story_id == corpus["kz-en"]]
    # Without a version in the reader's language, the newest version is shown.
    assert story.title == title(shown)
    assert set(story.langs) == {"en", "ru"}
    assert set(story.sources) == {"The Astana Times", "Tengrinews"}
    assert story.countries == ("kz",)


# ---- /events, /event --------------------------------------------------------------------------


async def test_events_upcoming_soonest_first_then_recent_latest_first(
    db: Database, corpus: dict[str, int]
) -> None:
    async with db.sessionmaker() as session:
        found = await lookups.events(session, today=TODAY, limit=10)
    keys = [e.key for e in found]
    assert keys[:4] == [
        "digital-almaty-2026",  # September 2026
        "digital-almaty-2027",  # February 2027
        "digital-bridge-2025",  # October 2025
        "ict-week-2025",  # April 2025
    ]
    counts = {e.key: e.articles for e in found}
    assert counts["ict-week-2025"] == 2 and counts["digital-almaty-2027"] == 1
    ict = found[keys.index("ict-week-2025")]
    assert (ict.start, ict.end, ict.place, ict.country) == (
        date(2025, 4, 7),
        date(2025, 4, 10),
        "Dushanbe",
        "tj",
    )
    async with db.sessionmaker() as session:
        assert len(await lookups.events(session, today=TODAY, limit=2)) == 2


@pytest.mark.parametrize(
    ("query", "key"),
    [
        pytest.param("ict-week-2025", "ict-week-2025", id="key"),
        pytest.param("ICT Week 2025", "ict-week-2025", id="name"),
        pytest.param("ict week", "ict-week-2025", id="without-year"),
        pytest.param("ICT Wek", "ict-week-2025", id="en-typo"),
        pytest.param("digital bridge", "digital-bridge-2025", id="en-lowercase"),
        pytest.param("Диджитал Бридж", "digital-bridge-2025", id="ru-cyrillic"),
        pytest.param("Дигитал Алматы 2027", "digital-almaty-2027", id="ru-with-year"),
        pytest.param("Digital Almaty", "digital-almaty-2027", id="latest-edition"),
    ],
)
async def test_event_card_by_key_name_or_fuzzy(
    db: Database, corpus: dict[str, int], query: str, key: str
) -> None:
    async with db.sessionmaker() as session:
        card = await lookups.event_card(session, query, reader_lang="ru")
    assert card is not None and card.event.key == key
    stories = {s.story_id for s in card.page.stories}
    expected = {corpus[k] for k, a in understood().items() if key in {e.key for e in a.events}}
    assert stories == expected and card.event.articles == len(expected)


async def test_event_card_offers_other_editions(db: Database, corpus: dict[str, int]) -> None:
    async with db.sessionmaker() as session:
        card = await lookups.event_card(session, "Digital Almaty")
    assert card is not None and card.others == ("Digital Almaty 2026",)


async def test_event_card_sees_events_added_after_it_first_looked(
    db: Database, corpus: dict[str, int]
) -> None:
    async with db.sessionmaker() as session:
        assert await lookups.event_card(session, "Samarkand Startup Week 2026") is None
    article = understand(
        _raw(
            "samarkand",
            "Samarkand Startup Week 2026 opens in Samarkand",
            "Samarkand Startup Week 2026 opened in Samarkand on May 4, 2026. Uzbekistan "
            "hosts founders from 15 countries.",
            25,
        ),
        hints=SourceHints(name="Kun.uz"),
    )
    async with db.sessionmaker() as session, session.begin():
        await articles.add(session, article, source_id=None, story_id=None)
    async with db.sessionmaker() as session:
        card = await lookups.event_card(session, "samarkand startup week")
    assert card is not None and card.event.key == "samarkand-startup-week-2026"


@pytest.mark.parametrize("query", ["Quantum Yurt Summit", "", "!!!", "x" * 1000])
async def test_event_card_unknown(db: Database, corpus: dict[str, int], query: str) -> None:
    async with db.sessionmaker() as session:
        assert await lookups.event_card(session, query) is None


async def test_event_card_on_an_empty_database(db: Database) -> None:
    async with db.sessionmaker() as session:
        assert await lookups.event_card(session, "ICT Week") is None
        assert await lookups.events(session, today=TODAY) == []


# ---- /search ------------------------------------------------------------------------------------


async def test_search_ranks_title_matches_first(db: Database, corpus: dict[str, int]) -> None:
    async with db.sessionmaker() as session:
        page = await lookups.search(session, "форум", limit=20)
    shown = [s.story_id for s in page.stories]
    in_title = {corpus[k] for k in ("kg", "uz-cyrl", "bridge")}  # форум / forum in the title
    in_body = {corpus[k] for k in ("almaty-2027", "almaty-2026")}  # only in the text
    assert set(shown[: len(in_title)]) == in_title
    assert in_body <= set(shown[len(in_title) :])


@pytest.mark.parametrize("query", ["Toshkent", "Тошкент", "toshkent", "ТОШКЕНТ", "Toshkentda"])
async def test_search_uzbek_latin_and_cyrillic_find_each_other(
    db: Database, corpus: dict[str, int], query: str
) -> None:
    async with db.sessionmaker() as session:
        page = await lookups.search(session, query, limit=10)
    shown = {s.story_id for s in page.stories}
    assert {corpus[k] for k in ("uz-latn", "uz-cyrl", "uz-mixed")} <= shown


@pytest.mark.parametrize("query", ["IT Park Toshkent", "IT Park Тошкент", "ИТ Парк Toshkent"])
async def test_search_matches_each_word_in_either_script(
    db: Database, corpus: dict[str, int], query: str
) -> None:
    async with db.sessionmaker() as session:
        page = await lookups.search(session, query, limit=10)
    shown = {s.story_id for s in page.stories}
    # "IT Park" in Latin, "Тошкентда" in Cyrillic: only word by word can both match.
    assert corpus["uz-mixed"] in shown
    assert corpus["uz-latn"] in shown
    assert corpus["uz-cyrl"] not in shown  # no IT Park in it


async def test_search_pages_and_prefers_the_readers_version(
    db: Database, corpus: dict[str, int]
) -> None:
    async with db.sessionmaker() as session:
        first = await lookups.search(session, "стартап", limit=5, reader_lang="ru")
        second = await lookups.search(session, "стартап", limit=5, offset=5, reader_lang="ru")
        platform = await lookups.search(session, "platform Kazakhstan", reader_lang="ru")
    assert first.has_more and len(first.stories) == 5
    assert not {s.story_id for s in first.stories} & {s.story_id for s in second.stories}
    # The English words found the story; the Russian reader sees its Russian version.
    [story] = [s for s in platform.stories if s.story_id == corpus["kz-en"]]
    assert story.title == title("kz-ru-translation")


@pytest.mark.parametrize("query", ["", "   ", "!!! ???", "zzqqxxyy", '" OR 1=1 --', "NEAR(a b)"])
async def test_search_without_words_or_hits_is_empty(
    db: Database, corpus: dict[str, int], query: str
) -> None:
    async with db.sessionmaker() as session:
        page = await lookups.search(session, query)
    assert page.stories == () and not page.has_more


# ---- transliteration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Toshkent", "тошкент"),
        ("Oʻzbekiston", "ўзбекистон"),
        ("O'zbekiston", "ўзбекистон"),
        ("gʻalaba", "ғалаба"),
        ("Samarqand", "самарқанд"),
        ("shahrida", "шаҳрида"),
    ],
)
def test_uzbek_transliteration(latin: str, cyrillic: str) -> None:
    assert lookups.to_cyrillic(latin) == cyrillic
    assert lookups.to_cyrillic(lookups.to_latin(cyrillic)) == cyrillic


def test_transliterations_of_a_mixed_query_are_per_script() -> None:
    assert lookups.transliterations("IT") == ["ит"]
    assert lookups.transliterations("Тошкент") == ["toshkent"]
    assert lookups.transliterations("123") == []


def test_published_dates_are_spread_as_the_tests_assume() -> None:
    found = understood()
    newest = max(a.published for a in found.values() if a.published)
    assert newest == _published(20, KZ_EXTRA - 1)
    assert found["kz-ru-translation"].published == _published(3) + timedelta(hours=1)


# ---- the CLI's face of the same lookups ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        ("Narnia", "Kazakhstan, Uzbekistan, Kyrgyzstan, Tajikistan, Turkmenistan"),
        ("Uzbkstn", "Uzbekistan"),
    ],
)
async def test_cli_country_without_a_match_lists_what_it_offers(
    db: Database, corpus: dict[str, int], name: str, offered: str
) -> None:
    out = io.StringIO()
    args = argparse.Namespace(name=[name], json=False, lang="en", limit=5, offset=0)
    assert await cli_lookups.cmd_country(args, db.sessionmaker, out) == 1
    lines = out.getvalue().splitlines()
    assert lines[-1] == offered
    assert "Armenia" not in out.getvalue()


async def test_event_card_sees_a_stored_event_gain_its_dates(
    db: Database, corpus: dict[str, int]
) -> None:
    undated = understand(
        _raw(
            "undated-event",
            "Tashkent Fintech Summit 2026 announced",
            "Uzbekistan announced Tashkent Fintech Summit 2026 for fintech startups.",
            26,
        ),
        hints=SourceHints(name="Kun.uz"),
    )
    [event] = [e for e in undated.events if e.key == "tashkent-fintech-summit-2026"]
    async with db.sessionmaker() as session, session.begin():
        await articles.add(
            session,
            replace(undated, events=(replace(event, start=None, end=None, place=None),)),
            source_id=None,
            story_id=None,
        )
    async with db.sessionmaker() as session:
        card = await lookups.event_card(session, "Tashkent Fintech Summit 2026")
    assert card is not None and card.event.start is None
    dated = replace(
        undated,
        url="https://news.example/dated-event",
        canonical_url="https://news.example/dated-event",
        content_hash="dated-event",
        events=(replace(event, start=date(2026, 9, 15), end=date(2026, 9, 16), place="Tashkent"),),
    )
    async with db.sessionmaker() as session, session.begin():
        await articles.add(session, dated, source_id=None, story_id=None)
    async with db.sessionmaker() as session:
        card = await lookups.event_card(session, "Tashkent Fintech Summit 2026")
        by_id = await lookups.event_card(session, "", event_id=card.event.id if card else 0)
    assert card is not None and by_id == card
    assert (card.event.start, card.event.place, card.event.articles) == (
        date(2026, 9, 15),
        "Tashkent",
        2,
    )
