"""Events, dates and publication dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from digests.model import Event, RawArticle
from digests.understand import dates, events, understand
from tests.seeds import seed_article


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("ICT WEEK 2025", id="caps"),
        pytest.param("ICT Week-2025", id="hyphen"),
        pytest.param("ICT Week 2025", id="plain"),
        pytest.param("ict week  2025", id="lower"),
    ],
)
def test_event_key_is_normalised(name: str) -> None:
    assert events.key(name) == "ict-week-2025"


def test_cyrillic_names_get_latin_keys() -> None:
    assert events.key("Неделя инноваций", 2025) == "nedelya-innovatsiy-2025"


def test_seed_000_ict_week() -> None:
    article = understand(seed_article("000"))
    (event,) = [e for e in article.events if e.key.startswith("ict")]  # and its programme days
    assert event.key == "ict-week-2025"
    assert (event.start, event.end) == (date(2025, 4, 7), date(2025, 4, 10))
    assert event.place == "Dushanbe"


def test_seed_002_digital_bridge() -> None:
    (event,) = understand(seed_article("002")).events
    assert event.key == "digital-bridge-2022"
    assert event.start == date(2022, 9, 28)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        pytest.param(
            "С 7 по 10 апреля в Душанбе прошла ICT Week 2025.",
            date(2025, 4, 7),
            date(2025, 4, 10),
            id="ru-s-po",
        ),
        pytest.param(
            "ICT Week 2025 will take place on 7–10 April in Dushanbe.",
            date(2025, 4, 7),
            date(2025, 4, 10),
            id="en-dash",
        ),
        pytest.param(
            "ICT Week 2025 will take place April 7-10 in Dushanbe.",
            date(2025, 4, 7),
            date(2025, 4, 10),
            id="en-month-first",
        ),
        pytest.param(
            "ICT Week 2025 haftaligi 7-10 aprel kunlari Toshkentda oʻtadi.",
            date(2025, 4, 7),
            date(2025, 4, 10),
            id="uz-latin",
        ),
        pytest.param(
            "«ICT Week 2025» форумы 7-10 сәуір күндері Астанада өтеді.",
            date(2025, 4, 7),
            date(2025, 4, 10),
            id="kk",
        ),
        pytest.param(
            "Форум «Digital Almaty 2025» пройдёт 30 января – 1 февраля в Алматы.",
            date(2025, 1, 30),
            date(2025, 2, 1),
            id="cross-month",
        ),
    ],
)
def test_event_date_ranges(text: str, start: date, end: date) -> None:
    (event,) = understand(RawArticle(url=None, title="", text=text)).events
    assert (event.start, event.end) == (start, end)


def test_event_year_from_published_date_when_name_has_none() -> None:
    raw = RawArticle(
        url=None,
        title="",
        text="Хакатон «AI Battle» пройдёт 12–14 марта в Ташкенте.",
        published=datetime(2024, 2, 1, tzinfo=UTC),
    )
    (event,) = understand(raw).events
    assert (event.start, event.end, event.place) == (
        date(2024, 3, 12),
        date(2024, 3, 14),
        "Tashkent",
    )
    assert event.key == "ai-battle-2024"


def test_event_without_year_or_date_has_no_dates() -> None:
    raw = RawArticle(url=None, title="", text="Хакатон «AI Battle» пройдёт 12–14 марта в Ташкенте.")
    (event,) = understand(raw).events
    assert event.start is None and event.end is None  # never a guessed year


def test_generic_forum_is_not_an_event() -> None:
    raw = RawArticle(url=None, title="", text="The Forum will begin tomorrow. The Summit ended.")
    assert understand(raw).events == ()


def test_russian_place_adjective_names_an_event() -> None:
    raw = RawArticle(
        url=None, title="", text="В столице прошёл Ташкентский международный инвестиционный форум."
    )
    (event,) = understand(raw).events
    assert event.place == "Tashkent"


@pytest.mark.parametrize(
    ("number", "published"),
    [
        pytest.param("000", None, id="000-none-never-guessed"),
        pytest.param("001", datetime(2026, 1, 5, tzinfo=UTC), id="001-date-line"),
        pytest.param("002", datetime(2022, 9, 28, tzinfo=UTC), id="002-text"),
        pytest.param("003", datetime(2022, 6, 10, tzinfo=UTC), id="003-day-month-not-widget"),
    ],
)
def test_published_from_text(number: str, published: datetime | None) -> None:
    assert understand(seed_article(number)).published == published


def test_given_published_is_kept() -> None:
    when = datetime(2020, 1, 2, 3, 4, tzinfo=UTC)
    raw = RawArticle(url=None, title="T", text="Published 28 September, 2022.", published=when)
    assert understand(raw).published == when


def test_numeric_dates_are_day_first_unless_impossible() -> None:
    (a,) = dates.find("10/06/2022")
    (b,) = dates.find("06/25/2022")
    assert (a.day, a.month) == (10, 6)
    assert (b.day, b.month) == (25, 6)


def events_of(text: str, published: datetime | None = None, title: str = "") -> tuple[Event, ...]:
    """Return the events understand() finds in a short article."""
    return understand(RawArticle(url=None, title=title, text=text, published=published)).events


def one(found: tuple[Event, ...], prefix: str) -> Event:
    """Return the single event whose key starts with prefix."""
    (event,) = [e for e in found if e.key.startswith(prefix)]
    return event


def test_russian_programme_day_is_an_event() -> None:
    found = events_of(
        "9 октября в Алматы прошёл День открытых данных, организованный министерством.",
        datetime(2024, 10, 1, tzinfo=UTC),
    )
    event = one(found, "den-otkrytyh-dannyh")
    assert (event.start, event.end) == (date(2024, 10, 9), date(2024, 10, 9))


def test_programme_heading_dates_the_day_below_it() -> None:
    text = (
        "Программа недели\n5 мая - открытие\n"
        "Сразу после открытия прошёл День робототехники, собравший школьников со всей страны."
    )
    event = one(events_of(text, datetime(2025, 5, 1, tzinfo=UTC)), "den-robototehniki")
    assert event.start == date(2025, 5, 5)


def test_tajik_izofa_name_is_an_event() -> None:
    text = (
        "12 октябр дар шаҳри Хуҷанд Форуми байналмилалии Рақамикунонии Осиёи Марказӣ "
        "баргузор мегардад."
    )
    event = one(events_of(text, datetime(2025, 10, 1, tzinfo=UTC)), "forumi-")
    assert event.name == "Форуми байналмилалии Рақамикунонии Осиёи Марказӣ"
    assert event.start == date(2025, 10, 12)


def test_name_with_year_is_an_event_when_its_sentence_says_so() -> None:
    text = (
        "Digitex-2026 – the 5th International Exhibition of Digital Technologies – "
        "opened in Almaty on 3 March."
    )
    event = one(events_of(text), "digitex-2026")
    assert (event.start, event.place) == (date(2026, 3, 3), "Almaty")


def test_name_with_year_alone_is_not_an_event() -> None:
    assert events_of("The Uzbekistan-2030 strategy sets goals for digital public services.") == ()


def test_turkmen_quoted_exhibition_with_year_before_the_day() -> None:
    text = (
        "2024-nji ýylyň 5-nji noýabrynda Aşgabat şäherinde “Türkmentel-2024” atly halkara "
        "sergisi geçirildi."
    )
    event = one(events_of(text), "turkmentel-2024")
    assert (event.start, event.place) == (date(2024, 11, 5), "Ashgabat")


def test_uzbek_quoted_name_before_tadbiri() -> None:
    text = "2023-yil 15-mart kuni Samarqand shahrida “Raqamli Avlod 2023” tadbiri boʻlib oʻtdi."
    event = one(events_of(text), "raqamli-avlod-2023")
    assert (event.start, event.place) == (date(2023, 3, 15), "Samarkand")


def test_year_of_an_alias_in_brackets_dates_an_undated_article() -> None:
    text = "The Astana Information Security Forum (AISF 2019) was held on May 14-15 in Astana."
    event = one(events_of(text), "astana-information-security-forum")
    assert (event.start, event.end) == (date(2019, 5, 14), date(2019, 5, 15))


def test_labelled_date_line_dates_the_reported_event() -> None:
    text = (
        "Date: 3–5 June 2024\n\nOn 3 June, Tashkent opened its doors to guests from abroad.\n\n"
        "InnoWeek-2024 – the 2nd Innovation Week – welcomed more than 300 startups from the region."
    )
    event = one(events_of(text), "inno-week-2024")
    assert (event.start, event.end) == (date(2024, 6, 3), date(2024, 6, 5))


def test_capitalised_russian_adjective_inside_a_sentence_opens_a_name() -> None:
    event = one(
        events_of("В Алматы прошёл первый Евразийский форум по кибербезопасности."), "evraz"
    )
    assert event.name == "Евразийский форум по кибербезопасности"


def test_generic_russian_adjective_is_no_name() -> None:
    assert events_of("Вчера открылась XVIII Международная выставка, и все пришли.") == ()


def test_weekday_ends_a_latin_name() -> None:
    (event,) = events_of("Kazakhstan opened its annual Astana Tech Week on Monday in the capital.")
    assert event.name == "Astana Tech Week"


def test_glued_event_word_keys_like_the_spaced_one() -> None:
    assert events.key("ICTWEEK 2022") == events.key("ICT Week 2022") == "ict-week-2022"


def test_a_day_takes_its_own_date_and_the_week_its_range() -> None:
    text = (
        "Tech Week 2025 runs on 7–10 April in Dushanbe. "
        "The program began on April 8 with Startup Day, showcasing young companies."
    )
    found = events_of(text)
    assert (one(found, "tech-week").start, one(found, "tech-week").end) == (
        date(2025, 4, 7),
        date(2025, 4, 10),
    )
    day = one(found, "startup-day")
    assert (day.start, day.end, day.place) == (date(2025, 4, 8), date(2025, 4, 8), "Dushanbe")


@pytest.mark.parametrize(
    ("text", "day"),
    [
        pytest.param(
            "ХУҶАНД, 14.03.2024. /АМИТ «Ховар»/. Имрӯз", date(2024, 3, 14), id="dateline-stop"
        ),
        pytest.param("2016-njy ýylyň 28-nji sentýabrynda", date(2016, 9, 28), id="tk-year-first"),
        pytest.param("2020-yil 31-yanvar kuni", date(2020, 1, 31), id="uz-year-first"),
    ],
)
def test_dates_in_regional_forms(text: str, day: date) -> None:
    (found,) = dates.find(text)
    assert date(found.year, found.month, found.day) == day


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Форум пройдёт с 7 по 10 апреля 2025 года в Душанбе.", id="ru-range"),
        pytest.param("2020-yil 31-yanvar kuni Toshkentda forum boʻldi.", id="uz-year-first"),
        pytest.param("Көргөзмө 12-баш оона күнү Бишкекте ачылат, 22.09.2025.", id="ky-two-words"),
        pytest.param("ICT Week runs September 28 – October 2, 2025 (2025-09-28).", id="en-iso"),
    ],
)
def test_dates_found_from_tokens_are_those_found_by_scanning(text: str) -> None:
    from digests.understand._gazetteer import tokens

    assert dates.find(text, tokens(text)) == dates.find(text)
    assert dates.find(text)


def _event(title: str, text: str) -> Event:
    raw = RawArticle(url=None, title=title, text=text, published=datetime(2025, 3, 12, tzinfo=UTC))
    (event,) = understand(raw).events
    return event


@pytest.mark.parametrize(
    ("title", "text", "place", "country"),
    [
        pytest.param(
            "В Гулистане пройдёт Sirdaryo IT Week 2025",
            "Форум Sirdaryo IT Week 2025 пройдёт 20–21 марта в Гулистане, центре Сырдарьинской "
            "области Узбекистана. Организаторы — IT Park Uzbekistan и хокимият области.",
            "Gulistan",
            "uz",
            id="uzbekistan-syrdarya",
        ),
        pytest.param(
            "Дар Гулистон форуми Digital Sughd 2025 баргузор мешавад",
            "23 март дар шаҳри Гулистони вилояти Суғд форуми «Digital Sughd 2025» баргузор "
            "мегардад. Дар форум намояндагони Ҷумҳурии Тоҷикистон ва Тоҷикистон ширкат мекунанд.",
            "Gulistan",
            "tj",
            id="tajikistan-sughd",
        ),
    ],
)
def test_gulistan_belongs_to_the_country_the_text_names(
    title: str, text: str, place: str, country: str
) -> None:
    event = _event(title, text)
    assert (event.place, event.country) == (place, country)


def test_dateline_city_is_not_the_event_place() -> None:
    event = _event(
        "Форум Digital Tajikistan пройдёт в марте",
        "ДУШАНБЕ, 12 марта — Форум «Digital Tajikistan» пройдёт 20–21 марта в Худжанде, "
        "сообщили в Агентстве инноваций и цифровых технологий.",
    )
    assert event.place == "Khujand"
    assert (event.start, event.end) == (date(2025, 3, 20), date(2025, 3, 21))


def test_dateline_alone_gives_no_place_and_its_date_only_as_a_last_resort() -> None:
    event = _event(
        "Открылся форум Digital Tajikistan",
        "ДУШАНБЕ, 12 марта — Форум «Digital Tajikistan» открылся сегодня, в нём участвуют "
        "более 500 специалистов.",
    )
    assert event.place is None
    assert event.start == date(2025, 3, 12)  # the filing day, for want of any other


def test_dateline_city_counts_when_the_event_sentence_names_it() -> None:
    event = _event(
        "Открылся форум Digital Tajikistan",
        "Dushanbe, Tajikistan (Asia-Plus) -- The Digital Tajikistan forum opened in Dushanbe on "
        "12 March with more than 500 specialists.",
    )
    assert event.place == "Dushanbe"


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        pytest.param(
            "Forum 2025-yilning 13−14-iyun kunlari o'tadi.",
            date(2025, 6, 13),
            date(2025, 6, 14),
            id="uz-latn-year-first-minus-sign",
        ),
        pytest.param(
            "Көрме 2026 жылғы 7-9 сәуір аралығында өтеді.",
            date(2026, 4, 7),
            date(2026, 4, 9),
            id="kk-year-first-range",
        ),
        pytest.param(
            "Sergi 2024-nji ýylyň 17-19-njy aprelinde geçer.",
            date(2024, 4, 17),
            date(2024, 4, 19),
            id="tk-year-first-range",
        ),
        pytest.param(
            "Форум пройдёт 3−5 октября 2027 года.",
            date(2027, 10, 3),
            date(2027, 10, 5),
            id="ru-minus-sign",
        ),
    ],
)
def test_a_range_with_its_year_before_it_or_a_minus_sign(text: str, start: date, end: date) -> None:
    (mention,) = dates.find(text)
    assert (
        dates.resolve(mention.day, mention.month, mention.year, year_hint=None, around=None)
        == start
    )
    assert (mention.end_day, mention.end_month, mention.end_year or start.year) == (
        end.day,
        end.month,
        end.year,
    )


def test_a_turkmen_city_with_its_voiced_stem_is_the_place() -> None:
    """Daşkent takes a genitive as Daşkendiň: the place of the event all the same."""
    raw = RawArticle(
        url=None,
        title="CAFA Nations Cup-2027",
        text="«CAFA Nations Cup-2027» ýaryşynyň duşuşygy Daşkendiň merkezi stadionynda geçirildi.",
        published=None,
    )
    (event,) = understand(raw).events
    assert event.place == "Tashkent"
